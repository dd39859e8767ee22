"""Plumbing for the SET-path tests (test_set.py, test_set_failures.py).

On top of world.py:

- a World shared by every test of a module (module_world), kept on disk
  when any of its tests failed, with the log tails in each failure report;
- BmcWitness: everything a SET could have changed on the simulated BMCs,
  seen from the BMC side (ipmitool, the lan_config_program and
  chassis_control call logs), to prove that a refused SET changed nothing;
- extra BMC users and logins, for password changes verified by ipmitool;
- reading the agent's log from a mark on, for the "SET applied" lines
  (per channel, and per BMC for the password and the identify light);
- the agent's counters of its work on a BMC (ipmiBmcRefreshes ...).
"""

import concurrent.futures
import contextlib
import re
import subprocess
from pathlib import Path

from hardenlib import log_mark, log_since  # noqa: F401 (the tests take them from here too)
from world import AGENT_UPTIME, BMC_ENTRY, World, WorldError, wait_for

# What changes on its own between two walks: ipmiBmcLastRefresh ticks,
# ipmiBmcIdentify counts down, ipmiBmcRefreshes and ipmiBmcRefreshFailures
# count the background reads, ipmiAgentUptime ticks. ipmiBmcSetsApplied and
# ipmiBmcSetsFailed are not here: a refused SET must leave them alone.
VOLATILE_COLUMNS = (f"{BMC_ENTRY}.7.", f"{BMC_ENTRY}.11.", f"{BMC_ENTRY}.13.",
                    f"{BMC_ENTRY}.14.", AGENT_UPTIME)
# What follows the background reads' luck rather than a SET: a read that
# times out on a loaded machine flips ipmiBmcReachable and sets
# ipmiBmcLastError for a moment. A refused SET is judged without them (the
# BMC side is checked by BmcWitness).
REFRESH_HEALTH_COLUMNS = (f"{BMC_ENTRY}.3.", f"{BMC_ENTRY}.8.")
COUNTERS = ("ipmiBmcRefreshes", "ipmiBmcRefreshFailures", "ipmiBmcSetsApplied",
            "ipmiBmcSetsFailed")


# --- a world per module ------------------------------------------------------


@contextlib.contextmanager
def module_world(request, agent_bin, mibdirs, source_dir):
    """A World for a module-scoped fixture, closed when the block ends.

    The directory is removed only when no test failed while it was in use.
    """
    w = World(agent_bin, mibdirs, source_dir)
    failed_before = request.session.testsfailed
    broken = True
    try:
        yield w
        broken = False
    finally:
        w.close()
        if broken or request.session.testsfailed > failed_before:
            print(f"\nworld directory kept: {w.dir}")
        else:
            w.remove()


def attach_world(request, w):
    """Let conftest's report hook add this world's log tails to a failure."""
    request.node.world = w


# --- the BMC side -------------------------------------------------------------


class BmcWitness:
    """What the BMCs hold and what they were asked to do, for before/after."""

    def __init__(self, sims):
        self.sims = list(sims)

    def snapshot(self):
        prints = [(sim, ch) for sim in self.sims for ch in sim.channels]
        # one ipmitool process per channel, side by side: each takes ~0.1 s
        with concurrent.futures.ThreadPoolExecutor(len(prints)) as pool:
            lans = list(pool.map(lambda p: p[0].lan_print(p[1]), prints))
        snap = {(sim.name, "lan", ch): lan for (sim, ch), lan in zip(prints, lans)}
        for sim in self.sims:
            snap[(sim.name, "lancfg sets")] = len(sim.lancfg_sets())
            snap[(sim.name, "chassis calls")] = len(sim.chassis_log())
        return snap

    @staticmethod
    def differences(before, after):
        return {k: (before.get(k), after.get(k)) for k in set(before) | set(after)
                if before.get(k) != after.get(k)}


def ipmi_login(sim, user, password, channel=1):
    """True when an IPMI 2.0 session with these credentials opens (mc info)."""
    port = sim.ports[sim.channels.index(channel)]
    argv = ["ipmitool", "-I", "lanplus", "-C", "3", "-U", user, "-P", password,
            "-L", "ADMINISTRATOR", "-H", "127.0.0.1", "-p", str(port),
            "-N", "1", "-R", "1", "mc", "info"]
    res = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    return res.returncode == 0


def add_user(sim, uid, name, password):
    """An enabled administrator `name` on every LAN channel of sim.

    ipmi_sim keeps users in its state directory, so this survives a restart.
    """
    sim.ipmitool("user", "set", "name", uid, name)
    sim.ipmitool("user", "set", "password", uid, password)
    for ch in sim.channels:
        sim.ipmitool("channel", "setaccess", ch, uid, "callin=on", "ipmi=on",
                     "link=on", "privilege=4")
    sim.ipmitool("user", "enable", uid)
    if not ipmi_login(sim, name, password):
        raise WorldError(f"user {name} ({uid}) cannot log in to {sim.name}")


def identify_calls(sim, since=0):
    """The identify requests chassis_control got: ["INTERVAL FORCE", ...],
    a request repeated at once counted once: libfreeipmi retransmits a
    request after timeout_ms / 8 without an answer, and ipmi_sim runs
    chassis_control again for the copy (a loaded machine can make the first
    run slower than that). identify_commands() tells what the agent sent."""
    calls = [c[3] for c in sim.chassis_log()[since:]
             if len(c) >= 4 and c[1] == "set" and c[2] == "identify"]
    return [c for i, c in enumerate(calls) if i == 0 or calls[i - 1] != c]


def identify_commands(agent, mark, bmc):
    """The Chassis Identify commands the agent sent to bmc after mark, as its
    debug log names them: ["interval 30", "interval 0 force on", ...]."""
    return re.findall(rf" debug: bmc {re.escape(bmc)}: Chassis Identify (.*)$",
                      log_since(agent, mark), re.M)


# --- the agent's log ----------------------------------------------------------


def applied_lines(agent, mark, bmc=None, channel=None):
    """The INFO "SET applied on BMC b channel c: ..." lines after mark."""
    lines = []
    for line in log_since(agent, mark).splitlines():
        m = re.search(r" info: SET applied on BMC (\S+) channel (\d+): (.*)$", line)
        if not m:
            continue
        if bmc is not None and m.group(1) != bmc:
            continue
        if channel is not None and int(m.group(2)) != channel:
            continue
        lines.append(m.group(3))
    return lines


def bmc_applied_lines(agent, mark, bmc=None):
    """The INFO "SET applied on BMC b: ..." lines (password, identify) after mark."""
    lines = []
    for line in log_since(agent, mark).splitlines():
        m = re.search(r" info: SET applied on BMC (\S+): (.*)$", line)
        if m and (bmc is None or m.group(1) == bmc):
            lines.append(m.group(2))
    return lines


def wait_bmc_applied(w, agent, mark, bmc, timeout=5.0):
    """The fields of the one BMC-level "SET applied" line for bmc after mark."""
    lines = wait_for(lambda: bmc_applied_lines(agent, mark, bmc), timeout,
                     f"'SET applied on BMC {bmc}:' in the agent log", on_fail=w.log_tails)
    assert len(lines) == 1, lines
    return lines[0]


def wait_applied(w, agent, mark, bmc, channel, timeout=5.0):
    """The fields of the one "SET applied" line for (bmc, channel) after mark.

    COMMIT logs right after the master's answer, so the line may trail the
    snmpset's exit by a moment.
    """
    lines = wait_for(lambda: applied_lines(agent, mark, bmc, channel), timeout,
                     f"'SET applied on BMC {bmc} channel {channel}' in the agent log",
                     on_fail=w.log_tails)
    assert len(lines) == 1, lines
    return lines[0]


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


def texts_holding(needle, *paths):
    """Which of the files contain `needle` (bytes compare, any encoding)."""
    found = []
    for p in paths:
        p = Path(p)
        if p.exists() and needle.encode() in p.read_bytes():
            found.append(str(p))
    return found

