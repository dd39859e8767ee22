# SPDX-License-Identifier: GPL-3.0-or-later
"""A test world of real Linux network namespaces, with simulated BMCs that
really move when their LAN configuration is changed over IPMI.

Everything lives in namespaces named ``iax-<pid>-<n>-<role>`` (pid: the
Python process that made them, n: a counter of that process); the root
namespace gets no address, route or interface. Addresses are taken from
198.18.0.0/15 and 203.0.113.0/24 only (never 192.0.2.0/24, the host's own
subnet), so no packet can leave the machine.

Topology:

- one "switch" namespace (``...-sw``) holds a bridge per L2 segment;
- every other namespace (the agent's, a BMC's, a router's, a DHCP
  server's) has at most one interface per segment, a veth pair whose other
  end is a port of that segment's bridge. Both ends are made directly inside
  their namespaces (never in the root namespace);
- a Lan is an IP subnet on a segment; ``lan(..., segment="mgmt")`` puts a
  second subnet on the segment of the Lan "mgmt" (the same wire), so a BMC
  can be re-addressed into a subnet the agent reaches only through a router.

API (``from netns import NetWorld, networld``):

``NetWorld(dir)``
    context manager; ``close()`` removes everything it made, by name: kills
    the processes it started and every process still inside its namespaces
    (``ip netns pids``), deletes the namespaces and the ``/etc/netns/<ns>``
    directories it wrote. Raises NetnsUnavailable (not root, no ``ip``,
    ``ip netns add`` fails) before making anything. Stale namespaces of dead
    runs are swept first (``sweep_stale()``).
``agent_ns``
    the namespace the agent and every ipmitool check run in.
``lan(name, cidr, agent_addr=None, segment=None) -> Lan``
    a subnet on a new segment (or on the segment of the Lan named
    ``segment``); with agent_addr, agent_ns gets that address on it.
``router(name, {lan_name: addr, ...}) -> Router``
    a namespace with ip_forward=1 and an address on each Lan; agent_ns gets
    a route to each of those subnets it has no address in (through the
    router's address on a Lan where it has one), and BMCs without a gateway
    on those Lans get a default route through the router.
``bmc(name, lan, addr, prefix=None, gateway=None, timing="after",
      second_lan=None, second_addr=None, sim_id=1) -> NsBmc``
    an ipmi_sim BMC (tests/sim/make-sim.sh) in its own namespace: channel 1
    on eth0 in ``lan`` at ``addr`` (UDP 623, listening on 0.0.0.0), optional
    channel 2 on eth1 in ``second_lan`` (UDP 624). prefix defaults to the
    Lan's; gateway defaults to a router's address on that Lan. Each channel's
    parameters are those of the real interface (tests/sim/netlan.sh): a
    commit really moves the BMC. User 2 is admin/secret. Started and ready
    (``mc info`` answers from agent_ns) when it returns.
``dhcp(lan, first, last, server=None, router=None) -> Dhcp``
    dnsmasq (DHCP only) in its own namespace on ``lan``'s segment, at
    ``server`` (default: the subnet's last address but one), handing out
    first..last with ``router`` (default: a router's address on the Lan, or
    none). ``Dhcp.leases()``: [{"expiry", "mac", "ip", "hostname"}].
``hosts(ns, {name: addr})``
    writes ``/etc/netns/<ns>/hosts`` in place (same inode, so a process
    already running under ``ip netns exec`` sees the change).
``run(ns, argv, check=False, timeout=30, **kw) -> CompletedProcess``
    ``ip netns exec ns argv...`` (text output captured).
``ipmitool(addr, args, port=623, user="admin", password="secret",
           timeout=30, retries=2) -> str``
    ipmitool -I lanplus -C 3 in agent_ns; stdout; raises WorldError on
    failure. ``ipmitool_run(...)`` returns the CompletedProcess instead.
``lan_set(addr, channel, port=623, ip=None, mask=None, gw=None)``
    ONE locked commit of several parameters, as the agent makes it
    (set in progress, parameters, commit, complete in one ipmitool session);
    returns the CompletedProcess (its reply to the commit may be lost).

``NsBmc`` (a world.Sim: usable wherever world.Agent takes a Sim; it reads
``.name``, ``.port``, ``.channels``; give the agent ``host`` through
``bmc_overrides``):
    ``name, ns, dir, port (623), ports, devices ({1: "eth0", 2: "eth1"}),
    addr`` (channel 1's address in the kernel now, else the last one seen),
    ``iface_addr(channel=1)`` -> "a.b.c.d/nn" or None, ``default_gw(channel=1)``
    -> address or None, ``mac(channel=1)``, ``set_timing("after"|"before")``,
    ``lan_log()`` (every program call, as Sim.lancfg_log; ``lancfg_sets()``
    too), ``net_log()`` (the program's background jobs), ``kill()``,
    ``alive()``, ``ipmitool(...)``/``lan_print(ch)`` at its current address.

``networld`` is a pytest fixture (import it into a test module) yielding a
NetWorld in a fresh directory, closed in a finally; it skips the test when
namespaces cannot be made.
"""

import ipaddress
import itertools
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from world import Process, Sim, WorldError, wait_for

PREFIX = "iax"
_NAME_RE = re.compile(rf"^{PREFIX}-(\d+)-(\d+)-")
_counter = itertools.count(1)
# Everything a test may use; 192.0.2.0/24 is the host's own subnet.
ALLOWED = [ipaddress.ip_network("198.18.0.0/15"), ipaddress.ip_network("203.0.113.0/24")]
BMC_PORT, BMC_PORT2 = 623, 624
SOURCE = Path(os.environ.get("IPMI_AGENTX_SOURCE", Path(__file__).resolve().parents[2]))
SIM_DIR = SOURCE / "tests" / "sim"


class NetnsUnavailable(Exception):
    """Network namespaces cannot be made here (the reason is the message)."""


def _ip(*args, check=True, ns=None):
    argv = ["ip"] + (["-n", ns] if ns else []) + [str(a) for a in args]
    res = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    if check and res.returncode != 0:
        raise WorldError(f"{' '.join(argv)} failed: {res.stderr.strip()}")
    return res


def _allowed(addr):
    a = ipaddress.ip_address(addr)
    if not any(a in n for n in ALLOWED):
        raise ValueError(f"{addr} is outside 198.18.0.0/15 and 203.0.113.0/24")
    return str(a)


def _check_name(name):
    if not re.fullmatch(r"[A-Za-z0-9_]{1,20}", name):
        raise ValueError(f"bad name {name!r} (letters, digits, _; at most 20)")
    return name


def netns_list():
    res = _ip("netns", "list", check=False)
    return [line.split()[0] for line in res.stdout.splitlines() if line.strip()]


def ns_pids(ns):
    res = _ip("netns", "pids", ns, check=False)
    return [int(p) for p in res.stdout.split() if p.isdigit()]


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_ns(ns):
    """Kill every process in ns (TERM, then KILL), delete it and its
    /etc/netns directory. Never raises."""
    try:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            pids = ns_pids(ns)
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, sig)
                except OSError:
                    pass
            deadline = time.monotonic() + 2.0
            while time.monotonic() < deadline and any(_pid_alive(p) for p in pids):
                time.sleep(0.05)
        _ip("netns", "del", ns, check=False)
    except Exception:  # noqa: BLE001 - cleanup goes on
        pass
    shutil.rmtree(f"/etc/netns/{ns}", ignore_errors=True)


def sweep_stale():
    """Remove namespaces (and /etc/netns dirs) of this module's pattern
    ``iax-<pid>-<n>-...`` whose making process is gone (a crashed run).
    Namespaces of live processes (a concurrent run) are left alone."""
    names = set(netns_list())
    try:
        names |= set(os.listdir("/etc/netns"))
    except OSError:
        pass
    removed = []
    for ns in sorted(names):
        m = _NAME_RE.match(ns)
        if m and not _pid_alive(int(m.group(1))):
            remove_ns(ns)
            removed.append(ns)
    return removed


class Lan:
    """An IP subnet on an L2 segment (a bridge in the switch namespace)."""

    def __init__(self, name, cidr, segment, agent_addr=None):
        self.name = name
        self.net = ipaddress.ip_network(cidr)
        self.segment = segment  # the Segment (bridge)
        self.agent_addr = agent_addr
        self.router_addr = None

    @property
    def cidr(self):
        return str(self.net)

    @property
    def prefix(self):
        return self.net.prefixlen

    def __repr__(self):
        return f"Lan({self.name!r}, {self.cidr!r})"


class Segment:
    def __init__(self, index):
        self.index = index
        self.bridge = f"br{index}"
        self.ports = 0


class Router:
    def __init__(self, name, ns, addrs):
        self.name = name
        self.ns = ns
        self.addrs = addrs  # {lan name: addr}


class Dhcp:
    """dnsmasq serving one Lan."""

    def __init__(self, netw, lan, first, last, server, router):
        self.lan = lan
        self.server = server
        self.dir = netw.dir / f"dhcp-{lan.name}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.leasefile = self.dir / "dnsmasq.leases"
        self.ns = netw._new_ns(f"d-{lan.name}")
        dev = netw._attach(self.ns, lan.segment)
        netw._addr(self.ns, dev, server, lan.prefix)
        argv = ["ip", "netns", "exec", self.ns, shutil.which("dnsmasq") or "/usr/sbin/dnsmasq",
                "--no-daemon", "--conf-file=/dev/null", "--port=0", "--user=root",
                "--no-hosts", "--no-resolv", f"--interface={dev}", "--bind-interfaces",
                f"--pid-file={self.dir / 'dnsmasq.pid'}",
                f"--dhcp-range={first},{last},{lan.net.netmask},1h",
                f"--dhcp-leasefile={self.leasefile}", "--dhcp-authoritative",
                "--log-dhcp", "--log-facility=-",
                f"--dhcp-option=3{',' + router if router else ''}",
                "--dhcp-option=6"]
        self.proc = netw._start(Process(f"dnsmasq {lan.name}", argv,
                                        self.dir / "dnsmasq.log"))
        wait_for(lambda: self.proc.check_running() or
                 "started" in self.proc.log.read_text(errors="replace"),
                 10, f"dnsmasq on {lan.name}", on_fail=self.proc.log_tail)

    def leases(self):
        """The lease file: [{"expiry", "mac", "ip", "hostname"}]."""
        if not self.leasefile.exists():
            return []
        out = []
        for line in self.leasefile.read_text().splitlines():
            f = line.split()
            if len(f) >= 4:
                out.append({"expiry": int(f[0]), "mac": f[1].lower(), "ip": f[2],
                            "hostname": f[3]})
        return out


class NsBmc(Sim):
    """An ipmi_sim BMC in a namespace of its own; see the module docstring."""

    kind = "ipmi_sim (netns)"

    def __init__(self, netw, name, ns, devices, addr):
        # Not Sim.__init__: the files are made by NetWorld.bmc.
        self.netw = netw
        self.name = name
        self.ns = ns
        self.dir = netw.dir / name
        self.devices = devices  # {channel: interface}
        self.ports = [BMC_PORT, BMC_PORT2][:len(devices)]
        self.sim_id = 1
        self.admin_password = "secret"
        self._addr = addr
        self.proc = Process(f"ipmi_sim {name} ({ns})",
                            ["ip", "netns", "exec", ns, str(SIM_DIR / "run-sim.sh"), self.dir],
                            self.dir / "ipmi_sim.log", cwd=self.dir)

    # where it is now

    def iface_addr(self, channel=1):
        """"a.b.c.d/nn" of the channel's interface in the kernel now, or None."""
        res = _ip("-4", "-o", "addr", "show", "dev", self.devices[channel],
                  "scope", "global", ns=self.ns, check=False)
        m = re.search(r"\binet (\S+)", res.stdout)
        return m.group(1) if m else None

    def default_gw(self, channel=1):
        """The channel's default gateway in the kernel now, or None."""
        res = _ip("-4", "route", "show", "default", "dev", self.devices[channel],
                  ns=self.ns, check=False)
        m = re.search(r"\bvia (\S+)", res.stdout)
        return m.group(1) if m else None

    def mac(self, channel=1):
        res = _ip("-o", "link", "show", "dev", self.devices[channel], ns=self.ns)
        return re.search(r"link/ether (\S+)", res.stdout).group(1).lower()

    @property
    def addr(self):
        """Channel 1's address in the kernel now (else the last one seen)."""
        cur = self.iface_addr(1)
        if cur:
            self._addr = cur.split("/")[0]
        return self._addr

    def set_timing(self, timing):
        if timing not in ("after", "before"):
            raise ValueError(f"timing must be 'after' or 'before', not {timing!r}")
        (self.dir / "timing").write_text(timing + "\n")

    def timing(self):
        return (self.dir / "timing").read_text().strip()

    # logs

    def lan_log(self):
        """Every lan_config_program call: [state_file, op, args...] lists."""
        return self.lancfg_log()

    def net_log(self):
        p = self.dir / "netlan.log"
        return p.read_text() if p.exists() else ""

    # life

    def alive(self):
        return self.proc.running()

    def kill(self):
        return self.proc.kill()

    # ipmitool from the agent's namespace, at the current address

    def ipmitool_argv(self, *args, port=None, addr=None):
        return ["ip", "netns", "exec", self.netw.agent_ns, *_ipmitool_argv(
            addr or self.addr, port or self.port, "admin", self.admin_password, args)]

    def ipmitool(self, *args, check=True, timeout=30, port=None, addr=None):
        res = subprocess.run(self.ipmitool_argv(*args, port=port, addr=addr),
                             capture_output=True, text=True, timeout=timeout)
        if check and res.returncode != 0:
            raise WorldError(f"ipmitool {' '.join(map(str, args))} at {addr or self.addr} "
                             f"failed ({res.returncode}): {res.stderr.strip()}")
        return res


def _ipmitool_argv(addr, port, user, password, args, retries=2):
    # ipmitool's -R 0 is no "no retry": it waits about 20 s for a silent
    # peer (-R 1: 2 s, -R 2: 6 s, with -N 1).
    retries = max(1, retries)
    return ["ipmitool", "-I", "lanplus", "-C", "3", "-U", user, "-P", password,
            "-L", "ADMINISTRATOR", "-H", str(addr), "-p", str(port), "-N", "1",
            "-R", str(retries), *map(str, args)]


def _check_usable():
    if os.geteuid() != 0:
        raise NetnsUnavailable("network namespaces need root")
    if shutil.which("ip") is None:
        raise NetnsUnavailable("no ip command (iproute2)")
    for tool in ("ipmi_sim", "ipmitool"):
        if shutil.which(tool) is None:
            raise NetnsUnavailable(f"no {tool}")


class NetWorld:
    """See the module docstring."""

    def __init__(self, dir):
        _check_usable()
        self.dir = Path(dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.prefix = f"{PREFIX}-{os.getpid()}-{next(_counter)}"
        self.namespaces = []     # made by us, in order
        self.etc_dirs = []       # /etc/netns/<ns> made by us
        self.procs = []
        self.segments = []
        self.lans = {}
        self.routers = {}
        self.bmcs = {}
        self._ports = {}         # (ns, segment index) -> interface name
        self._closed = False
        sweep_stale()
        try:
            self.switch_ns = self._new_ns("sw")
        except WorldError as exc:
            self.close()
            raise NetnsUnavailable(f"ip netns add failed: {exc}") from exc
        try:
            self.agent_ns = self._new_ns("agent")
        except Exception:
            self.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # namespaces and links

    def _new_ns(self, role):
        ns = f"{self.prefix}-{role}"
        _ip("netns", "add", ns)
        self.namespaces.append(ns)
        _ip("link", "set", "lo", "up", ns=ns)
        return ns

    def _attach(self, ns, segment):
        """ns's interface on segment (made on first use, up)."""
        key = (ns, segment.index)
        if key in self._ports:
            return self._ports[key]
        dev = f"eth{sum(1 for k in self._ports if k[0] == ns)}"
        segment.ports += 1
        port = f"p{segment.index}x{segment.ports}"
        _ip("link", "add", dev, "netns", ns, "type", "veth",
            "peer", "name", port, "netns", self.switch_ns)
        _ip("link", "set", port, "master", segment.bridge, "up", ns=self.switch_ns)
        _ip("link", "set", dev, "up", ns=ns)
        self._ports[key] = dev
        return dev

    def _addr(self, ns, dev, addr, prefix):
        _ip("addr", "add", f"{_allowed(addr)}/{prefix}", "dev", dev, ns=ns)

    def _start(self, proc):
        self.procs.append(proc)
        proc.start()
        return proc

    # the world

    def lan(self, name, cidr, agent_addr=None, segment=None):
        _check_name(name)
        if name in self.lans:
            raise ValueError(f"Lan {name} exists")
        net = ipaddress.ip_network(cidr)
        if not any(net.subnet_of(n) for n in ALLOWED):
            raise ValueError(f"{cidr} is outside 198.18.0.0/15 and 203.0.113.0/24")
        if segment is None:
            seg = Segment(len(self.segments))
            self.segments.append(seg)
            _ip("link", "add", seg.bridge, "type", "bridge", "forward_delay", "0",
                ns=self.switch_ns)
            _ip("link", "set", seg.bridge, "up", ns=self.switch_ns)
        else:
            seg = self.lans[segment].segment
        lan = Lan(name, cidr, seg, agent_addr)
        self.lans[name] = lan
        if agent_addr:
            dev = self._attach(self.agent_ns, seg)
            self._addr(self.agent_ns, dev, agent_addr, lan.prefix)
            for bmc in self.bmcs.values():
                self._write_agent_addrs(bmc)
        return lan

    def _lan(self, lan):
        return self.lans[lan] if isinstance(lan, str) else lan

    def agent_addrs(self):
        return [lan.agent_addr for lan in self.lans.values() if lan.agent_addr]

    def router(self, name, addrs):
        _check_name(name)
        ns = self._new_ns(f"r-{name}")
        for lan_name, addr in addrs.items():
            lan = self._lan(lan_name)
            dev = self._attach(ns, lan.segment)
            self._addr(ns, dev, addr, lan.prefix)
            if lan.router_addr is None:
                lan.router_addr = addr
        self.run(ns, ["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"], check=True)
        router = Router(name, ns, dict(addrs))
        self.routers[name] = router
        # The agent reaches the router's other subnets through it.
        near = [(self._lan(n), a) for n, a in addrs.items() if self._lan(n).agent_addr]
        if near:
            via = near[0][1]
            for n in addrs:
                lan = self._lan(n)
                if not lan.agent_addr and not self._agent_on_net(lan):
                    _ip("route", "replace", lan.cidr, "via", via, ns=self.agent_ns)
        # BMCs without a gateway on these Lans get one through the router.
        for bmc in self.bmcs.values():
            for ch, (lan, _) in bmc._chan_lans.items():
                if lan.name in addrs and bmc.default_gw(ch) is None and bmc.iface_addr(ch):
                    _ip("route", "replace", "default", "via", addrs[lan.name], "dev",
                        bmc.devices[ch], "metric", ch, ns=bmc.ns, check=False)
        return router

    def _agent_on_net(self, lan):
        return any(other.agent_addr and ipaddress.ip_address(other.agent_addr) in lan.net
                   for other in self.lans.values())

    def _write_agent_addrs(self, bmc):
        (bmc.dir / "agent-addrs").write_text("".join(a + "\n" for a in self.agent_addrs()))

    def bmc(self, name, lan, addr, prefix=None, gateway=None, timing="after",
            second_lan=None, second_addr=None, sim_id=1, wait=True):
        _check_name(name)
        if name in self.bmcs:
            raise ValueError(f"BMC {name} exists")
        lan = self._lan(lan)
        ns = self._new_ns(f"b-{name}")
        chans = {1: (lan, addr)}
        if second_lan is not None:
            chans[2] = (self._lan(second_lan), second_addr)
        devices = {}
        for ch, (clan, caddr) in chans.items():
            dev = self._attach(ns, clan.segment)
            devices[ch] = dev
            if caddr:
                self._addr(ns, dev, caddr, prefix if (prefix and ch == 1) else clan.prefix)
            gw = gateway if ch == 1 and gateway else clan.router_addr
            if caddr and gw:
                _ip("route", "replace", "default", "via", _allowed(gw), "dev", dev,
                    "metric", ch, ns=ns)
        bdir = self.dir / name
        env = dict(os.environ, SIM_ID=str(sim_id), SIM_LISTEN="0.0.0.0")
        for ch, dev in devices.items():
            env[f"SIM_NETDEV_{ch}"] = dev
        ports = [BMC_PORT, BMC_PORT2][:len(devices)]
        subprocess.run([str(SIM_DIR / "make-sim.sh"), str(bdir), *map(str, ports)],
                       check=True, env=env, capture_output=True, timeout=30)
        bmc = NsBmc(self, name, ns, devices, addr)
        bmc.sim_id = sim_id
        bmc._chan_lans = chans
        bmc.set_timing(timing)
        self._write_agent_addrs(bmc)
        self.bmcs[name] = bmc
        self._start(bmc.proc)
        if wait:
            bmc.wait_ready()
        return bmc

    def dhcp(self, lan, first, last, server=None, router=None):
        lan = self._lan(lan)
        if shutil.which("dnsmasq") is None and not Path("/usr/sbin/dnsmasq").exists():
            raise NetnsUnavailable("no dnsmasq (Debian package dnsmasq-base)")
        if server is None:
            server = str(lan.net.broadcast_address - 2)
        if router is None:
            router = lan.router_addr
        return Dhcp(self, lan, _allowed(first), _allowed(last), _allowed(server), router)

    def hosts(self, ns, mapping):
        """/etc/netns/<ns>/hosts: localhost plus `mapping`, written in place."""
        d = Path("/etc/netns") / ns
        if ns not in self.namespaces:
            raise ValueError(f"{ns} is not a namespace of this world")
        if not d.exists():
            d.mkdir(parents=True)
            self.etc_dirs.append(d)
        text = "127.0.0.1\tlocalhost\n" + "".join(
            f"{addr}\t{name}\n" for name, addr in mapping.items())
        path = d / "hosts"
        # r+ / w on the existing file keeps its inode: a bind mount of it made
        # by a running `ip netns exec` shows the new text.
        with open(path, "r+" if path.exists() else "w") as f:
            f.seek(0)
            f.write(text)
            f.truncate()
        return path

    def run(self, ns, argv, check=False, timeout=30, **kw):
        res = subprocess.run(["ip", "netns", "exec", ns, *map(str, argv)],
                             capture_output=True, text=True, timeout=timeout, **kw)
        if check and res.returncode != 0:
            raise WorldError(f"in {ns}: {' '.join(map(str, argv))} failed "
                             f"({res.returncode}): {res.stderr.strip()}")
        return res

    def ipmitool_run(self, addr, args, port=BMC_PORT, user="admin", password="secret",
                     timeout=30, retries=2):
        return self.run(self.agent_ns,
                        _ipmitool_argv(addr, port, user, password, args, retries),
                        timeout=timeout)

    def ipmitool(self, addr, args, port=BMC_PORT, user="admin", password="secret",
                 timeout=30, retries=2):
        res = self.ipmitool_run(addr, args, port, user, password, timeout, retries)
        if res.returncode != 0:
            raise WorldError(f"ipmitool -H {addr} -p {port} {' '.join(map(str, args))} "
                             f"failed ({res.returncode}): {res.stderr.strip()}")
        return res.stdout

    def lan_set(self, addr, channel, port=BMC_PORT, ip=None, mask=None, gw=None,
                timeout=30, retries=2):
        """One locked commit of ip/mask/gw (those given) in one session."""
        def raw(*data):
            return "raw 0x0c 0x01 " + " ".join(str(d) for d in (channel, *data))

        def octets(a):
            return [f"0x{int(o):02x}" for o in a.split(".")]

        lines = [raw(0, 1)]
        if ip:
            lines.append(raw(3, *octets(ip)))
        if mask:
            lines.append(raw(6, *octets(mask)))
        if gw:
            lines.append(raw(12, *octets(gw)))
        lines += [raw(0, 2), raw(0, 0)]
        script = self.dir / f"lan_set.{time.monotonic_ns()}"
        script.write_text("\n".join(lines) + "\n")
        return self.ipmitool_run(addr, ["exec", script], port=port, timeout=timeout,
                                 retries=retries)

    # the end

    def close(self):
        """Stop everything, remove every namespace and /etc/netns dir made
        here, by name. Never raises; may be called twice."""
        if self._closed:
            return
        self._closed = True
        for proc in reversed(self.procs):
            try:
                proc.stop(timeout=3.0)
            except Exception:  # noqa: BLE001
                try:
                    proc.kill()
                except Exception:  # noqa: BLE001
                    pass
        for ns in reversed(self.namespaces):
            remove_ns(ns)
        for d in self.etc_dirs:
            shutil.rmtree(d, ignore_errors=True)

    def leftovers(self):
        """What of this world still exists: namespaces, /etc/netns dirs,
        running processes (should be empty after close())."""
        left = [ns for ns in netns_list() if ns.startswith(self.prefix + "-")]
        left += [str(d) for d in self.etc_dirs if d.exists()]
        left += [f"{p.name} (pid {p.pid})" for p in self.procs if p.running()]
        return left

    def log_tails(self, lines=30):
        parts = [f"netns world {self.prefix} in {self.dir}"]
        for proc in self.procs:
            parts.append(f"---- {proc.name} ({proc.log}) ----\n{proc.log_tail(lines)}")
        for bmc in self.bmcs.values():
            parts.append(f"---- {bmc.name} netlan.log ----\n{bmc.net_log()[-3000:]}")
        return "\n".join(parts)


@pytest.fixture
def networld(request):
    """A NetWorld in a fresh directory under /tmp, closed in a finally; the
    directory is removed unless the test failed (conftest marks that)."""
    d = Path(tempfile.mkdtemp(prefix="ipmi-agentx-nw-", dir="/tmp"))
    try:
        w = NetWorld(d)
    except NetnsUnavailable as exc:
        shutil.rmtree(d, ignore_errors=True)
        pytest.skip(f"network namespaces unavailable: {exc}")
    if getattr(request.node, "world", None) is None:
        request.node.world = w  # conftest adds log_tails() to a failure
    try:
        yield w
    finally:
        w.close()
        if getattr(request.node, "world_failed", False):
            print(f"\nnetns world directory kept: {d}")
        else:
            shutil.rmtree(d, ignore_errors=True)
