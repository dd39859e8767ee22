"""Plumbing for the production-hardening tests (test_master.py,
test_outage.py, test_notify.py, test_secrets.py, test_access.py).

On top of world.py:

- DelayProxy: a UDP relay with added latency between the agent and one
  ipmi_sim, to make a BMC slow without touching the simulator;
- TrapReceiver: Net-SNMP snmptrapd on a free loopback port, with every
  notification it receives parsed into (trap OID, [Var, ...]);
- master_with(): a world Master whose configuration gets extra lines
  (trap sinks) or is replaced as a whole (the shipped example);
- process CPU time, log marks and line counts, the BMC's set-in-progress
  state read raw with ipmitool.
"""

import heapq
import os
import select
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

from world import Master, Process, WorldError, free_port, parse_vars, wait_for

MIB_ROOT_DOTTED = ".1.3.6.1.4.1.8072.9999.9999.623"
NOTIFICATIONS = "1.3.6.1.4.1.8072.9999.9999.623.0"
CONFIG_CHANGED = NOTIFICATIONS + ".1"
CONNECTION_LOST = NOTIFICATIONS + ".2"
CONNECTION_RESTORED = NOTIFICATIONS + ".3"
SNMP_TRAP_OID = "1.3.6.1.6.3.1.1.4.1.0"


# --- the agent process --------------------------------------------------------


def cpu_seconds(pid):
    """utime + stime of a process (all its threads), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # After the command name: state is field 3, utime 14 and stime 15.
    ticks = int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def log_mark(agent):
    """A position in the agent's log; log_since() reads what came after it."""
    try:
        return agent.proc.log.stat().st_size
    except OSError:
        return 0


def log_since(agent, mark=0):
    with open(agent.proc.log, "rb") as f:
        f.seek(mark)
        return f.read().decode("utf-8", "replace")


# --- the BMC side ---------------------------------------------------------------


def set_in_progress_state(sim, channel=1):
    """LAN parameter 0 of a channel read raw: 0 complete, 1 in progress, 2 commit."""
    res = sim.ipmitool("raw", "0x0c", "0x02", channel, 0, 0, 0)
    octets = res.stdout.split()
    # The reply after the completion code: parameter revision, then the data.
    if len(octets) < 2:
        raise WorldError(f"unexpected Get LAN parameter 0 reply: {res.stdout!r}")
    return int(octets[1], 16) & 0x03


# --- a slow network -------------------------------------------------------------


class UdpRelay:
    """Relays UDP datagrams between clients and 127.0.0.1:target on a thread.

    Every client address gets its own upstream socket, so replies find the
    session they belong to. Subclasses decide what happens to a datagram:
    _from_client(client, data) and _from_target(client, data); _wait() and
    _tick() let them keep their own timers.
    """

    def __init__(self, target_port, port=None, name="udp-relay"):
        self.target = ("127.0.0.1", target_port)
        self.port = port or free_port()
        self._listen = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._listen.bind(("127.0.0.1", self.port))
        self._upstream = {}   # client address -> socket towards the target
        self._client_of = {}  # upstream socket -> client address
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(5)
        for s in [self._listen, *self._upstream.values()]:
            s.close()

    def _upstream_for(self, client):
        sock = self._upstream.get(client)
        if sock is None:
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind(("127.0.0.1", 0))
            self._upstream[client] = sock
            self._client_of[sock] = client
        return sock

    @staticmethod
    def _send(sock, data, addr):
        try:
            sock.sendto(data, addr)
        except OSError:
            pass  # e.g. the target is down

    def _from_client(self, client, data):
        self._send(self._upstream_for(client), data, self.target)

    def _from_target(self, client, data):
        self._send(self._listen, data, client)

    def _wait(self):
        return 0.05

    def _tick(self):
        pass

    def _receive(self, sock):
        try:
            data, addr = sock.recvfrom(65536)
        except OSError:
            return  # e.g. ICMP port unreachable from a target that is down
        if sock is self._listen:
            self._from_client(addr, data)
        else:
            self._from_target(self._client_of[sock], data)

    def _run(self):
        while not self._stop.is_set():
            socks = [self._listen, *self._upstream.values()]
            readable, _, _ = select.select(socks, [], [], self._wait())
            for sock in readable:
                self._receive(sock)
            self._tick()


class DelayProxy(UdpRelay):
    """Relays UDP datagrams to 127.0.0.1:target, each `delay` seconds late.

    Both directions are delayed, so a round trip costs 2 * delay more.
    `packets` counts the datagrams from clients.
    """

    def __init__(self, target_port, delay, port=None):
        super().__init__(target_port, port, name="delay-proxy")
        self.delay = delay
        self.packets = 0
        self._queue = []      # (due, seq, socket, data, address)
        self._seq = 0

    def _schedule(self, sock, data, addr):
        self._seq += 1
        heapq.heappush(self._queue, (time.monotonic() + self.delay, self._seq, sock, data, addr))

    def _from_client(self, client, data):
        self.packets += 1
        self._schedule(self._upstream_for(client), data, self.target)

    def _from_target(self, client, data):
        self._schedule(self._listen, data, client)

    def _wait(self):
        if self._queue:
            return max(0.0, min(0.05, self._queue[0][0] - time.monotonic()))
        return 0.05

    def _tick(self):
        now = time.monotonic()
        while self._queue and self._queue[0][0] <= now:
            _, _, sock, data, addr = heapq.heappop(self._queue)
            self._send(sock, data, addr)


# --- notifications --------------------------------------------------------------

# One line per notification: the separator between varbinds cannot occur in
# the values of this MIB (names, addresses, error texts).
_TRAP_PREFIX = "TRAP "
_VB_SEP = "\x1e"


class TrapReceiver:
    """snmptrapd on 127.0.0.1:port accepting any v2c community, logging each
    notification as one line of numeric varbinds."""

    def __init__(self, world, name="snmptrapd"):
        self.world = world
        self.dir = world.dir / name
        self.dir.mkdir()
        self.port = free_port()
        self.conf = self.dir / "snmptrapd.conf"
        self.conf.write_text("disableAuthorization yes\n"
                             "doNotRetainNotificationLogs yes\n")
        env = dict(os.environ, SNMP_PERSISTENT_DIR=str(self.dir / "persist"),
                   SNMPCONFPATH=str(self.dir))
        prog = shutil.which("snmptrapd") or "/usr/sbin/snmptrapd"
        self.proc = Process(name, [
            prog, "-f", "-Lo", "-C", "-c", self.conf, "-n", "-On", "-Oe", "-OU", "-Ot",
            "-M", world.mibdirs, "-m", "SNMPv2-MIB",
            "-F", f"{_TRAP_PREFIX}%V{_VB_SEP}%v\n",
            f"udp:127.0.0.1:{self.port}"], self.dir / "snmptrapd.log", env=env,
            cwd=self.dir)
        world.track(self.proc)

    @property
    def sink_line(self):
        """The snmpd.conf line that sends the master's notifications here."""
        return f"trap2sink 127.0.0.1:{self.port} public\n"

    def start(self):
        self.proc.start()
        wait_for(self._listening, 10, "snmptrapd to listen",
                 on_fail=lambda: self.proc.log_tail())
        return self

    def _listening(self):
        if not self.proc.running():
            raise WorldError(f"snmptrapd exited with {self.proc.returncode()}")
        return "NET-SNMP version" in self.proc.log.read_text(errors="replace")

    def traps(self):
        """Every notification so far: [(trap OID, [Var, ...]), ...]."""
        out = []
        text = self.proc.log.read_text(errors="replace")
        # Not splitlines(): it would also split at the separator.
        for line in text.split("\n"):
            if not line.startswith(_TRAP_PREFIX):
                continue
            parts = [p for p in line[len(_TRAP_PREFIX):].split(_VB_SEP) if p.strip()]
            vars_ = [v for p in parts for v in parse_vars(p.strip())]
            trap = next((v.value for v in vars_ if v.oid == SNMP_TRAP_OID), None)
            out.append((trap, vars_))
        return out

    def mark(self):
        """A position in the stream of notifications, for of(since=...)."""
        return len(self.traps())

    def of(self, trap_oid, since=0):
        """The varbinds ({oid: Var}) of each notification trap_oid after `since`."""
        return [{v.oid: v for v in vars_} for t, vars_ in self.traps()[since:]
                if t == trap_oid]


# --- the master -----------------------------------------------------------------


def master_with(world, extra="", config=None, agentx_timeout=10, start=True):
    """A world Master with `extra` lines appended to its configuration, or
    with `config(master)` (a function of the Master, for its port and
    socket) as the whole configuration."""
    master = Master(world, agentx_timeout=agentx_timeout)
    text = config(master) if config else master.conf.read_text() + extra
    master.conf.write_text(text)
    if start:
        master.proc.start()
    return master


def wait_master_socket(master, timeout=10):
    """Until snmpd runs and its AgentX socket exists (the master is ready
    for subagents even when no community of ours may read it)."""
    def ready():
        if not master.proc.running():
            raise WorldError(f"snmpd exited with {master.proc.returncode()}")
        return master.socket.exists()

    wait_for(ready, timeout, "snmpd's AgentX socket", on_fail=lambda: master.proc.log_tail())


def run_client(world, argv, timeout=30):
    """A Net-SNMP client with the world's environment; CompletedProcess."""
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True,
                          env=world.client_env, timeout=timeout)
