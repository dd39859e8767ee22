# SPDX-License-Identifier: GPL-3.0-or-later
"""The integration test world: real peers on loopback, driven by their own tools.

A World is one test's temporary directory and everything started in it:

- Sim: an OpenIPMI ipmi_sim BMC built by tests/sim/make-sim.sh, one LAN
  channel per UDP port, reached with ipmitool;
- Master: Net-SNMP snmpd as AgentX master on a free UDP port and a unix socket;
- Agent: the ipmi-agentx binary with a generated YAML configuration;
- the stock Net-SNMP clients (snmpget, snmpset, snmpwalk, snmpbulkwalk,
  snmptable) against the master, with their output parsed into Python values;
- master helpers: a Master with extra configuration lines or a whole
  configuration of its own (master_with), waiting for its AgentX socket
  alone, any Net-SNMP client run with the world's environment;
- the agent's counters, a walk without the columns that change on their
  own, a process's CPU time.

Readiness is always polled with a deadline, never slept for. Every process
is started with its output in a log file of the world and stopped by pid
when the world is closed, even when the test failed. World.finish() is the
one place that decides whether the directory is kept (a failure, or when
asked) or removed; the conftest's fixtures, module_world() (a World shared
by the tests of a module) and the benchmarks of bench/ all end a world
with it.
"""

import contextlib
import os
import random
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# Enough for a loaded 2-core CI machine, far below the test timeouts.
READY_TIMEOUT = 20.0
POLL_INTERVAL = 0.05

# The module's root and the columns of its tables (IPMI-CHANNEL-MIB).
MIB_ROOT = "1.3.6.1.4.1.8072.9999.9999.623"
BMC_ENTRY = MIB_ROOT + ".1.1.1"
CHANNEL_ENTRY = MIB_ROOT + ".1.2.1"
BMC_COLUMNS = {
    2: "ipmiBmcName",
    3: "ipmiBmcReachable",
    4: "ipmiBmcManufacturerId",
    5: "ipmiBmcFirmwareVersion",
    6: "ipmiBmcIpmiVersion",
    7: "ipmiBmcLastRefresh",
    8: "ipmiBmcLastError",
    9: "ipmiBmcPasswordUserId",
    10: "ipmiBmcPassword",
    11: "ipmiBmcIdentify",
    12: "ipmiBmcIdentifyForce",
    13: "ipmiBmcRefreshes",
    14: "ipmiBmcRefreshFailures",
    15: "ipmiBmcSetsApplied",
    16: "ipmiBmcSetsFailed",
    17: "ipmiBmcAgentAddress",
    18: "ipmiBmcAgentPort",
}
CHANNEL_COLUMNS = {
    2: "ipmiChannelMacAddress",
    3: "ipmiChannelDhcp",
    4: "ipmiChannelIpAddress",
    5: "ipmiChannelNetmask",
    6: "ipmiChannelGateway",
    7: "ipmiChannelVlanId",
    8: "ipmiChannelVlanPriority",
    9: "ipmiChannelManageUrl",
    13: "ipmiChannelCarriesAgent",
}
# The agent's scalars (ipmiAgent, ipmiChannelObjects.3), instance .0.
AGENT_VERSION = MIB_ROOT + ".1.3.1.0"
AGENT_UPTIME = MIB_ROOT + ".1.3.2.0"
AGENT_REFRESHES_LATE = MIB_ROOT + ".1.3.3.0"
TRUE, FALSE = 1, 2  # TruthValue

# Error statuses of RFC 3416, by the names Net-SNMP prints.
SNMP_ERRORS = (
    "noError", "tooBig", "noSuchName", "badValue", "readOnly", "genErr",
    "noAccess", "wrongType", "wrongLength", "wrongEncoding", "wrongValue",
    "noCreation", "inconsistentValue", "resourceUnavailable", "commitFailed",
    "undoFailed", "authorizationError", "notWritable", "inconsistentName",
)


class WorldError(Exception):
    """A peer did not start, did not become ready, or misbehaved."""


def wait_for(predicate, timeout, what, interval=POLL_INTERVAL, on_fail=None):
    """Poll predicate() until it returns a true value, which is returned.

    Exceptions from predicate count as "not yet". On timeout, raise
    WorldError naming `what`, the last exception and on_fail()'s text.
    """
    deadline = time.monotonic() + timeout
    last_exc = None
    while True:
        try:
            result = predicate()
            if result:
                return result
        except Exception as exc:  # noqa: BLE001 - any failure means "not yet"
            last_exc = exc
        if time.monotonic() >= deadline:
            msg = f"timed out after {timeout:.1f}s waiting for {what}"
            if last_exc is not None:
                msg += f" (last error: {last_exc!r})"
            if on_fail is not None:
                msg += "\n" + on_fail()
            raise WorldError(msg)
        time.sleep(interval)


def tail(path, lines=40):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        return f"(cannot read {path}: {exc})"
    text = data.decode("utf-8", "replace").splitlines()
    return "\n".join(text[-lines:])


def texts_holding(needle, *paths):
    """Which of the files contain `needle` (bytes compare, any encoding)."""
    found = []
    for p in paths:
        p = Path(p)
        if p.exists() and needle.encode() in p.read_bytes():
            found.append(str(p))
    return found


# --- ports -----------------------------------------------------------------

_handed_out = set()


def _port_is_free(port):
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        s = socket.socket(socket.AF_INET, kind)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        finally:
            s.close()
    return True


def _ephemeral_range():
    try:
        lo, hi = open("/proc/sys/net/ipv4/ip_local_port_range").read().split()
        return int(lo), int(hi)
    except (OSError, ValueError):
        return 32768, 60999


def free_port():
    """A loopback port free for both UDP and TCP, never handed out twice.

    Taken below the kernel's ephemeral range, so that no client socket (of
    ipmitool, the SNMP tools or the agent itself) can be given the port of a
    BMC that is meant to be down, or of a peer that restarts. Ports of this
    process are remembered: two peers never get the same number.
    """
    lo, _ = _ephemeral_range()
    first, last = (20000, lo - 1) if lo > 21000 else (lo - 1000, lo - 1)
    rng = random.Random()
    for _ in range(500):
        port = rng.randint(first, last)
        if port not in _handed_out and _port_is_free(port):
            _handed_out.add(port)
            return port
    raise WorldError("no free loopback port found")


# --- processes -------------------------------------------------------------


_all_processes = []


def all_processes():
    """Every Process of this interpreter, for the session's leak check."""
    return list(_all_processes)


def cpu_seconds(pid):
    """utime + stime of a process (all its threads), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # After the command name: state is field 3, utime 14 and stime 15.
    ticks = int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


class Process:
    """One child process with its output in a log file; stopped by pid."""

    def __init__(self, name, argv, log, env=None, cwd=None):
        _all_processes.append(self)
        self.name = name
        self.argv = [str(a) for a in argv]
        self.log = Path(log)
        self.env = env
        self.cwd = cwd
        self.popen = None

    def start(self):
        if self.running():
            raise WorldError(f"{self.name} is already running")
        with open(self.log, "ab") as out:
            out.write(f"==== {time.strftime('%H:%M:%S')} start: "
                      f"{shlex.join(self.argv)}\n".encode())
            out.flush()
            self.popen = subprocess.Popen(
                self.argv, stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, env=self.env, cwd=self.cwd,
                start_new_session=True)
        return self

    @property
    def pid(self):
        return self.popen.pid if self.popen else None

    def running(self):
        return self.popen is not None and self.popen.poll() is None

    def check_running(self):
        """Raise WorldError when the process has exited (in a readiness poll)."""
        if not self.running():
            raise WorldError(f"{self.name} exited with {self.returncode()}")

    def returncode(self):
        return self.popen.poll() if self.popen else None

    def signal(self, sig):
        if self.running():
            self.popen.send_signal(sig)

    def wait(self, timeout):
        """Wait for exit; return the exit code, or None on timeout."""
        if self.popen is None:
            return None
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, timeout=5.0):
        """SIGTERM, then SIGKILL after `timeout`. Returns the exit code."""
        if self.popen is None:
            return None
        if self.running():
            self.popen.send_signal(signal.SIGTERM)
            if self.wait(timeout) is None:
                self.popen.kill()
                self.popen.wait()
        return self.popen.returncode

    def kill(self):
        if self.running():
            self.popen.kill()
            self.popen.wait()
        return self.returncode()

    def log_tail(self, lines=40):
        return tail(self.log, lines)


# --- SNMP values -----------------------------------------------------------


@dataclass(frozen=True)
class Var:
    """One varbind as a Net-SNMP client printed it."""

    oid: str    # numeric, without the leading dot
    type: str   # "INTEGER", "STRING", "IpAddress", "Gauge32", ... or an exception
    value: object  # int, str, bytes, or None for noSuchObject/...

    @property
    def parts(self):
        return tuple(int(x) for x in self.oid.split("."))

    @property
    def exception(self):
        return self.type in ("noSuchObject", "noSuchInstance", "endOfMibView")


@dataclass
class SetResult:
    status: str          # "noError" or an RFC 3416 status, or "timeout"
    failed_oid: str      # the object Net-SNMP named as failed, else ""
    vars: list
    stderr: str
    elapsed: float

    @property
    def ok(self):
        return self.status == "noError"


_EXCEPTIONS = {
    "No Such Object available on this agent at this OID": "noSuchObject",
    "No Such Instance currently exists at this OID": "noSuchInstance",
    "No more variables left in this MIB View (It is past the end of the MIB tree)":
        "endOfMibView",
}
_LINE = re.compile(r"^\.?(\d+(?:\.\d+)*) = (.*)$")
_TYPED = re.compile(r"^([A-Za-z][A-Za-z0-9-]*): ?(.*)$", re.S)
_INT_TYPES = {"INTEGER", "Gauge32", "Counter32", "Counter64", "Unsigned32",
              "Timeticks", "UInteger32"}


def _unquote(text):
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return re.sub(r'\\(.)', r'\1', text[1:-1])
    return text


def _convert(raw):
    """(type, value) from the text right of " = " (options -Oe -OU -Ot)."""
    if raw in _EXCEPTIONS:
        return _EXCEPTIONS[raw], None
    m = _TYPED.match(raw)
    if not m:
        # -Ot prints Timeticks bare; an empty DisplayString prints as "".
        if re.fullmatch(r"-?\d+", raw):
            return "Timeticks", int(raw)
        return "STRING", _unquote(raw)
    typ, text = m.group(1), m.group(2)
    if typ in _INT_TYPES:
        num = re.match(r"-?\d+", text)
        return typ, int(num.group(0)) if num else text
    if typ == "Hex-STRING":
        return typ, bytes.fromhex(text.replace("\n", " "))
    if typ == "STRING":
        return typ, _unquote(text)
    if typ == "OID":
        return typ, text.lstrip(".")
    return typ, text


def parse_vars(text):
    """Varbinds from client output made with -On (one OID per line)."""
    out = []
    cur_oid, cur_raw = None, None
    for line in text.splitlines():
        m = _LINE.match(line)
        if m:
            if cur_oid is not None:
                out.append(Var(cur_oid, *_convert(cur_raw)))
            cur_oid, cur_raw = m.group(1), m.group(2)
        elif cur_oid is not None:
            cur_raw += "\n" + line  # a value that went on over lines
    if cur_oid is not None:
        out.append(Var(cur_oid, *_convert(cur_raw)))
    return out


def parse_set_error(stderr):
    """(status, failed numeric OID or "") from snmpset's error text, or
    (None, "") when it holds no "Reason:". Net-SNMP prints either
    "Reason: wrongValue (The set value ...)" or "Reason: (genError) A ..."."""
    m = re.search(r"Reason: \(?(\w+)", stderr)
    if not m:
        return None, ""
    status = {"genError": "genErr"}.get(m.group(1), m.group(1))
    failed = re.search(r"Failed object: \.?(\d+(?:\.\d+)*)", stderr)
    return status, failed.group(1) if failed else ""


def mac_bytes(value):
    """The 6 octets of a MAC from any of "02:00:5e:..", "2:0:5e:..", b"..."."""
    if isinstance(value, bytes):
        return value
    parts = re.split(r"[:\- ]", value.strip())
    return bytes(int(p, 16) for p in parts if p)


def oid_key(oid):
    return tuple(int(x) for x in oid.split("."))


def channel_row_from_lan(lan, agent_addr="127.0.0.1"):
    """What ipmiChannelEntry must hold for `ipmitool lan print` output `lan`.

    agent_addr: the address the agent reaches that BMC at (loopback for the
    simulators of this world, so no channel carries the agent).
    """
    vlan = lan["802.1q VLAN ID"]
    ip = lan["IP Address"]
    return {
        "ipmiChannelMacAddress": mac_bytes(lan["MAC Address"]),
        "ipmiChannelDhcp": TRUE if lan["IP Address Source"] == "DHCP Address" else FALSE,
        "ipmiChannelIpAddress": ip,
        "ipmiChannelNetmask": lan["Subnet Mask"],
        "ipmiChannelGateway": lan["Default Gateway IP"],
        "ipmiChannelVlanId": 0 if vlan == "Disabled" else int(vlan),
        "ipmiChannelVlanPriority": int(lan["802.1q VLAN Priority"]),
        "ipmiChannelManageUrl": "" if ip == "0.0.0.0" else f"https://{ip}/",
        "ipmiChannelCarriesAgent": TRUE if ip == agent_addr else FALSE,
    }


def comparable_row(row):
    """A channel row from a walk with the MAC as bytes, for == with the above."""
    out = dict(row)
    if "ipmiChannelMacAddress" in out:
        out["ipmiChannelMacAddress"] = mac_bytes(out["ipmiChannelMacAddress"])
    return out


# --- peers -----------------------------------------------------------------


class Peer:
    """A peer of the world run as one Process (self.proc); ready when its
    wait_ready(timeout) returns."""

    def start(self, wait=True, timeout=READY_TIMEOUT):
        self.proc.start()
        if wait:
            self.wait_ready(timeout)
        return self

    def stop(self):
        return self.proc.stop()


class BmcPeer(Peer):
    """A simulated BMC: ready once `ipmitool mc info` answers (its ipmitool()
    reaches it); `kind` names it in messages."""

    kind = "BMC"

    def wait_ready(self, timeout=READY_TIMEOUT):
        def ready():
            self.proc.check_running()
            return self.ipmitool("mc", "info", check=False, timeout=2).returncode == 0

        wait_for(ready, timeout, f"{self.kind} {self.name} to answer mc info",
                 on_fail=lambda: self.proc.log_tail())

    def kill(self):
        """SIGKILL: the BMC vanishes without a word."""
        return self.proc.kill()

    def alias(self, name):
        """This simulator under another name: a second BMC entry of the agent
        for the same BMC (for example with another password_user_id)."""
        return SimAlias(self, name)


class Sim(BmcPeer):
    """An ipmi_sim BMC with one 802.3 LAN channel per port."""

    kind = "ipmi_sim"

    def __init__(self, world, name, channels=1, sim_id=1, ports=None):
        self.world = world
        self.name = name
        self.sim_id = sim_id
        self.dir = world.dir / name
        self.ports = list(ports) if ports else [free_port() for _ in range(channels)]
        # admin's password, for ipmitool: a test that changes it says so here
        self.admin_password = "secret"
        env = dict(os.environ, SIM_ID=str(sim_id))
        subprocess.run([world.sim_script("make-sim.sh"), str(self.dir),
                        *map(str, self.ports)], check=True, env=env,
                       capture_output=True, timeout=30)
        self.proc = Process(f"ipmi_sim {name}",
                            [world.sim_script("run-sim.sh"), self.dir],
                            self.dir / "ipmi_sim.log", cwd=self.dir)
        world.track(self.proc)

    @property
    def port(self):
        return self.ports[0]

    @property
    def channels(self):
        return list(range(1, len(self.ports) + 1))

    def ipmitool_argv(self, *args, port=None):
        return ["ipmitool", "-I", "lanplus", "-C", "3", "-U", "admin", "-P",
                self.admin_password, "-L", "ADMINISTRATOR", "-H", "127.0.0.1", "-p",
                str(port or self.port), "-N", "1", "-R", "2", *map(str, args)]

    def ipmitool(self, *args, check=True, timeout=30, port=None):
        """Run ipmitool against this BMC; the CompletedProcess (text)."""
        res = subprocess.run(self.ipmitool_argv(*args, port=port),
                             capture_output=True, text=True, timeout=timeout)
        if check and res.returncode != 0:
            raise WorldError(f"ipmitool {' '.join(map(str, args))} failed "
                             f"({res.returncode}): {res.stderr.strip()}")
        return res

    def _print_dict(self, text):
        out = {}
        for line in text.splitlines():
            key, sep, val = line.partition(":")
            key = key.strip()
            if sep and key:  # continuation lines start with ":" and have no key
                out[key] = val.strip()
        return out

    def lan_print(self, channel=1):
        """`ipmitool lan print CH` as {"IP Address": "192.0.2.10", ...}."""
        return self._print_dict(self.ipmitool("lan", "print", channel).stdout)

    def mc_info(self):
        return self._print_dict(self.ipmitool("mc", "info").stdout)

    def _log(self, name):
        path = self.dir / name
        if not path.exists():
            return []
        return [shlex.split(line) for line in path.read_text().splitlines() if line]

    def lancfg_log(self):
        """Every lan_config_program call: [state_file, op, args...] lists."""
        return self._log("lancfg.log")

    def lancfg_sets(self, channel=None):
        """The `set` calls as dicts {parm: value}, optionally of one channel."""
        sets = []
        for call in self.lancfg_log():
            if len(call) < 2 or call[1] != "set":
                continue
            if channel is not None and Path(call[0]).name != f"lan{channel}.state":
                continue
            args = call[2:]
            sets.append(dict(zip(args[0::2], args[1::2])))
        return sets

    def clear_logs(self):
        for name in ("lancfg.log", "chassis.log"):
            (self.dir / name).write_text("")

    def chassis_log(self):
        """Every chassis_control call: [dir, op, args...] lists."""
        return self._log("chassis.log")

    def lan_state(self, channel=1):
        """The lan_config_program state of a channel, {parm: value}."""
        text = (self.dir / f"lan{channel}.state").read_text()
        return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


class SimAlias:
    """A Sim seen under another name by Agent (see Sim.alias); everything but
    the name is the simulator's."""

    def __init__(self, sim, name):
        self.sim = sim
        self.name = name

    def __getattr__(self, attr):
        return getattr(self.sim, attr)


class Master(Peer):
    """Net-SNMP snmpd as AgentX master on loopback."""

    def __init__(self, world, agentx_timeout=10):
        self.world = world
        self.dir = world.dir / "snmpd"
        self.dir.mkdir()
        self.port = free_port()
        self.socket = self.dir / "agentx.sock"
        self.conf = self.dir / "snmpd.conf"
        # The master's default agentXTimeout is 1 s: shorter than a SET that
        # waits for a BMC. 10 s matches the agent's own default; reads must
        # never come near it (the tests measure that).
        self.conf.write_text(
            f"agentAddress udp:127.0.0.1:{self.port}\n"
            "master agentx\n"
            f"agentXSocket {self.socket}\n"
            f"agentXTimeout {agentx_timeout}\n"
            "agentXRetries 0\n"
            "rocommunity public 127.0.0.1\n"
            "rwcommunity private 127.0.0.1\n"
            "dontLogTCPWrappersConnects yes\n")
        env = dict(os.environ, SNMP_PERSISTENT_DIR=str(self.dir / "persist"),
                   SNMPCONFPATH=str(self.dir))
        snmpd = shutil.which("snmpd") or "/usr/sbin/snmpd"
        self.proc = Process("snmpd", [
            snmpd, "-f", "-Lo", "-C", "-c", self.conf,
            "-M", world.mibdirs, "-m", "SNMPv2-MIB"], self.dir / "snmpd.log",
            env=env, cwd=self.dir)
        world.track(self.proc)
        world.master = self

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def wait_ready(self, timeout=READY_TIMEOUT):
        def ready():
            self.proc.check_running()
            if not self.socket.exists():
                return False
            v = self.world.snmpget("SNMPv2-MIB::sysUpTime.0", timeout=1)
            return not v.exception

        wait_for(ready, timeout, "snmpd to serve sysUpTime.0",
                 on_fail=lambda: self.proc.log_tail())


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
        master.proc.check_running()
        return master.socket.exists()

    wait_for(ready, timeout, "snmpd's AgentX socket", on_fail=lambda: master.proc.log_tail())


def run_client(world, argv, timeout=30):
    """A Net-SNMP client with the world's environment; CompletedProcess."""
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True,
                          env=world.client_env, timeout=timeout)


def yaml_scalar(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(yaml_scalar(v) for v in value) + "]"
    return str(value)


class Agent(Peer):
    """The ipmi-agentx binary with a configuration naming the given BMCs.

    Each Sim becomes one lanplus BMC entry named after the sim, in order
    (so the n-th sim is ipmiBmcIndex n). bmc_overrides maps a sim name to
    keys to change; a value of None removes the key. netns: the network
    namespace to run the agent in (ip netns exec; see netns.py).
    """

    def __init__(self, world, master, sims=(), refresh_interval=2, debug=True,
                 agentx_timeout=10, ping_interval=1, timeout_ms=1000,
                 bmc_overrides=None, config_text=None, extra_args=(),
                 socket=None, workers=None, netns=None):
        self.world = world
        self.workers = workers
        self.master = master
        self.sims = list(sims)
        self.refresh_interval = refresh_interval
        self.timeout_ms = timeout_ms
        self.bmc_overrides = bmc_overrides or {}
        self.dir = world.dir / "agent"
        self.dir.mkdir(exist_ok=True)
        self.config = self.dir / "ipmi-agentx.yaml"
        if socket is None:
            socket = master.socket if master else "/nonexistent/agentx.sock"
        if config_text is None:
            config_text = self.make_config(socket, agentx_timeout, ping_interval)
        self.write_config(config_text)
        if world.agent_bin is None:
            raise WorldError("this world has no agent binary (use the aworld fixture)")
        argv = [world.agent_bin, "-c", self.config, "-f", *extra_args]
        if netns:
            argv = ["ip", "netns", "exec", netns, *argv]
        if debug:
            argv.append("-d")
        self.proc = Process("ipmi-agentx", argv, self.dir / "agent.log",
                            cwd=self.dir)
        world.track(self.proc)

    def bmc_entry(self, sim):
        entry = {
            "name": sim.name,
            "driver": "lanplus",
            "host": "127.0.0.1",
            "port": sim.port,
            "username": "admin",
            "password": "secret",
            "privilege": "admin",
            "cipher_suite": 3,
            "workarounds": ["opensesspriv"],
            "timeout_ms": self.timeout_ms,
        }
        for key, val in self.bmc_overrides.get(sim.name, {}).items():
            if val is None:
                entry.pop(key, None)
            else:
                entry[key] = val
        return entry

    def make_config(self, socket, agentx_timeout, ping_interval):
        lines = [
            "# Written by tests/integration/world.py",
            "agentx:",
            f"  socket: {socket}",
            f"  timeout: {agentx_timeout}",
            f"  ping_interval: {ping_interval}",
            f"refresh_interval: {self.refresh_interval}",
            f"state_file: {self.dir / 'learned-addresses'}",
        ]
        if self.workers is not None:
            lines.append(f"workers: {self.workers}")
        lines += [
            "bmcs:",
        ]
        for sim in self.sims:
            entry = self.bmc_entry(sim)
            first = True
            for key, val in entry.items():
                lines.append(f"  {'- ' if first else '  '}{key}: {yaml_scalar(val)}")
                first = False
        return "\n".join(lines) + "\n"

    def write_config(self, text):
        self.config.write_text(text)
        self.config.chmod(0o600)

    def expected_rows(self):
        """The (bmc_index, channel) rows the agent should serve when synced."""
        rows = set()
        for i, sim in enumerate(self.sims, start=1):
            chans = self.bmc_entry(sim).get("channels", sim.channels)
            if chans == "auto":
                chans = sim.channels
            rows |= {(i, ch) for ch in chans}
        return rows

    def wait_ready(self, timeout=READY_TIMEOUT):
        """Until the master answers for ipmiBmcName.1 (the agent registered)."""
        def ready():
            self.proc.check_running()
            v = self.world.snmpget("IPMI-CHANNEL-MIB::ipmiBmcName.1", timeout=2)
            return not v.exception

        wait_for(ready, timeout, "ipmi-agentx to serve ipmiBmcName.1",
                 on_fail=self.world.log_tails)

    def wait_synced(self, bmcs=None, timeout=READY_TIMEOUT):
        """Until the given BMC indexes (default: all) read as reachable and
        every channel row expected of them is served. Returns the walk."""
        bmcs = set(bmcs) if bmcs is not None else set(range(1, len(self.sims) + 1))
        want = {r for r in self.expected_rows() if r[0] in bmcs}

        def synced():
            self.proc.check_running()
            walk = self.world.snmpwalk()
            brows = self.world.bmc_rows(walk)
            if any(brows.get(b, {}).get("ipmiBmcReachable") != TRUE for b in bmcs):
                return None
            have = {r for r in self.world.channel_rows(walk) if r[0] in bmcs}
            return walk if want <= have else None

        return wait_for(synced, timeout, f"BMCs {sorted(bmcs)} to be read",
                        interval=0.1, on_fail=self.world.log_tails)

    def longest_bmc_timeout(self):
        """The longest session timeout (s) of the BMCs this agent was configured with."""
        return max([self.timeout_ms / 1000.0] +
                   [o.get("timeout_ms", 0) / 1000.0 for o in self.bmc_overrides.values()])

    def stop(self, timeout=None):
        """SIGTERM; the agent must exit 0 within `timeout` seconds.

        By default 5 s, or more where a BMC's session timeout is longer: the
        agent lets every command already running finish (a login to a dead
        BMC lasts its whole timeout), so it leaves no BMC half changed.
        """
        if timeout is None:
            timeout = max(5.0, self.longest_bmc_timeout() + 3.0)
        if not self.proc.running():
            raise WorldError(f"ipmi-agentx was not running (exit code "
                             f"{self.proc.returncode()})\n{self.proc.log_tail()}")
        t0 = time.monotonic()
        self.proc.signal(signal.SIGTERM)
        rc = self.proc.wait(timeout)
        if rc is None:
            self.proc.kill()
            raise WorldError(f"ipmi-agentx ignored SIGTERM for {timeout}s\n"
                             f"{self.proc.log_tail()}")
        if rc != 0:
            raise WorldError(f"ipmi-agentx exited {rc} on SIGTERM\n"
                             f"{self.proc.log_tail()}")
        return time.monotonic() - t0

    def kill(self):
        return self.proc.kill()

    def log(self):
        return self.proc.log.read_text(errors="replace")


class World:
    """One test's directory, peers and clients.

    The simulators run the scripts of source/tests/sim; with
    copy_sim_scripts, a copy of them in the world's own directory instead:
    ipmi_sim runs tests/sim/lancfg.sh on every LAN read, and an edit of the
    tree during a long run (a benchmark) would otherwise fail requests
    mid-way.
    """

    def __init__(self, agent_bin, mibdirs, source, copy_sim_scripts=False):
        self.agent_bin = agent_bin
        self.mibdirs = mibdirs
        self.source = Path(source)
        # Short and under /tmp: unix socket paths are limited to 107 bytes.
        self.dir = Path(tempfile.mkdtemp(prefix="ipmi-agentx-it-", dir="/tmp"))
        self.sim_dir = self.source / "tests" / "sim"
        if copy_sim_scripts:
            self.sim_dir = Path(shutil.copytree(
                self.sim_dir, self.dir / "source" / "tests" / "sim"))
        self.procs = []
        self.master = None
        self.agent = None
        # Keep the clients away from ~/.snmp and /etc/snmp/snmp.conf.
        self.client_env = dict(os.environ, SNMPCONFPATH=str(self.dir),
                               SNMP_PERSISTENT_DIR=str(self.dir / "client-persist"))
        self._oid_cache = {}

    # lifecycle

    def track(self, proc):
        self.procs.append(proc)

    def close(self):
        """Stop everything started here, last first; never raises."""
        for proc in reversed(self.procs):
            try:
                proc.stop(timeout=3.0)
            except Exception:  # noqa: BLE001 - keep stopping the others
                try:
                    proc.kill()
                except Exception:  # noqa: BLE001
                    pass

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def finish(self, failed, keep=False):
        """Close the world; keep its directory after a failure or when asked
        (keep), else remove it."""
        self.close()
        if failed or keep:
            print(f"\nworld directory kept: {self.dir}")
        else:
            self.remove()

    def log_tails(self, lines=40):
        parts = [f"world directory: {self.dir}"]
        for proc in self.procs:
            state = ("running" if proc.running()
                     else f"exited {proc.returncode()}" if proc.popen
                     else "never started")
            parts.append(f"---- {proc.name} ({state}, pid {proc.pid}): "
                         f"{proc.log} ----\n{proc.log_tail(lines)}")
        return "\n".join(parts)

    def sim_script(self, name):
        return str(self.sim_dir / name)

    # peers

    def sim(self, name, channels=1, sim_id=1, start=True, ports=None):
        sim = Sim(self, name, channels=channels, sim_id=sim_id, ports=ports)
        if start:
            sim.start()
        return sim

    def start_master(self, **kw):
        return Master(self, **kw).start()

    def start_agent(self, sims, wait=True, **kw):
        if self.master is None:
            self.start_master()
        self.agent = Agent(self, self.master, sims, **kw).start(wait=wait)
        return self.agent

    # SNMP clients

    def _client(self, prog, community, options, args, timeout):
        if self.master is None:
            raise WorldError("no SNMP master in this world")
        argv = [prog, "-v2c", "-c", community, "-M", self.mibdirs,
                "-m", "SNMPv2-MIB:IPMI-CHANNEL-MIB", "-Ir", "-t", str(timeout), "-r", "0",
                *options, self.master.address, *map(str, args)]
        t0 = time.monotonic()
        res = subprocess.run(argv, capture_output=True, text=True,
                             env=self.client_env, timeout=timeout * 3 + 30)
        return res, time.monotonic() - t0

    def oid(self, name):
        """Numeric OID (no leading dot) of a MIB name such as ipmiBmcName.1."""
        if re.fullmatch(r"\.?\d+(\.\d+)*", name):
            return name.lstrip(".")
        # Translate the object alone and append the index as given, so an
        # index the MIB's ranges forbid (0, 99) can still be asked for.
        m = re.fullmatch(r"(.*?[A-Za-z][\w-]*)((?:\.\d+)*)", name)
        if m and m.group(2):
            return self.oid(m.group(1)) + m.group(2)
        if name not in self._oid_cache:
            full = name if "::" in name else f"IPMI-CHANNEL-MIB::{name}"
            res = subprocess.run(
                ["snmptranslate", "-M", self.mibdirs, "-m",
                 "SNMPv2-MIB:IPMI-CHANNEL-MIB", "-On", full],
                capture_output=True, text=True, env=self.client_env, timeout=30)
            if res.returncode != 0 or not res.stdout.strip():
                raise WorldError(f"snmptranslate {full}: {res.stderr.strip()}")
            self._oid_cache[name] = res.stdout.strip().lstrip(".")
        return self._oid_cache[name]

    def _read(self, prog, oids, community, timeout, options=()):
        names = [self.oid(o) for o in oids]
        res, elapsed = self._client(prog, community,
                                    ["-On", "-Oe", "-OU", "-Ot", *options],
                                    names, timeout)
        if res.returncode != 0 or res.stderr.strip():
            raise WorldError(f"{prog} {' '.join(oids)} failed ({res.returncode}) "
                             f"after {elapsed:.2f}s: {res.stderr.strip()}")
        return parse_vars(res.stdout), elapsed

    def snmpget(self, *oids, community="public", timeout=5):
        """One Var per OID (a single Var when given one OID)."""
        vars_, _ = self._read("snmpget", oids, community, timeout)
        return vars_[0] if len(oids) == 1 else vars_

    def snmpwalk(self, oid=MIB_ROOT, community="public", timeout=5, timed=False):
        """The Vars under oid, in the order received; (vars, seconds) if timed."""
        vars_, elapsed = self._read("snmpwalk", [oid], community, timeout)
        return (vars_, elapsed) if timed else vars_

    def snmpbulkwalk(self, oid=MIB_ROOT, community="public", timeout=5,
                     max_repetitions=10, timed=False):
        vars_, elapsed = self._read("snmpbulkwalk", [oid], community, timeout,
                                    [f"-Cr{max_repetitions}"])
        return (vars_, elapsed) if timed else vars_

    def snmpset(self, *triples, community="private", timeout=15):
        """SET (oid, type, value) triples in one PDU; a SetResult.

        Names are translated to numeric OIDs first, so the client does not
        check types or ranges against the MIB: the agent's own checks are
        what a test sees.
        """
        args = []
        for oid, typ, value in triples:
            args += [self.oid(oid), typ, str(value)]
        res, elapsed = self._client("snmpset", community,
                                    ["-On", "-Oe", "-OU", "-Ot"], args, timeout)
        err = res.stderr
        if res.returncode == 0:
            return SetResult("noError", "", parse_vars(res.stdout), err, elapsed)
        if "Timeout" in err:
            return SetResult("timeout", "", [], err, elapsed)
        status, failed = parse_set_error(err)
        if status is None:
            raise WorldError(f"snmpset failed oddly ({res.returncode}): {err.strip()}")
        return SetResult(status, failed, [], err, elapsed)

    def snmptable(self, table="ipmiChannelTable", community="public", timeout=5):
        """The stock snmptable's view: [{"index": "1.2", column: text, ...}]."""
        sep = "\x1f"
        res, elapsed = self._client("snmptable", community,
                                    ["-Cf", sep, "-Ci", "-Cb", "-Oe", "-OU"],
                                    [f"IPMI-CHANNEL-MIB::{table}"], timeout)
        if res.returncode != 0 or res.stderr.strip():
            raise WorldError(f"snmptable failed ({res.returncode}): {res.stderr.strip()}")
        lines = [line for line in res.stdout.splitlines() if sep in line]
        if not lines:
            return []
        header = lines[0].split(sep)
        return [dict(zip(header, line.split(sep))) for line in lines[1:]]

    # MIB views built from one walk

    def _table_rows(self, vars_, entry, columns, row_key):
        """{row_key(index): {column name: value}} of the table under entry,
        from the walk vars_ (None: a walk of the table)."""
        vars_ = self.snmpwalk(entry) if vars_ is None else vars_
        rows = {}
        prefix = oid_key(entry)
        for v in vars_:
            parts = v.parts
            if parts[:len(prefix)] != prefix:
                continue
            col, idx = parts[len(prefix)], parts[len(prefix) + 1:]
            rows.setdefault(row_key(idx), {})[columns.get(col, col)] = v.value
        return rows

    def bmc_rows(self, vars_=None):
        """{bmc_index: {column name: value}} from a walk of ipmiBmcTable."""
        return self._table_rows(vars_, BMC_ENTRY, BMC_COLUMNS, lambda idx: idx[0])

    def channel_rows(self, vars_=None):
        """{(bmc_index, channel): {column name: value}} from ipmiChannelTable."""
        return self._table_rows(vars_, CHANNEL_ENTRY, CHANNEL_COLUMNS, tuple)

    def wait_for(self, predicate, timeout, what):
        return wait_for(predicate, timeout, what, interval=0.1,
                        on_fail=self.log_tails)


# --- the agent's counters; a walk without what changes on its own -------------

# What changes on its own between two walks: ipmiBmcLastRefresh ticks,
# ipmiBmcIdentify counts down, ipmiBmcRefreshes and ipmiBmcRefreshFailures
# count the background reads, ipmiAgentUptime ticks, ipmiAgentRefreshesLate
# counts reads a loaded machine started late. ipmiBmcSetsApplied and
# ipmiBmcSetsFailed are not here: a refused SET must leave them alone.
VOLATILE_COLUMNS = (f"{BMC_ENTRY}.7.", f"{BMC_ENTRY}.11.", f"{BMC_ENTRY}.13.",
                    f"{BMC_ENTRY}.14.", AGENT_UPTIME, AGENT_REFRESHES_LATE)
# What follows the background reads' luck rather than a SET: a read that
# times out on a loaded machine flips ipmiBmcReachable and sets
# ipmiBmcLastError for a moment. A refused SET is judged without them (the
# BMC side is checked by bmcside.BmcWitness).
REFRESH_HEALTH_COLUMNS = (f"{BMC_ENTRY}.3.", f"{BMC_ENTRY}.8.")
COUNTERS = ("ipmiBmcRefreshes", "ipmiBmcRefreshFailures", "ipmiBmcSetsApplied",
            "ipmiBmcSetsFailed")


def counters(w, bmc):
    """{counter column name: value} of one BMC, in one GET."""
    got = w.snmpget(*(f"{name}.{bmc}" for name in COUNTERS))
    for v in got:
        assert v.type == "Counter32", v
    return {name: v.value for name, v in zip(COUNTERS, got)}


def counter_deltas(before, after):
    """after - before for each counter that moved."""
    return {k: after[k] - before[k] for k in before if after[k] != before[k]}


def stable_walk(w):
    """The module's walk without the columns that change on their own or
    with the background reads."""
    return [(v.oid, v.type, v.value) for v in w.snmpwalk()
            if not v.oid.startswith(VOLATILE_COLUMNS + REFRESH_HEALTH_COLUMNS)]


# --- worlds under pytest --------------------------------------------------------


def attach_world(request, w):
    """Let conftest's report hook add this world's log tails to a failure of
    the test of `request`."""
    request.node.world = w


@contextlib.contextmanager
def module_world(request, agent_bin, mibdirs, source_dir):
    """A World for a module-scoped fixture, finished when the block ends.

    The directory is kept when the block raised or any test failed while it
    was in use.
    """
    w = World(agent_bin, mibdirs, source_dir)
    failed_before = request.session.testsfailed
    broken = True
    try:
        yield w
        broken = False
    finally:
        w.finish(broken or request.session.testsfailed > failed_before)
