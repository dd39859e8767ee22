# SPDX-License-Identifier: GPL-3.0-or-later
"""The pyghmi BMC (tests/sim/pyghmi_bmc.py) as a peer of a World.

PyghmiSim starts the simulator on a free loopback UDP port in the world's
directory, with its LAN channels all served on that one port, and stops it
by pid with the world like every other peer. It looks like world.Sim where
the Agent, bmcside.BmcWitness and bmcside.ipmi_login need it (name, port,
ports, channels, ipmitool, lan_print, mc_info, lancfg_sets, chassis_log),
so the same tests can run against either implementation; start the agent
on it with agent_overrides() (driver lanplus, cipher suite 3, and no
FreeIPMI workaround flag: pyghmi's Open Session Response grants the
privilege the session asks for, where ipmi_sim needs `opensesspriv`).

The test switches its behaviours with control(...), which rewrites the
simulator's control.json at once (the simulator reads it again on the next
packet), and reads what reached it from commands() and events().
"""

import json
import os
import re
import subprocess

from world import BmcPeer, Process, WorldError, free_port

# The simulator needs Debian's python3-pyghmi, which only the system
# interpreter has.
PYTHON = "/usr/bin/python3"


def pyghmi_available():
    res = subprocess.run([PYTHON, "-c", "import pyghmi.ipmi.bmc"], capture_output=True)
    return res.returncode == 0


class PyghmiSim(BmcPeer):
    """A pyghmi_bmc.py BMC with `channels` LAN channels (1..n) on one port."""

    kind = "pyghmi BMC"

    def __init__(self, world, name, channels=1, sim_id=1, control=None, users=None,
                 manufacturer_id=20974, port=None):
        self.world = world
        self.name = name
        self.sim_id = sim_id
        self.dir = world.dir / name
        self.dir.mkdir()
        self.port = port or free_port()
        self.channels = list(range(1, channels + 1))
        self.manufacturer_id = manufacturer_id
        # admin's password, for ipmitool: a test that changes it says so here
        self.admin_password = "secret"
        self.control_path = self.dir / "control.json"
        self._control = {}
        self.control(**(control or {}))
        argv = [PYTHON, world.sim_script("pyghmi_bmc.py"), "--dir", self.dir,
                "--port", self.port, "--channels", ",".join(map(str, self.channels)),
                "--sim-id", sim_id, "--manufacturer-id", manufacturer_id]
        for uid, (user, password) in sorted((users or {2: ("admin", "secret")}).items()):
            argv += ["--user", f"{uid}:{user}:{password}"]
        self.proc = Process(f"pyghmi_bmc {name}", argv, self.dir / "pyghmi_bmc.log",
                            cwd=self.dir)
        world.track(self.proc)

    # one UDP port serves every channel
    @property
    def ports(self):
        return [self.port] * len(self.channels)

    # behaviour

    def control(self, replace=False, **switches):
        """Set control.json keys (None removes one; replace starts afresh).
        Written to a new file renamed over the old: the simulator never
        reads half a file, and sees the change at its next packet."""
        if replace:
            self._control = {}
        for key, value in switches.items():
            if value is None:
                self._control.pop(key, None)
            else:
                self._control[key] = value
        tmp = self.control_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._control, indent=1, sort_keys=True))
        os.replace(tmp, self.control_path)

    # the BMC from outside: ipmitool

    def ipmitool_argv(self, *args, user="admin", password=None):
        return ["ipmitool", "-I", "lanplus", "-C", "3", "-U", user, "-P",
                password if password is not None else self.admin_password,
                "-L", "ADMINISTRATOR", "-H", "127.0.0.1", "-p", str(self.port),
                "-N", "1", "-R", "2", *map(str, args)]

    def ipmitool(self, *args, check=True, timeout=30, port=None, user="admin", password=None):
        res = subprocess.run(self.ipmitool_argv(*args, user=user, password=password),
                             capture_output=True, text=True, timeout=timeout)
        if check and res.returncode != 0:
            raise WorldError(f"ipmitool {' '.join(map(str, args))} failed "
                             f"({res.returncode}): {res.stderr.strip()}")
        return res

    def login(self, user, password):
        """True when an IPMI 2.0 session with these credentials opens (mc info)."""
        argv = ["ipmitool", "-I", "lanplus", "-C", "3", "-U", user, "-P", password,
                "-L", "ADMINISTRATOR", "-H", "127.0.0.1", "-p", str(self.port),
                "-N", "1", "-R", "1", "mc", "info"]
        return subprocess.run(argv, capture_output=True, timeout=30).returncode == 0

    @staticmethod
    def _print_dict(text):
        out = {}
        for line in text.splitlines():
            key, sep, val = line.partition(":")
            key = key.strip()
            if sep and key:
                out[key] = val.strip()
        return out

    def lan_print(self, channel=1):
        return self._print_dict(self.ipmitool("lan", "print", channel).stdout)

    def mc_info(self):
        return self._print_dict(self.ipmitool("mc", "info").stdout)

    def raw(self, *octets, check=True):
        """`ipmitool raw`: (completion code, reply data bytes)."""
        res = self.ipmitool("raw", *[f"0x{o:02x}" for o in octets], check=False)
        if res.returncode == 0:
            return 0, bytes.fromhex("".join(res.stdout.split()))
        m = re.search(r"rsp=0x([0-9a-fA-F]{2})", res.stderr)
        if m is None:
            if check:
                raise WorldError(f"ipmitool raw failed: {res.stderr.strip()}")
            return None, b""
        return int(m.group(1), 16), b""

    # the BMC from inside: its log and state

    def log_entries(self):
        path = self.dir / "commands.log"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def commands(self, name=None, since=0):
        """The commands received (in sessions or not), optionally one name."""
        return [e for e in self.log_entries()[since:]
                if "name" in e and (name is None or e["name"] == name)]

    def events(self, event=None, since=0):
        return [e for e in self.log_entries()[since:]
                if "event" in e and (event is None or e["event"] == event)]

    def mark(self):
        """A position in the log for commands(since=...)/events(since=...)."""
        return len(self.log_entries())

    def state(self):
        return json.loads((self.dir / "state.json").read_text())

    # what bmcside.BmcWitness compares, in ipmi_sim's terms

    def lancfg_sets(self, channel=None):
        """Every LAN write the BMC applied: [{param name: text}], one per
        commit (or per write made outside set-in-progress)."""
        return [e["params"] for e in self.events("lan_applied")
                if channel is None or e["channel"] == channel]

    def chassis_log(self):
        """The identify requests, as ipmi_sim's chassis log would list them."""
        return [[str(self.dir), "set", "identify", f"{e['interval']} {int(e['force'])}"]
                for e in self.events("identify")]

    def identify_calls(self, since=0):
        return [c[3] for c in self.chassis_log()[since:]]


def start_pyghmi(world, name, channels=1, sim_id=1, control=None, **kw):
    """A started PyghmiSim in `world` (stopped with the world)."""
    sim = PyghmiSim(world, name, channels=channels, sim_id=sim_id, control=control, **kw)
    sim.start()
    return sim


def agent_overrides(**extra):
    """The Agent's bmc_overrides entry for a PyghmiSim: no workaround flags."""
    entry = {"workarounds": None}
    entry.update(extra)
    return entry
