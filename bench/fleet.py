#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fleet benchmark of ipmi-agentx: one change, read latency, walk rate, scale.

Runs against real peers (OpenIPMI ipmi_sim BMCs, a private snmpd as AgentX
master, the agent binary given with --agent; the worlds of
tests/integration/world.py) and prints each figure beside its goal:

P1  One 5-field change of a channel (DHCP off, address, netmask, gateway,
    VLAN id): one `snmpset` through the agent against the five
    `ipmitool -I lanplus ... lan set` processes a NAS UI runs (ipaddr,
    netmask, defgw ipaddr, ipsrc static, vlan id), alternately, each run
    from the channel's starting configuration (restored untimed, and the
    agent's next refresh awaited so that it does not fall into a timed
    window). Medians of wall time, their ratio, and the IPMI requests each
    sends: UDP datagrams towards the BMC counted by a relay
    (relays.DelayProxy, no delay) that the agent's BMC entry and
    ipmitool both go through. The agent's count runs from the snmpset until
    the relay is quiet for 0.5 s, so it includes what the SET triggers
    after its response (a refresh). Goal: >= 5x, <= 20 requests. Twice:
    against a simulator that keeps LAN values in memory (answers in
    microseconds, the agent's and ipmitool's own costs show), and against
    one with the integration tests' lan_config_program, whose shell runs on
    every parameter read and commit (tens of ms each: the side that reads
    more pays).
P2  GET latency of one whole channel row of a healthy BMC (every column in
    one GET) from an in-process client (pysnmp, python3-pysnmp4), for a
    fixed time per scenario: all BMCs healthy; while another BMC's setter
    loops `snmpset` of a VLAN id; with another BMC dead (its simulator
    killed behind a relay, so requests go unanswered as to a powered-off
    host; measured from when the agent shows it unreachable). Each GET is
    followed by one of sysUpTime.0, which snmpd answers alone, so that the
    machine's other load can be told from the agent's. Goal: dead p99 <=
    1.5x healthy p99.
P3  Walk rate (varbinds/s) of ipmiChannelTable against snmpd's own MIB-2
    (system, interfaces, ip, snmp groups) in the same snmpd, with
    GETBULK (max-repetitions 10): one column (as snmpbulkwalk), and every
    column per request (as snmptable), at fleet sizes 1, 100 and 1000
    BMCs. snmpd forwards each GETBULK repetition to a subagent as one
    AgentX GetNext, so ~0.1x native is the ceiling of a one-column walk.
    The client is bench/rawsnmp.py (pysnmp decodes too slowly to measure
    this); the stock snmpbulkwalk and snmptable wall times are printed too.
P4  100 and 1000 BMCs (one channel each, 20 per simulator, at most 50
    simulators, which keep the LAN values in memory: tests/sim/make-sim.sh
    with SIM_LANPROG=0), refresh_interval 30 s: time until every
    ipmiBmcReachable is true, start-up failures ("unreachable" lines in the
    agent's log; the sum of ipmiBmcRefreshFailures where the agent serves
    it), the oldest ipmiBmcLastRefresh one interval after start and in the
    steady state, the agent's RSS, VmHWM, threads and descriptors, its CPU
    seconds per refresh interval over a few intervals after start-up, and
    the simulators' and snmpd's CPU over the same window.
P5  A SET while the worker pool is saturated by refreshes: one worker
    (`workers: 1`), a target BMC on an in-memory simulator and N entries
    on lan_config_program simulators, whose reads take a few hundred ms
    each, read every --p5-refresh seconds: more reading than one worker can
    do, so refreshes queue up across the fleet. --p5-sets snmpsets of the
    target's VLAN id (one varbind), timed, in a world of the target alone
    (the reference) and with N and 2N slow entries (--p5-slow N), with
    failures counted and the slow BMCs' oldest ipmiBmcLastRefresh as the
    evidence of saturation. A SET that waits behind the queue of reads
    takes longer the longer the queue; one that waits only for the command
    running does not. Goal: the median at 2N within 1.5x the median at N.

Every process is stopped by pid, also on failure or interrupt; a world that
failed keeps its directory (--keep keeps all). Exit status: 0 when every
selected part ran without a failure (goals missed are reported, not
failures), 1 otherwise, 2 on bad arguments or an interrupt.

This is a benchmark, not a test: ctest does not run it. Use a release
build; see bench/README.md for the figures.
"""

import argparse
import math
import os
import re
import socket
import statistics
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import rawsnmp
from benchlib import (DelayProxy, add_common_args, agentlog, check_inputs, interrupt_on_sigterm,
                      new_world, percentile, sample_process, wm)

try:
    from pysnmp import hlapi
except ImportError:  # reported by P2
    hlapi = None

# Columns of IPMI-CHANNEL-MIB used here; the same in revisions 1 and 2
# (ipmiBmcRefreshFailures only in 2). Other columns are found by asking.
CH = wm.CHANNEL_ENTRY
BMC = wm.BMC_ENTRY
C_DHCP, C_IP, C_MASK, C_GW, C_VLAN = 3, 4, 5, 6, 7
B_REACHABLE, B_LAST_REFRESH, B_REFRESH_FAILURES = 3, 7, 14
MAX_COLUMN = 20  # columns probed when looking for the ones an agent serves
NEVER = 4294967295  # ipmiBmcLastRefresh of a BMC never read
SYSUPTIME = "1.3.6.1.2.1.1.3.0"
# snmpd's own system, interfaces, ip and snmp groups: a few hundred varbinds
# that do not change with the fleet (tcp and udp list every socket of the
# machine, the agent's and the simulators' among them).
NATIVE_SUBTREES = [f"1.3.6.1.2.1.{n}" for n in (1, 2, 4, 11)]
CEILING = 0.1  # one-column walk through any subagent / native (ENVIRONMENT.md)

P1_CHANNEL = 2
P1_START = ("198.51.100.20", "198.51.100.1")  # with DHCP on and VLAN off
P1_MASK = "255.255.255.0"
ENTRIES_PER_SIM = 20
MAX_SIMS = 50


class PartError(Exception):
    """A part could not be measured (a peer failed, the agent died)."""


# --- results ---------------------------------------------------------------------


@dataclass
class Figure:
    part: str
    name: str
    value: str
    goal: str = ""
    met: object = None  # True, False, or None (no goal)


@dataclass
class Results:
    figures: list = field(default_factory=list)
    failures: list = field(default_factory=list)
    findings: list = field(default_factory=list)  # what the agent did wrong or oddly

    def add(self, part, name, value, goal="", met=None):
        fig = Figure(part, name, value, goal, met)
        self.figures.append(fig)
        print(f"  {name}: {value}" + (f"   [goal {goal}: {verdict(met)}]" if goal else ""))

    def fail(self, part, text):
        self.failures.append(f"{part}: {text}")
        print(f"  FAILURE {text}")

    def finding(self, part, text):
        self.findings.append(f"{part}: {text}")
        print(f"  FINDING {text}")


def verdict(met):
    return {True: "met", False: "MISSED", None: "-"}[met]


def ms(seconds):
    return f"{seconds * 1000.0:.1f} ms"


def lat_text(values):
    """p50 / p99 / max of latencies in seconds, and the count."""
    if not values:
        return "(none)"
    return (f"p50 {ms(percentile(values, 50))}, p99 {ms(percentile(values, 99))}, "
            f"max {ms(max(values))} (n={len(values)})")


def loadavg():
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def part_header(title):
    print(f"\n== {title}  ({time.strftime('%H:%M:%S')}, {loadavg()})")


# --- peers ---------------------------------------------------------------------------


@dataclass
class Entry:
    """One BMC of the agent's configuration. world.Agent takes it for a Sim
    (it reads name, port and channels), so that several entries can share
    one simulator, or reach it through a relay."""

    name: str
    port: int
    channels: list


@contextmanager
def environment(**values):
    """os.environ with `values` set for the block (make-sim.sh reads it)."""
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def new_sim(w, name, channels, sim_id, lan_program):
    """A simulator (not started), with or without the lan_config_program."""
    with environment(SIM_LANPROG="1" if lan_program else "0"):
        return w.sim(name, channels=channels, sim_id=sim_id, start=False)


def start_sims(w, sims):
    """Start the simulators together, then wait for each to answer."""
    for sim in sims:
        sim.start(wait=False)
    for sim in sims:
        sim.wait_ready()
    return sims


def make_agent(w, args, entries, refresh_interval, workers=None):
    """The agent configured for `entries`, not started."""
    if w.master is None:
        w.start_master()
    agent = wm.Agent(w, w.master, entries, refresh_interval=refresh_interval, debug=False,
                     timeout_ms=args.timeout_ms)
    workers = workers or args.workers
    if workers:
        agent.write_config(agent.config.read_text() + f"workers: {workers}\n")
    w.agent = agent
    return agent


def check_alive(agent, part):
    if not agent.proc.running():
        raise PartError(f"the agent exited with {agent.proc.returncode()} during {part}:\n"
                        f"{agent.proc.log_tail(15)}")


def sims_cpu(sims):
    return sum(wm.cpu_seconds(s.proc.pid) for s in sims if s.proc.running())


def served_columns(raw, entry, index):
    """The columns of `entry` that hold instance `index` (a GET of all)."""
    oids = [f"{entry}.{c}.{index}" for c in range(2, MAX_COLUMN + 1)]
    got = raw.get(oids)
    return [c for c, oid in zip(range(2, MAX_COLUMN + 1), oids) if got[oid] is not None]


def wait_quiet(proxy, quiet=0.5, limit=5.0):
    """The relay's datagram count once no datagram came for `quiet` s."""
    end = time.monotonic() + limit
    last, since = proxy.packets, time.monotonic()
    while time.monotonic() < end:
        time.sleep(0.05)
        now = proxy.packets
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            break
    return proxy.packets


# --- the small world of P1 and P2 ----------------------------------------------------


@dataclass
class Target:
    """A BMC that P1 changes: its simulator, the relay the agent and ipmitool
    reach it through, and its ipmiBmcIndex."""

    label: str
    sim: object
    relay: object
    index: int


@dataclass
class SmallWorld:
    """bmc1 (2 channels, behind a relay: P1's first target, P2's healthy BMC),
    bmc2 (behind a relay: P2's victim), bmc3 (P2's setter), all keeping the
    LAN values in memory; with P1, bmc4 (2 channels, behind a relay) runs the
    lan_config_program of the integration tests, which forks a shell for
    every LAN parameter read and commit."""

    w: object
    sims: list
    relays: list
    agent: object
    raw: object
    targets: list

    def close(self):
        self.raw.close()
        for r in self.relays:
            r.stop()


def small_world(args, parts):
    w = new_world(args)
    relays = []
    try:
        sims = start_sims(w, [new_sim(w, "bmc1", 2, 1, False), new_sim(w, "bmc2", 1, 2, False),
                              new_sim(w, "bmc3", 1, 3, False)]
                          + ([new_sim(w, "bmc4", 2, 4, True)] if "P1" in parts else []))
        relay_of = {}  # sim position -> its relay: bmc1, bmc2 and bmc4
        for k in (0, 1, 3)[:len(sims) - 1]:
            relay_of[k] = DelayProxy(sims[k].port, 0).start()
            relays.append(relay_of[k])
        entries = [Entry(s.name, relay_of[k].port if k in relay_of else s.port, s.channels)
                   for k, s in enumerate(sims)]
        agent = make_agent(w, args, entries, args.small_refresh)
        agent.start()
        agent.wait_synced(timeout=30 + 3 * args.small_refresh)
        targets = [Target("in-memory sim", sims[0], relay_of[0], 1)]
        if 3 in relay_of:
            targets.append(Target("lan_config_program sim", sims[3], relay_of[3], 4))
        return SmallWorld(w, sims, relays, agent, rawsnmp.Client(w.master.port), targets)
    except BaseException:
        for r in relays:
            r.stop()
        w.finish(True, keep=args.keep)
        raise


# --- P1: one 5-field change ----------------------------------------------------------


@dataclass
class Change:
    ip: str
    gw: str
    vlan: int

    @staticmethod
    def number(k):
        return Change(f"10.20.{k}.50", f"10.20.{k}.1", 100 + k)


@dataclass
class Run:
    seconds: float
    requests_during: int  # datagrams while the client ran
    requests_total: int   # ... until the relay was quiet


def p1_restore(sw, tg, args):
    """The channel's starting configuration (DHCP, P1_START, VLAN off),
    written by one ipmitool process straight to the simulator; then wait
    for the agent's refresh to read it, so that its next refresh is a
    whole interval away from the timed run."""
    script = sw.w.dir / "p1-restore.ipmitool"
    if not script.exists():
        script.write_text("".join(f"lan set {P1_CHANNEL} {cmd}\n" for cmd in (
            f"ipaddr {P1_START[0]}", f"netmask {P1_MASK}", f"defgw ipaddr {P1_START[1]}",
            "ipsrc dhcp", "vlan id off")))
    tg.sim.ipmitool("exec", script)
    row = f"{tg.index}.{P1_CHANNEL}"
    want = {f"{CH}.{C_DHCP}.{row}": wm.TRUE, f"{CH}.{C_IP}.{row}": socket.inet_aton(P1_START[0]),
            f"{CH}.{C_VLAN}.{row}": 0}
    age = f"{BMC}.{B_LAST_REFRESH}.{tg.index}"

    def restored():
        got = sw.raw.get([*want, age])
        return all(got[k] == v for k, v in want.items()) and got[age] == 0

    sw.w.wait_for(restored, 3 * args.small_refresh + 10,
                  f"the agent to read the restored channel of {tg.sim.name}")


def p1_verify(tg, change, res, who):
    """The BMC holds the change (read with ipmitool, not through the relay)."""
    lan = tg.sim.lan_print(P1_CHANNEL)
    got = (lan.get("IP Address Source"), lan.get("IP Address"), lan.get("Subnet Mask"),
           lan.get("Default Gateway IP"), lan.get("802.1q VLAN ID"))
    want = ("Static Address", change.ip, P1_MASK, change.gw, str(change.vlan))
    if got != want:
        res.fail("P1", f"{tg.label}: after {who} the BMC holds {got}, expected {want}")


def p1_snmpset(sw, tg, change, res):
    row = f"{tg.index}.{P1_CHANNEL}"
    triples = [(f"{CH}.{C_DHCP}.{row}", "i", wm.FALSE), (f"{CH}.{C_IP}.{row}", "a", change.ip),
               (f"{CH}.{C_MASK}.{row}", "a", P1_MASK), (f"{CH}.{C_GW}.{row}", "a", change.gw),
               (f"{CH}.{C_VLAN}.{row}", "i", change.vlan)]
    p0 = tg.relay.packets
    out = sw.w.snmpset(*triples)
    p1 = tg.relay.packets
    p2 = wait_quiet(tg.relay)
    if not out.ok:
        res.fail("P1", f"{tg.label}: snmpset of 5 fields: {out.status} {out.stderr.strip()}")
    else:
        p1_verify(tg, change, res, "snmpset")
    return Run(out.elapsed, p1 - p0, p2 - p0)


def p1_ipmitool(tg, change, res):
    """The five processes in the order a NAS UI runs them."""
    steps = [("ipaddr", change.ip), ("netmask", P1_MASK), ("defgw", "ipaddr", change.gw),
             ("ipsrc", "static"), ("vlan", "id", change.vlan)]
    p0 = tg.relay.packets
    t0 = time.monotonic()
    for step in steps:
        out = tg.sim.ipmitool("lan", "set", P1_CHANNEL, *step, check=False, port=tg.relay.port)
        if out.returncode != 0:
            res.fail("P1", f"{tg.label}: ipmitool lan set {' '.join(map(str, step))}: "
                           f"{out.stderr.strip()}")
    seconds = time.monotonic() - t0
    p1 = tg.relay.packets
    p2 = wait_quiet(tg.relay)
    p1_verify(tg, change, res, "ipmitool x5")
    return Run(seconds, p1 - p0, p2 - p0)


def part_p1(args, sw, res):
    for tg in sw.targets:
        part_header(f"P1: one 5-field change, snmpset vs ipmitool x5, {args.pairs} pairs, "
                    f"{tg.sim.name} ({tg.label})")
        agent_runs, tool_runs = [], []
        for i in range(args.pairs):
            check_alive(sw.agent, "P1")
            p1_restore(sw, tg, args)
            agent_runs.append(p1_snmpset(sw, tg, Change.number(2 * i), res))
            p1_restore(sw, tg, args)
            tool_runs.append(p1_ipmitool(tg, Change.number(2 * i + 1), res))
            a, t = agent_runs[-1], tool_runs[-1]
            print(f"  pair {i + 1}: snmpset {ms(a.seconds)} ({a.requests_during}+"
                  f"{a.requests_total - a.requests_during} requests), ipmitool x5 "
                  f"{ms(t.seconds)} ({t.requests_total} requests)")
        p1_restore(sw, tg, args)
        p1_report(f"P1/{'memory' if tg.index == 1 else 'program'}", agent_runs, tool_runs, res)


def p1_report(part, agent_runs, tool_runs, res):
    a = statistics.median(r.seconds for r in agent_runs)
    t = statistics.median(r.seconds for r in tool_runs)
    ratio = t / a
    during = statistics.median(r.requests_during for r in agent_runs)
    total = statistics.median(r.requests_total for r in agent_runs)
    tool = statistics.median(r.requests_total for r in tool_runs)
    span = lambda runs, f: f"{min(map(f, runs))}..{max(map(f, runs))}"  # noqa: E731
    res.add(part, "snmpset of 5 fields, median wall", f"{ms(a)} (n={len(agent_runs)})")
    res.add(part, "ipmitool x5, median wall", f"{ms(t)} (n={len(tool_runs)})")
    res.add(part, "speed-up ipmitool x5 / snmpset", f"{ratio:.1f}x", ">= 5x", ratio >= 5)
    res.add(part, "IPMI requests of the agent's SET (median, with what it triggers)",
            f"{total:g} (range {span(agent_runs, lambda r: r.requests_total)}; "
            f"{during:g} before the response)", "<= 20", total <= 20)
    res.add(part, "IPMI requests of ipmitool x5 (median)",
            f"{tool:g} (range {span(tool_runs, lambda r: r.requests_total)})")


# --- P2: GET latency ---------------------------------------------------------------


class RowReader:
    """GETs of whole rows from one in-process pysnmp client."""

    def __init__(self, port):
        self.engine = hlapi.SnmpEngine()
        self.auth = hlapi.CommunityData("public", mpModel=1)
        self.target = hlapi.UdpTransportTarget(("127.0.0.1", port), timeout=5, retries=0)
        self.context = hlapi.ContextData()

    def get(self, objects):
        """Seconds of one GET; raises PartError on an error or exception value."""
        t0 = time.monotonic()
        err, status, _, vbs = next(hlapi.getCmd(self.engine, self.auth, self.target,
                                                self.context, *objects, lookupMib=False))
        seconds = time.monotonic() - t0
        if err or status:
            raise PartError(f"GET: {err or status.prettyPrint()}")
        bad = [str(oid) for oid, val in vbs
               if type(val).__name__ in ("NoSuchObject", "NoSuchInstance", "EndOfMibView")]
        if bad:
            raise PartError(f"GET: no value for {bad}")
        return seconds

    def measure(self, oids, seconds, res, label):
        """GETs of `oids` for `seconds`, each followed by a GET of
        sysUpTime.0, which snmpd answers alone: (row latencies, sysUpTime
        latencies). The second list tells the agent's share from the
        machine's other load, which moves both."""
        objects = [hlapi.ObjectType(hlapi.ObjectIdentity(o)) for o in oids]
        floor = [hlapi.ObjectType(hlapi.ObjectIdentity(SYSUPTIME))]
        rows, floors, errors = [], [], 0
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                rows.append(self.get(objects))
                floors.append(self.get(floor))
            except Exception as exc:  # noqa: BLE001 - every error is a failure
                errors += 1
                if errors <= 3:
                    res.fail("P2", f"{label}: {exc}")
        return rows, floors


def p2_line(res, name, lat):
    rows, floors = lat
    res.add("P2", name, f"{lat_text(rows)}; sysUpTime.0 alongside: p50 "
            f"{ms(percentile(floors, 50))}, p99 {ms(percentile(floors, 99))}"
            if floors else lat_text(rows))


def p99_ratio(lat, base):
    """p99 of lat over p99 of base, for the rows and for sysUpTime.0."""
    return tuple(percentile(x, 99) / percentile(y, 99) for x, y in zip(lat, base))


class SetLoop:
    """A thread that runs `snmpset` of a VLAN id of one channel until stopped."""

    def __init__(self, w, oid):
        self.w, self.oid = w, oid
        self.stop_event = threading.Event()
        self.times, self.errors = [], []
        self.thread = threading.Thread(target=self.run, name="set-loop", daemon=True)

    def run(self):
        k = 0
        while not self.stop_event.is_set():
            k += 1
            try:
                out = self.w.snmpset((self.oid, "i", 1 + k % 4094))
            except Exception as exc:  # noqa: BLE001
                self.errors.append(str(exc))
                continue
            if out.ok:
                self.times.append(out.elapsed)
            else:
                self.errors.append(f"{out.status} {out.stderr.strip()}")

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        self.thread.join(30)


def part_p2(args, sw, res):
    part_header(f"P2: GET latency of a whole channel row, {args.p2_seconds:g} s per scenario")
    if hlapi is None:
        raise PartError("python3-pysnmp4 is not installed (scripts/install-deps.sh)")
    reader = RowReader(sw.w.master.port)
    cols = served_columns(sw.raw, CH, "1.1")
    row = [f"{CH}.{c}.1.1" for c in cols]
    print(f"  row 1.1: columns {cols}; BMCs: bmc1 healthy (measured), bmc2 to die, bmc3 setter")
    # Healthy twice, around the SET loop: the spread between the two says
    # how much the machine's other load moves these figures.
    first = reader.measure(row, args.p2_seconds / 2, res, "healthy")
    p2_line(res, "GET row, all BMCs healthy (1st half)", first)
    with SetLoop(sw.w, f"{CH}.{C_VLAN}.3.1") as loop:
        setting = reader.measure(row, args.p2_seconds, res, "set loop")
    p2_line(res, "GET row, during a SET loop on bmc3", setting)
    res.add("P2", "  the SET loop", f"{len(loop.times)} SETs, {lat_text(loop.times)}, "
            f"{len(loop.errors)} errors")
    for e in loop.errors[:3]:
        res.fail("P2", f"SET loop: {e}")
    again = reader.measure(row, args.p2_seconds / 2, res, "healthy")
    p2_line(res, "GET row, all BMCs healthy (2nd half)", again)
    healthy = (first[0] + again[0], first[1] + again[1])
    p2_line(res, "GET row, all BMCs healthy", healthy)
    dead = p2_dead(args, sw, reader, row, res)
    check_alive(sw.agent, "P2")
    if healthy[0] and dead[0]:
        r = p99_ratio(dead, healthy)
        res.add("P2", "p99 dead / healthy", f"{r[0]:.2f}x (sysUpTime.0 alongside: {r[1]:.2f}x)",
                "<= 1.5x", r[0] <= 1.5)
    if healthy[0] and setting[0]:
        r = p99_ratio(setting, healthy)
        res.add("P2", "p99 during SETs / healthy", f"{r[0]:.2f}x (sysUpTime.0 alongside: "
                f"{r[1]:.2f}x; snmpd holds every request while a SET runs)")


def p2_dead(args, sw, reader, row, res):
    """Kill bmc2's simulator (its relay stays: requests go unanswered), wait
    until the agent shows it unreachable, and measure."""
    t0 = time.monotonic()
    sw.sims[1].kill()
    reach = f"{BMC}.{B_REACHABLE}.2"
    sw.w.wait_for(lambda: sw.raw.get([reach])[reach] == wm.FALSE,
                  3 * args.small_refresh + 4 * args.timeout_ms / 1000 + 10,
                  "the agent to show bmc2 unreachable")
    res.add("P2", "bmc2 shown unreachable after its death", f"{time.monotonic() - t0:.1f} s")
    dead = reader.measure(row, args.p2_seconds, res, "dead")
    p2_line(res, "GET row, bmc2 dead", dead)
    return dead


# --- P3 and P4: fleets ------------------------------------------------------------------


@dataclass
class Fleet:
    size: int
    w: object
    sims: list
    agent: object
    raw: object
    t_start: float = 0.0       # monotonic time the agent was started
    reach: object = None       # Reach, once awaited


@dataclass
class Poll:
    t: float          # seconds since the agent started
    reachable: int
    never: int        # rows never read (ipmiBmcLastRefresh 4294967295)
    oldest: int       # max ipmiBmcLastRefresh of the rows read at least once


@dataclass
class Reach:
    polls: list
    all_at: object     # seconds until every BMC was reachable, or None
    at_interval: Poll  # the first poll one interval after start


def poll_bmcs(fl):
    rows = fl.raw.walk_columns([f"{BMC}.{B_REACHABLE}", f"{BMC}.{B_LAST_REFRESH}"], 25)
    reach = [rawsnmp.decode_value(t, v) for _, t, v in rows[f"{BMC}.{B_REACHABLE}"]]
    ages = [rawsnmp.decode_value(t, v) for _, t, v in rows[f"{BMC}.{B_LAST_REFRESH}"]]
    known = [a for a in ages if a != NEVER]
    return Poll(time.monotonic() - fl.t_start, reach.count(wm.TRUE), len(ages) - len(known),
                max(known, default=0))


def await_reach(args, fl):
    """Poll every second until every BMC is reachable and one interval has
    passed, or until --reach-timeout."""
    polls = []
    all_at = None
    while True:
        check_alive(fl.agent, "start-up")
        p = poll_bmcs(fl)
        polls.append(p)
        if all_at is None and p.reachable == fl.size:
            all_at = p.t
        if (all_at is not None and p.t > args.refresh_interval + 1) or p.t > args.reach_timeout:
            break
        time.sleep(1.0)
    at_interval = next((p for p in polls if p.t >= args.refresh_interval), polls[-1])
    return Reach(polls, all_at, at_interval)


def start_fleet(args, size):
    w = new_world(args)
    try:
        n_sims = min(MAX_SIMS, math.ceil(size / ENTRIES_PER_SIM))
        sims = start_sims(w, [new_sim(w, f"sim{i + 1}", 1, i % 9 + 1, False)
                              for i in range(n_sims)])
        entries = [Entry(f"b{i:04d}", sims[i % n_sims].port, [1]) for i in range(size)]
        agent = make_agent(w, args, entries, args.refresh_interval)
        fl = Fleet(size, w, sims, agent, rawsnmp.Client(w.master.port))
        print(f"  {size} BMC entries on {n_sims} simulators (in-memory LAN values), "
              f"refresh_interval {args.refresh_interval} s, timeout_ms {args.timeout_ms}")
        fl.t_start = time.monotonic()
        agent.start(timeout=60)
        print(f"  agent registered after {time.monotonic() - fl.t_start:.1f} s")
        fl.reach = await_reach(args, fl)
        return fl
    except BaseException:
        w.finish(True, keep=args.keep)
        raise


def reach_timeline(reach, size):
    """When 1, 25, 50, 90 and 100 % of the BMCs were first seen reachable."""
    out = []
    for pct in (1, 25, 50, 90, 100):
        need = max(1, math.ceil(size * pct / 100))
        p = next((p for p in reach.polls if p.reachable >= need), None)
        out.append(f"{pct}%: {p.t:.0f}s" if p else f"{pct}%: never")
    return ", ".join(out)


def startup_failures(fl):
    """'unreachable' lines of the agent's log, the BMCs they name, why."""
    text = agentlog.log_since(fl.agent)
    lines = [ln for ln in text.splitlines() if "unreachable" in ln.lower()]
    names = {m.group(1) for ln in lines for m in [re.search(r"BMC (\S+?):", ln)] if m}
    why = {}
    for ln in lines:
        reason = ln.rsplit(": ", 1)[-1].strip()
        why[reason] = why.get(reason, 0) + 1
    top = "; ".join(f"{n}x {r}" for r, n in sorted(why.items(), key=lambda kv: -kv[1])[:3])
    return len(lines), len(names), top


def refresh_failures(fl):
    """Sum of ipmiBmcRefreshFailures, or None when the agent does not serve it."""
    col = f"{BMC}.{B_REFRESH_FAILURES}"
    if not fl.raw.next_in(col):
        return None
    rows = fl.raw.walk_columns([col], 25)[col]
    return sum(rawsnmp.decode_value(t, v) for _, t, v in rows)


def part_p4(args, fl, res):
    size, interval = fl.size, args.refresh_interval
    part = f"P4/{size}"
    r = fl.reach
    goal_reach = f"all within one interval ({interval} s)"
    met = r.all_at is not None and r.all_at <= interval
    res.add(part, "all BMCs reachable after",
            f"{r.all_at:.0f} s" if r.all_at is not None
            else f"never within {r.polls[-1].t:.0f} s ({r.polls[-1].reachable} of {size})",
            goal_reach, met)
    res.add(part, "reachable over time", reach_timeline(r, size))
    lines, bmcs, top = startup_failures(fl)
    failures = refresh_failures(fl)
    res.add(part, "start-up failures ('unreachable' log lines / BMCs named)",
            f"{lines} / {bmcs}" + (f"; ipmiBmcRefreshFailures sum {failures}"
                                   if failures is not None else "") +
            (f"; why: {top}" if top else ""), "0", lines == 0 and not failures)
    ai = r.at_interval
    res.add(part, f"oldest refresh age at {ai.t:.0f} s (one interval)",
            f"{ai.oldest} s; never read: {ai.never} rows; reachable {ai.reachable}")
    steady = p4_steady(args, fl, res, part)
    s = sample_process(fl.agent.proc.pid)
    rss_goal = 16 if size <= 100 else 48
    res.add(part, "agent RSS / VmHWM", f"{s.rss_kib / 1024:.1f} / {s.hwm_kib / 1024:.1f} MiB",
            f"<= {rss_goal} MiB RSS", s.rss_kib <= rss_goal * 1024)
    res.add(part, "agent threads / descriptors", f"{s.threads} / {s.fds}",
            "<= 20 threads" if size <= 100 else "", s.threads <= 20 if size <= 100 else None)
    res.add(part, "CPU per refresh interval: agent / simulators / snmpd",
            f"{steady['agent']:.2f} / {steady['sims']:.2f} / {steady['snmpd']:.2f} s "
            f"(over {steady['intervals']} intervals of {interval} s; "
            f"agent {100 * steady['agent'] / interval:.1f}% of a core)")
    res.add(part, "CPU since start: agent / simulators / snmpd",
            f"{wm.cpu_seconds(fl.agent.proc.pid):.1f} / {sims_cpu(fl.sims):.1f} / "
            f"{wm.cpu_seconds(fl.w.master.proc.pid):.1f} s")
    res.add(part, "steady state: oldest refresh age / fewest reachable",
            f"{steady['oldest']} s / {steady['fewest']} of {size}")
    if steady["fewest"] < size and r.all_at is not None:
        res.finding(part, f"BMCs became unreachable again in the steady state "
                          f"(fewest {steady['fewest']} of {size})")


def p4_steady(args, fl, res, part):
    """CPU over --cpu-intervals refresh intervals, with the BMC columns
    polled every 5 s (oldest refresh age, fewest reachable)."""
    interval = args.refresh_interval
    pid, mpid = fl.agent.proc.pid, fl.w.master.proc.pid
    a0, s0, m0 = wm.cpu_seconds(pid), sims_cpu(fl.sims), wm.cpu_seconds(mpid)
    t0 = time.monotonic()
    end = t0 + args.cpu_intervals * interval
    oldest, fewest = 0, fl.size
    while time.monotonic() < end:
        check_alive(fl.agent, part)
        p = poll_bmcs(fl)
        oldest, fewest = max(oldest, p.oldest), min(fewest, p.reachable)
        time.sleep(min(5.0, max(0.0, end - time.monotonic())))
    n = (time.monotonic() - t0) / interval
    return {"agent": (wm.cpu_seconds(pid) - a0) / n, "sims": (sims_cpu(fl.sims) - s0) / n,
            "snmpd": (wm.cpu_seconds(mpid) - m0) / n, "intervals": f"{n:.1f}",
            "oldest": oldest, "fewest": fewest}


def walk_rates(raw, kinds, args):
    """Walks of each kind in turn, round after round, for --walk-seconds per
    kind (at least 3 rounds), so that the machine's other load falls on
    every kind alike. kinds: {name: groups}, each group a list of subtrees
    walked column-parallel, the groups one after another. Returns {name:
    (varbinds of one walk, varbinds/s, median seconds of a walk)}."""
    counts = {k: [] for k in kinds}
    times = {k: [] for k in kinds}
    end = time.monotonic() + args.walk_seconds * len(kinds)
    while len(times[next(iter(kinds))]) < 3 or time.monotonic() < end:
        for name, groups in kinds.items():
            t0 = time.monotonic()
            n = sum(len(rows) for g in groups
                    for rows in raw.walk_columns(g, args.max_repetitions).values())
            times[name].append(time.monotonic() - t0)
            counts[name].append(n)
    return {k: (counts[k][-1], sum(counts[k]) / sum(times[k]), statistics.median(times[k]))
            for k in kinds}


def cli_times(fl, res, part):
    """What an operator sees: the stock clients' wall times (median of 3)."""
    try:
        walks = [fl.w.snmpbulkwalk(f"{CH}.{C_IP}", timeout=30, timed=True) for _ in range(3)]
        tables = []
        for _ in range(3):
            t0 = time.monotonic()
            rows = fl.w.snmptable("ipmiChannelTable", timeout=30)
            tables.append((rows, time.monotonic() - t0))
    except Exception as exc:  # noqa: BLE001
        res.fail(part, f"stock client: {exc}")
        return
    res.add(part, "stock clients: snmpbulkwalk of the column / snmptable",
            f"{ms(statistics.median(t for _, t in walks))} ({len(walks[0][0])} varbinds) / "
            f"{ms(statistics.median(t for _, t in tables))} ({len(tables[0][0])} rows)")


def part_p3(args, fl, res):
    part = f"P3/{fl.size}"
    cols = [c for c in range(2, MAX_COLUMN + 1) if fl.raw.next_in(f"{CH}.{c}")]
    rates = walk_rates(fl.raw, {"native": [[s] for s in NATIVE_SUBTREES],
                                "one": [[f"{CH}.{C_IP}"]],
                                "all": [[f"{CH}.{c}" for c in cols]]}, args)
    (native_n, native, native_t), (one_n, one, one_t), (all_n, every, all_t) = \
        rates["native"], rates["one"], rates["all"]
    reps = f"GETBULK max-repetitions {args.max_repetitions}"
    res.add(part, f"native MIB-2 walk ({reps})",
            f"{native:,.0f} varbinds/s ({native_n} varbinds, {ms(native_t)})")
    res.add(part, "one column (ipmiChannelIpAddress)",
            f"{one:,.0f} varbinds/s ({one_n} varbinds, {ms(one_t)}): {one / native:.3f}x native, "
            f"{one / (CEILING * native):.2f}x the 0.1x ceiling")
    res.add(part, f"all {len(cols)} columns per request (as snmptable)",
            f"{every:,.0f} varbinds/s ({all_n} varbinds, {ms(all_t)}): {every / native:.3f}x "
            f"native, {every / (CEILING * native):.2f}x the ceiling")
    if one_n != fl.size:
        res.finding(part, f"the column walk returned {one_n} rows for {fl.size} BMCs "
                          "of one channel each")
    cli_times(fl, res, part)


def run_fleet(args, size, parts, res):
    part_header(f"fleet of {size} BMC(s): " + ", ".join(
        p for p in ("P4", "P3") if p in parts and size in getattr(args, f"{p.lower()}_sizes")))
    fl = start_fleet(args, size)
    ok = False
    try:
        if "P4" in parts and size in args.p4_sizes:
            part_p4(args, fl, res)
        if "P3" in parts and size in args.p3_sizes:
            part_p3(args, fl, res)
        check_alive(fl.agent, f"fleet {size}")
        problems = [ln for ln in agentlog.log_since(fl.agent).splitlines() if " error: " in ln]
        if problems:
            res.finding(f"fleet/{size}", f"{len(problems)} error lines in the agent's log, "
                                         f"first: {problems[0].strip()}")
        ok = True
    finally:
        fl.raw.close()
        fl.w.finish(not ok, keep=args.keep)


# --- P5: a SET while refreshes saturate the worker pool ----------------------------------

P5_SLOW_SIMS = 4


def p5_sets(args, w, res, label):
    """--p5-sets snmpsets of the target's (index 1) VLAN id: their wall times."""
    times = []
    for k in range(args.p5_sets):
        out = w.snmpset((f"{CH}.{C_VLAN}.1.1", "i", 200 + k % 50), timeout=30)
        if out.ok:
            times.append(out.elapsed)
        else:
            res.fail("P5", f"{label}: SET {k + 1}: {out.status} after {out.elapsed:.2f} s")
    return times


def p5_world(args, res, slow):
    """A world of the target and `slow` entries; the target's SET times and,
    with slow entries, their oldest ipmiBmcLastRefresh after the SETs and how
    many were never read."""
    w = new_world(args)
    ok = False
    try:
        sims = [new_sim(w, "fast", 1, 1, False)]
        if slow:
            sims += [new_sim(w, f"slow{i + 1}", 1, i + 2, True) for i in range(P5_SLOW_SIMS)]
        start_sims(w, sims)
        entries = [Entry("target", sims[0].port, [1])] + [
            Entry(f"s{i:03d}", sims[1 + i % P5_SLOW_SIMS].port, [1]) for i in range(slow)]
        agent = make_agent(w, args, entries, args.p5_refresh, workers=1)
        agent.start(timeout=60)
        w.wait_for(lambda: w.snmpget(f"{BMC}.{B_REACHABLE}.1").value == wm.TRUE, 60,
                   "the target BMC read")
        time.sleep(args.p5_refresh)  # into the steady state: the queue has built up
        times = p5_sets(args, w, res, f"{slow} slow entries")
        oldest = None
        if slow:
            raw = rawsnmp.Client(w.master.port)
            try:
                rows = raw.walk_columns([f"{BMC}.{B_LAST_REFRESH}"], 25)[f"{BMC}.{B_LAST_REFRESH}"]
            finally:
                raw.close()
            ages = [rawsnmp.decode_value(t, v) for _, t, v in rows[1:]]
            known = [a for a in ages if a != NEVER]
            oldest = (max(known, default=0), len(ages) - len(known))
        check_alive(agent, "P5")
        ok = True
        return times, oldest
    finally:
        w.finish(not ok, keep=args.keep)


def part_p5(args, res):
    n = args.p5_slow
    part_header(f"P5: SETs with one worker, alone and beside {n} and {2 * n} entries on "
                f"lan_config_program simulators (refresh_interval {args.p5_refresh} s)")
    medians = {}
    for slow in (0, n, 2 * n):
        times, oldest = p5_world(args, res, slow)
        what = f"beside {slow} slow BMCs" if slow else "alone (reference)"
        res.add("P5", f"target SET {what}", lat_text(times))
        if oldest is not None:
            age, never = oldest
            saturated = age > args.p5_refresh or never > 0
            res.add("P5", f"the {slow} slow BMCs after the SETs",
                    f"oldest ipmiBmcLastRefresh {age} s, {never} never read (interval "
                    f"{args.p5_refresh} s: {'saturated' if saturated else 'NOT saturated'})")
        if times:
            medians[slow] = statistics.median(times)
    if n in medians and 2 * n in medians:
        ratio = medians[2 * n] / medians[n]
        res.add("P5", f"median at {2 * n} / at {n} slow BMCs", f"{ratio:.2f}x", "<= 1.5x",
                ratio <= 1.5)


# --- main ---------------------------------------------------------------------------------


def run_small(args, parts, res):
    part_header("the small world: bmc1..3 in-memory sims, bmc4 with the lan_config_program "
                f"(with P1); bmc1, bmc2, bmc4 behind counting relays; refresh_interval "
                f"{args.small_refresh} s")
    sw = small_world(args, parts)
    ok = False
    try:
        if "P1" in parts:
            guarded("P1", res, lambda: part_p1(args, sw, res))
        if "P2" in parts:
            guarded("P2", res, lambda: part_p2(args, sw, res))
        ok = not res.failures
    finally:
        sw.close()
        sw.w.finish(not ok, keep=args.keep)


def guarded(part, res, fn):
    """Run a part; a PartError or a world error fails it, not the others."""
    try:
        fn()
    except (PartError, wm.WorldError, rawsnmp.SnmpError) as exc:
        res.fail(part, f"could not be measured: {exc}")


def summary(res):
    print("\n== summary")
    width = max((len(f.name) for f in res.figures), default=10)
    for f in res.figures:
        goal = f"   goal {f.goal}: {verdict(f.met)}" if f.goal else ""
        print(f"{f.part:<8} {f.name:<{width}}  {f.value}{goal}")
    for text in res.findings:
        print(f"FINDING {text}")
    for text in res.failures:
        print(f"FAILURE {text}")
    print(f"RESULT: {len(res.failures)} failures, "
          f"{sum(1 for f in res.figures if f.met is False)} goals missed")


def sizes(text):
    try:
        out = sorted({int(x) for x in text.split(",") if x})
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text}") from None
    if not out or out[0] < 1:
        raise argparse.ArgumentTypeError("fleet sizes must be at least 1")
    return out


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Fleet benchmark of ipmi-agentx (see the module docstring).")
    add_common_args(p)
    p.add_argument("--parts", default="P1,P2,P3,P4,P5",
                   help="comma-separated parts to run (default P1,P2,P3,P4,P5)")
    p.add_argument("--p3-sizes", type=sizes, default=[1, 100, 1000],
                   help="fleet sizes of P3 (default 1,100,1000)")
    p.add_argument("--p4-sizes", type=sizes, default=[100, 1000],
                   help="fleet sizes of P4 (default 100,1000)")
    p.add_argument("--refresh-interval", type=int, default=30,
                   help="refresh_interval of the fleets (P3, P4; default 30)")
    p.add_argument("--small-refresh", type=int, default=4,
                   help="refresh_interval of P1's and P2's world (default 4)")
    p.add_argument("--timeout-ms", type=int, default=2000,
                   help="the BMC entries' timeout_ms (default 2000, the agent's default)")
    p.add_argument("--workers", type=int, default=0,
                   help="write 'workers: N' into the agent's configuration (agents that "
                        "have the key; default: leave it out)")
    p.add_argument("--pairs", type=int, default=10, help="P1 pairs (default 10)")
    p.add_argument("--p2-seconds", type=float, default=12.0,
                   help="P2 seconds of GETs per scenario (default 12)")
    p.add_argument("--walk-seconds", type=float, default=2.0,
                   help="P3 seconds of walks per figure (default 2)")
    p.add_argument("--max-repetitions", type=int, default=10,
                   help="P3 GETBULK max-repetitions (default 10, as snmpbulkwalk)")
    p.add_argument("--cpu-intervals", type=int, default=3,
                   help="P4 refresh intervals of CPU measurement (default 3)")
    p.add_argument("--p5-slow", type=int, default=50,
                   help="P5 N: worlds of N and 2N entries on lan_config_program simulators "
                        "(default 50)")
    p.add_argument("--p5-refresh", type=int, default=5,
                   help="P5 refresh_interval (default 5)")
    p.add_argument("--p5-sets", type=int, default=10, help="P5 SETs per world (default 10)")
    p.add_argument("--reach-timeout", type=float, default=None,
                   help="P4 seconds to wait for all BMCs reachable (default 2.5 intervals)")
    args = p.parse_args(argv)
    args.parts = {x.strip().upper() for x in args.parts.split(",") if x.strip()}
    if not args.parts or args.parts - {"P1", "P2", "P3", "P4", "P5"}:
        p.error("--parts takes P1, P2, P3, P4 and P5")
    if args.p5_slow < 1 or args.p5_refresh < 1 or args.p5_sets < 1:
        p.error("--p5-slow, --p5-refresh and --p5-sets at least 1")
    if args.reach_timeout is None:
        args.reach_timeout = 2.5 * args.refresh_interval
    if args.pairs < 1 or args.refresh_interval < 1 or args.small_refresh < 3:
        p.error("--pairs and --refresh-interval at least 1, --small-refresh at least 3")
    check_inputs(p, args)
    return args


def main(argv):
    args = parse_args(argv)
    interrupt_on_sigterm()
    print(f"ipmi-agentx fleet benchmark, {time.strftime('%Y-%m-%d %H:%M:%S')}, "
          f"{os.cpu_count()} CPUs, {loadavg()}\nagent {args.agent}\nparts "
          f"{','.join(sorted(args.parts))}")
    res = Results()
    t0 = time.monotonic()
    try:
        if args.parts & {"P1", "P2"}:
            guarded("P1/P2 world", res, lambda: run_small(args, args.parts, res))
        fleet_sizes = sorted((set(args.p3_sizes) if "P3" in args.parts else set()) |
                             (set(args.p4_sizes) if "P4" in args.parts else set()))
        for size in fleet_sizes:
            guarded(f"fleet/{size}", res, lambda size=size: run_fleet(args, size, args.parts, res))
        if "P5" in args.parts:
            guarded("P5", res, lambda: part_p5(args, res))
    except KeyboardInterrupt:
        print("fleet: interrupted", file=sys.stderr)
        return 2
    summary(res)
    print(f"whole run {time.monotonic() - t0:.0f} s, {loadavg()}")
    return 1 if res.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
