#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A bounded stress benchmark of ipmi-agentx against simulated BMCs.

It builds the integration tests' world (tests/integration/world.py): B
ipmi_sim BMCs with two LAN channels each, a private snmpd as AgentX master
and the agent (refresh_interval 2 s), all on loopback, and then

1. waits until every BMC is read, and records the agent's RSS (VmRSS,
   VmHWM), thread and file descriptor counts;
2. runs one warm-up round of every worker, and takes the baseline there:
   what the first requests allocate once is not growth;
3. runs in parallel N walkers (each K `snmpbulkwalk`s of the MIB root,
   every walk compared with the row set seen at start) and M setters (each
   K rounds on a channel of its own: one valid SET of the VLAN id and/or
   priority, its response and a read-back GET checked; one invalid SET
   whose exact error status and failed object are checked);
4. records RSS after the load and again after an idle spell (and every
   few seconds during the load, with the slope of that series);
5. checks with ipmitool that every channel holds the last values its
   setter wrote (and untouched channels their seeds), and that the agent
   serves the same.

Anything unexpected (a timeout, a wrong status, a wrong value, a walk
that differs from the expected rows) is a failure. Exit status: 0 when
there were no failures, RSS did not grow by more than --rss-threshold
KiB from the warm-up baseline to the end of the idle spell and the
thread count did not change and the descriptor count did not grow by
more than one per BMC (an agent may hold an IPMI session only while a
BMC has work queued); 1 otherwise; 2 on bad
arguments or when the world could not be set up.

The simulator scripts are run from a copy in the world's directory, so
that editing tests/sim during a run cannot fail it.

`--scaling` measures instead the figures of bench/README.md that compare
1 and 8 BMCs: time to serve a full snmpwalk, idle RSS, and the wall time
of one SET of address + netmask + gateway.

This is a benchmark, not a test: ctest does not run it.
"""

import argparse
import math
import os
import sys
import threading
import time
from dataclasses import dataclass, replace

from benchlib import (add_common_args, agentlog, check_inputs, interrupt_on_sigterm, new_world,
                      percentile, sample_process, wm)

CHANNELS_PER_BMC = 2
MAX_BMCS = 9  # make-sim.sh's SIM_ID range
VLAN = "ipmiChannelVlanId"
PRIO = "ipmiChannelVlanPriority"
MAX_FAILURE_LINES = 20


# --- the agent process ----------------------------------------------------


def print_sample(label, sample):
    print(f"  {label:<21}{sample.line()}")


def settled_sample(pid, count=5, gap=0.2):
    """The last of `count` samples, with the fewest descriptors any of them
    saw: the agent may hold an IPMI session (a socket) only while a BMC has
    work queued, and one sample can catch a refresh in flight."""
    samples = []
    for i in range(count):
        if i:
            time.sleep(gap)
        samples.append(sample_process(pid))
    return replace(samples[-1], fds=min(x.fds for x in samples))


# --- figures --------------------------------------------------------------


def latency_line(name, values):
    if not values:
        return f"{name:<22} (none)"
    ms = [v * 1000.0 for v in values]
    return (f"{name:<22} n={len(ms):<5d} p50 {percentile(ms, 50):7.1f} ms  "
            f"p95 {percentile(ms, 95):7.1f} ms  max {max(ms):7.1f} ms")


class Tally:
    """Latencies, counts and failures, shared by the worker threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latency = {}      # kind -> [seconds]
        self.requests = 0
        self.varbinds = 0
        self.failures = []     # text of each unexpected outcome
        self.invalid = {}      # expected status -> count seen as expected
        self.setters_running = 0

    def record(self, kind, seconds, varbinds=0):
        with self.lock:
            self.latency.setdefault(kind, []).append(seconds)
            self.requests += 1
            self.varbinds += varbinds

    def fail(self, who, what):
        with self.lock:
            self.requests += 1
            self.failures.append(f"{who}: {what}")

    def invalid_ok(self, status):
        with self.lock:
            self.invalid[status] = self.invalid.get(status, 0) + 1

    def setter_running(self, delta):
        with self.lock:
            self.setters_running += delta

    def setters_busy(self):
        with self.lock:
            return self.setters_running > 0


# --- workers ----------------------------------------------------------------


def run_walker(w, name, rounds, expected_oids, tally, stop):
    """`rounds` bulkwalks of the MIB root, each with exactly the expected OIDs.

    A walk that starts while a setter still runs may queue behind SETs in
    the agent; the others are counted apart, so that walkers outliving the
    setters do not hide that in the percentiles."""
    for _ in range(rounds):
        if stop.is_set():
            return
        kind = "walk" if tally.setters_busy() else "walk, no SETs"
        try:
            vars_, seconds = w.snmpbulkwalk(timed=True)
        except Exception as exc:  # noqa: BLE001 - every error is a failure
            tally.fail(name, f"bulkwalk: {exc}")
            continue
        oids = [v.oid for v in vars_]
        if oids != expected_oids:
            missing = sorted(set(expected_oids) - set(oids))[:3]
            extra = sorted(set(oids) - set(expected_oids))[:3]
            tally.fail(name, f"walk returned {len(oids)} varbinds, expected "
                             f"{len(expected_oids)} (missing {missing}, extra {extra})")
            continue
        bad = [v for v in vars_ if v.exception]
        if bad:
            tally.fail(name, f"walk holds exceptions: {bad[:3]}")
            continue
        tally.record(kind, seconds, len(vars_))


@dataclass
class Setter:
    """One setter's channel and the values it last wrote there."""

    name: str
    bmc: int
    channel: int
    vlan: int = 0  # the seeds: VLAN off, priority 0
    prio: int = 0

    @property
    def index(self):
        return f"{self.bmc}.{self.channel}"


def next_values(setter_no, rnd):
    """The VLAN id and priority a setter writes in a round; every 10th
    round turns VLAN tagging off (0), the others spread over 1..4094."""
    vlan = 0 if rnd % 10 == 9 else 1 + (setter_no * 997 + rnd * 131) % 4094
    prio = (setter_no * 3 + rnd) % 8
    return vlan, prio


def invalid_sets(s):
    """(oid, type, value, expected status) of SETs refused before the BMC
    is touched; the failed object must be the one varbind. The gateway
    10.9.9.9 is outside every seeded subnet on a static channel, and a
    static field written while DHCP stays on for channel 2:
    inconsistentValue either way. The empty password goes to the BMC's row
    (ipmiBmcPassword), as the MIB has it since revision 2."""
    other = 9  # no BMC of the world has a channel 9
    return [
        (f"{VLAN}.{s.index}", "i", 4095, "wrongValue"),
        (f"{PRIO}.{s.index}", "i", 8, "wrongValue"),
        (f"{VLAN}.{s.index}", "a", "1.2.3.4", "wrongType"),
        (f"{VLAN}.{s.bmc}.{other}", "i", 5, "noCreation"),
        (f"ipmiChannelMacAddress.{s.index}", "x", "02005e010199", "notWritable"),
        (f"ipmiChannelGateway.{s.index}", "a", "10.9.9.9", "inconsistentValue"),
        (f"ipmiBmcPassword.{s.bmc}", "s", "", "wrongLength"),
    ]


def set_valid(w, s, setter_no, rnd, tally):
    """One valid SET (VLAN id, priority, or both in one PDU by round), its
    response checked, then a read-back GET of both columns."""
    vlan, prio = next_values(setter_no, rnd)
    shape = rnd % 3
    triples = []
    if shape in (0, 2):
        triples.append((f"{VLAN}.{s.index}", "i", vlan))
    if shape in (1, 2):
        triples.append((f"{PRIO}.{s.index}", "i", prio))
    try:
        res = w.snmpset(*triples)
    except Exception as exc:  # noqa: BLE001
        tally.fail(s.name, f"snmpset {triples}: {exc}")
        return
    if res.status != "noError":
        tally.fail(s.name, f"snmpset {triples}: {res.status} after "
                           f"{res.elapsed:.2f}s {res.stderr.strip()}")
        return
    got = [v.value for v in res.vars]
    want = [t[2] for t in triples]
    if got != want:
        tally.fail(s.name, f"snmpset {triples} answered {got}")
        return
    tally.record("set", res.elapsed, len(triples))
    if shape in (0, 2):
        s.vlan = vlan
    if shape in (1, 2):
        s.prio = prio
    read_back(w, s, tally)


def read_back(w, s, tally):
    """The agent must serve what was just written, not the next refresh."""
    t0 = time.monotonic()
    try:
        vals = w.snmpget(f"{VLAN}.{s.index}", f"{PRIO}.{s.index}")
    except Exception as exc:  # noqa: BLE001
        tally.fail(s.name, f"read-back GET: {exc}")
        return
    seconds = time.monotonic() - t0
    got = (vals[0].value, vals[1].value)
    if got != (s.vlan, s.prio):
        tally.fail(s.name, f"read-back GET {got}, last written {(s.vlan, s.prio)}")
        return
    tally.record("get", seconds, 2)


def set_invalid(w, s, rnd, tally):
    choices = invalid_sets(s)
    oid, typ, value, status = choices[rnd % len(choices)]
    try:
        res = w.snmpset((oid, typ, value))
    except Exception as exc:  # noqa: BLE001
        tally.fail(s.name, f"invalid snmpset {oid} {typ} {value!r}: {exc}")
        return
    want_oid = w.oid(oid)
    if res.status != status or res.failed_oid != want_oid:
        tally.fail(s.name, f"invalid snmpset {oid} {typ} {value!r}: {res.status} "
                           f"on {res.failed_oid or '-'}, expected {status} on {want_oid}")
        return
    tally.record("invalid set", res.elapsed, 1)
    tally.invalid_ok(status)


def run_setter(w, s, setter_no, first_round, rounds, tally, stop):
    try:
        set_rounds(w, s, setter_no, first_round, rounds, tally, stop)
    finally:
        tally.setter_running(-1)


def set_rounds(w, s, setter_no, first_round, rounds, tally, stop):
    for rnd in range(first_round, first_round + rounds):
        if stop.is_set():
            return
        set_valid(w, s, setter_no, rnd, tally)
        set_invalid(w, s, rnd, tally)


def run_parallel(jobs):
    """Run the callables in threads; returns each one's wall time by name."""
    walls = {}

    def timed(name, fn):
        t0 = time.monotonic()
        fn()
        walls[name] = time.monotonic() - t0

    threads = [threading.Thread(target=timed, args=(n, fn), name=n, daemon=True)
               for n, fn in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return walls


# --- the world ----------------------------------------------------------------


def setup_world(w, args, bmcs):
    """`bmcs` sims of two channels and the agent in w, synced."""
    sims = [w.sim(f"bmc{i}", channels=CHANNELS_PER_BMC, sim_id=i)
            for i in range(1, bmcs + 1)]
    agent = w.start_agent(sims, refresh_interval=args.refresh_interval)
    walk = agent.wait_synced(timeout=30 + 5 * bmcs)
    return sims, agent, walk


def pretranslate(w, setters):
    """Resolve every name once, before the threads share the cache."""
    for s in setters:
        for name in (f"{VLAN}.{s.index}", f"{PRIO}.{s.index}"):
            w.oid(name)
        for oid, *_ in invalid_sets(s):
            w.oid(oid)


def vlan_text(vlan):
    return "Disabled" if vlan == 0 else str(vlan)


def verify_channels(w, sims, setters, tally):
    """Every channel, read by ipmitool and by the agent, holds what its
    setter wrote last (channels without a setter: their seeds, off/0)."""
    owned = {(s.bmc, s.channel): s for s in setters}
    lines = []
    for b, sim in enumerate(sims, start=1):
        for ch in sim.channels:
            s = owned.get((b, ch))
            want = (s.vlan, s.prio) if s else (0, 0)
            who = s.name if s else f"channel {b}.{ch}"
            try:
                lan = sim.lan_print(ch)
                bmc_has = (lan["802.1q VLAN ID"], lan["802.1q VLAN Priority"])
                agent_has = tuple(v.value for v in w.snmpget(
                    f"{VLAN}.{b}.{ch}", f"{PRIO}.{b}.{ch}"))
            except Exception as exc:  # noqa: BLE001
                tally.fail(who, f"final check: {exc}")
                continue
            ok_bmc = bmc_has == (vlan_text(want[0]), str(want[1]))
            ok_agent = agent_has == want
            if not ok_bmc:
                tally.fail(who, f"BMC holds VLAN {bmc_has}, expected {want}")
            if not ok_agent:
                tally.fail(who, f"agent serves {agent_has}, expected {want}")
            lines.append(f"  BMC {b} channel {ch}: expected vlan={want[0]} prio={want[1]}; "
                         f"ipmitool {bmc_has[0]}/{bmc_has[1]} "
                         f"{'ok' if ok_bmc else 'WRONG'}; agent "
                         f"{agent_has[0]}/{agent_has[1]} {'ok' if ok_agent else 'WRONG'}")
    return lines


# --- stress ---------------------------------------------------------------------


def stress(args):
    channels = [(b, ch) for b in range(1, args.bmcs + 1)
                for ch in range(1, CHANNELS_PER_BMC + 1)]
    t_start = time.monotonic()
    w = new_world(args)
    ok = False
    try:
        sims, agent, walk = setup_world(w, args, args.bmcs)
        ok = stress_world(args, w, sims, agent, walk, channels, t_start)
        return 0 if ok else 1
    finally:
        w.finish(not ok, keep=args.keep)


@dataclass
class Load:
    """The timed load phase: wall times and the peers' CPU use."""

    seconds: float
    walls: dict        # worker name -> its wall time
    master_cpu: float  # snmpd's CPU seconds during the load
    sims_cpu: float    # all ipmi_sim processes' CPU seconds during the load
    clients_cpu: float  # this script and its client processes (snmp*, ipmitool)


def peers_cpu(w, sims):
    """CPU seconds so far of snmpd, of the sims, and of this script with
    its finished children (the SNMP clients)."""
    t = os.times()
    return (wm.cpu_seconds(w.master.proc.pid),
            sum(wm.cpu_seconds(sim.proc.pid) for sim in sims),
            t.user + t.system + t.children_user + t.children_system)


def stress_world(args, w, sims, agent, walk, channels, t_start):
    pid = agent.proc.pid
    expected = [v.oid for v in walk]
    if expected != sorted(expected, key=wm.oid_key):
        raise wm.WorldError("the start-up walk is not in lexicographic order")
    setters = [Setter(f"setter{j + 1}", *channels[j]) for j in range(args.setters)]
    pretranslate(w, setters)
    synced = sample_process(pid)
    print(f"synced after {time.monotonic() - t_start:.1f}s: {args.bmcs} BMCs x "
          f"{CHANNELS_PER_BMC} channels, {len(expected)} varbinds in a walk")
    print_sample("agent after sync:", synced)

    stop = threading.Event()
    try:
        return stress_phases(args, w, sims, agent, setters, expected, stop)
    finally:
        stop.set()  # on an interrupt: no worker starts another request


def stress_phases(args, w, sims, agent, setters, expected, stop):
    """Warm-up, load, idle, final check and report; True when it passed."""
    pid = agent.proc.pid
    warm = Tally()
    run_parallel(workers(w, args, setters, expected, warm, stop, rounds=1, first=0))
    baseline = settled_sample(pid)
    print_sample("after warm-up:", baseline)
    mark = agentlog.log_mark(agent)

    tally = Tally()
    cpu0 = peers_cpu(w, sims)
    t0 = time.monotonic()
    sampler = RssSampler(pid, args.sample_every)
    sampler.start()
    try:
        walls = run_parallel(workers(w, args, setters, expected, tally, stop,
                                     rounds=args.rounds, first=1))
    finally:
        sampler.stop()
    seconds = time.monotonic() - t0
    cpu1 = peers_cpu(w, sims)
    load = Load(seconds, walls, *(b - a for a, b in zip(cpu0, cpu1)))
    loaded = settled_sample(pid)
    print_sample("after load:", loaded)
    time.sleep(args.idle)
    idle = settled_sample(pid)
    print_sample(f"after {args.idle:g}s idle:", idle)

    tally.failures[:0] = [f"warm-up {f}" for f in warm.failures]
    final = verify_channels(w, sims, setters, tally)
    problems = agentlog.log_problems(agent, mark)
    return report(args, tally, load, (baseline, loaded, idle, sampler.series),
                  final, problems)


class RssSampler:
    """VmRSS every `every` seconds while the load runs: a leak shows as a
    slope, a one-time cost as a step."""

    def __init__(self, pid, every):
        self.pid = pid
        self.every = every
        self.series = []  # (seconds since start, KiB)
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.run, name="rss", daemon=True)

    def start(self):
        self.thread.start()

    def run(self):
        t0 = time.monotonic()
        while not self.done.wait(self.every):
            try:
                self.series.append((time.monotonic() - t0,
                                    sample_process(self.pid).rss_kib))
            except OSError:
                return

    def stop(self):
        self.done.set()
        self.thread.join()


def report_trend(series, shown=16):
    """At most `shown` evenly spaced samples of the series, and its slope."""
    if len(series) < 2:
        return
    step = max(1, math.ceil(len(series) / shown))
    picked = series[::step]
    if picked[-1] is not series[-1]:
        picked.append(series[-1])
    print("  RSS during the load (s: KiB): " +
          ", ".join(f"{t:.0f}: {kib}" for t, kib in picked))
    n = len(series)
    if n < 6:
        return  # too few points for a slope worth printing
    mean_t = sum(t for t, _ in series) / n
    mean_k = sum(k for _, k in series) / n
    var = sum((t - mean_t) ** 2 for t, _ in series)
    slope = sum((t - mean_t) * (k - mean_k) for t, k in series) / var if var else 0.0
    print(f"  RSS trend during the load: {slope * 60:+.1f} KiB/min (least squares, "
          f"{n} samples)")


def workers(w, args, setters, expected, tally, stop, rounds, first):
    jobs = [(f"walker{i + 1}",
             lambda n=f"walker{i + 1}": run_walker(w, n, rounds, expected, tally, stop))
            for i in range(args.walkers)]
    jobs += [(s.name,
              lambda s=s, j=j: run_setter(w, s, j, first, rounds, tally, stop))
             for j, s in enumerate(setters)]
    # counted before any thread starts: the first walks see every setter
    tally.setter_running(len(setters))
    return jobs


def report(args, tally, load, samples, final, problems):
    baseline, loaded, idle, series = samples
    walls, load_seconds = load.walls, load.seconds
    lat = tally.latency
    growth = idle.rss_kib - baseline.rss_kib
    print()
    print(f"load: {args.walkers} walkers x {args.rounds} bulkwalks, {args.setters} setters "
          f"x {args.rounds} rounds (valid SET + read-back GET + invalid SET), "
          f"{args.bmcs} BMCs, refresh_interval {args.refresh_interval}s")
    print(f"  wall time {load_seconds:.1f}s; walkers done after "
          f"{max((v for k, v in walls.items() if k.startswith('walker')), default=0):.1f}s, "
          f"setters after "
          f"{max((v for k, v in walls.items() if k.startswith('setter')), default=0):.1f}s")
    print(f"  requests {tally.requests} ({tally.requests / load_seconds:.1f}/s), "
          f"varbinds {tally.varbinds}, failures {len(tally.failures)}")
    invalid = ", ".join(f"{k} {v}" for k, v in sorted(tally.invalid.items()))
    print(f"  invalid SETs answered with the expected status: "
          f"{sum(tally.invalid.values())} ({invalid})")
    if "walk" in lat or "walk, no SETs" not in lat:
        print("  " + latency_line("walk while SETs run", lat.get("walk", [])))
    if "walk, no SETs" in lat:
        print("  " + latency_line("walk, no SETs running", lat["walk, no SETs"]))
    print("  " + latency_line("valid set (snmpset)", lat.get("set", [])))
    print("  " + latency_line("read-back (snmpget)", lat.get("get", [])))
    print("  " + latency_line("invalid set (snmpset)", lat.get("invalid set", [])))
    print(f"  RSS: baseline {baseline.rss_kib} KiB, after load {loaded.rss_kib} KiB "
          f"({loaded.rss_kib - baseline.rss_kib:+d}), after idle {idle.rss_kib} KiB "
          f"({growth:+d}); threshold +{args.rss_threshold} KiB; VmHWM {idle.hwm_kib} KiB")
    report_trend(series)
    print(f"  threads {baseline.threads} -> {idle.threads}, fds {baseline.fds} -> {idle.fds}")
    busy = loaded.cpu_seconds - baseline.cpu_seconds
    print(f"  agent CPU during the load {busy:.2f}s ({100.0 * busy / load_seconds:.0f}% of one "
          f"core); snmpd {load.master_cpu:.2f}s; ipmi_sim {load.sims_cpu:.2f}s; "
          f"clients and this script {load.clients_cpu:.2f}s")
    print_outcome(final, problems, tally.failures)
    return judge(args, tally, baseline, idle)


def print_outcome(final, problems, failures):
    print("final state (ipmitool and agent):")
    for line in final:
        print(line)
    if problems:
        print(f"agent warnings/errors during the load: {len(problems)}")
        for line in problems[:5]:
            print(f"  {line}")
    for f in failures[:MAX_FAILURE_LINES]:
        print(f"FAILURE {f}")
    if len(failures) > MAX_FAILURE_LINES:
        print(f"... and {len(failures) - MAX_FAILURE_LINES} more failures")


def judge(args, tally, baseline, idle):
    """Print the verdict; True when the run passed."""
    growth = idle.rss_kib - baseline.rss_kib
    verdict = []
    if tally.failures:
        verdict.append(f"{len(tally.failures)} failures")
    if growth > args.rss_threshold:
        verdict.append(f"RSS grew {growth} KiB > {args.rss_threshold} KiB")
    if idle.threads != baseline.threads:
        verdict.append(f"thread count changed {baseline.threads} -> {idle.threads}")
    # An agent may hold one IPMI session (a socket) per BMC that has work
    # queued, a refresh for one: more than that is a leak.
    if idle.fds > baseline.fds + args.bmcs:
        verdict.append(f"descriptor count grew {baseline.fds} -> {idle.fds}, more than one "
                       f"per BMC")
    print("RESULT: " + ("PASS" if not verdict else "FAIL (" + "; ".join(verdict) + ")"))
    return not verdict


# --- scaling ----------------------------------------------------------------------


def timed_runs(fn, times):
    out = []
    for _ in range(times):
        t0 = time.monotonic()
        fn()
        out.append(time.monotonic() - t0)
    return out


def ms_summary(values):
    ms = [v * 1000.0 for v in values]
    return f"median {percentile(ms, 50):6.1f} ms  max {max(ms):6.1f} ms  (n={len(ms)})"


def scaling_one(args, bmcs):
    """Walk time, idle RSS and SET address+netmask+gateway with `bmcs` BMCs."""
    w = new_world(args)
    ok = False
    try:
        sims, agent, walk = setup_world(w, args, bmcs)
        n = len(walk)
        # Each poller thread's first refreshes still allocate (its malloc
        # arena, FreeIPMI contexts): the idle figure is taken after them.
        time.sleep(args.settle)
        idle = sample_process(agent.proc.pid)

        def check_walk(getter):
            vars_ = getter()
            if len(vars_) != n:
                raise wm.WorldError(f"walk returned {len(vars_)} varbinds, not {n}")

        base = timed_runs(lambda: w.snmpget("SNMPv2-MIB::sysUpTime.0"), args.samples)
        walks = timed_runs(lambda: check_walk(w.snmpwalk), args.samples)
        bulks = timed_runs(lambda: check_walk(w.snmpbulkwalk), args.samples)
        sets = []
        for i in range(args.samples):
            ip = f"192.0.2.{100 + i}"
            res = w.snmpset(("ipmiChannelIpAddress.1.1", "a", ip),
                            ("ipmiChannelNetmask.1.1", "a", "255.255.255.0"),
                            ("ipmiChannelGateway.1.1", "a", f"192.0.2.{200 + i}"))
            if not res.ok:
                raise wm.WorldError(f"SET address/netmask/gateway: {res.status} {res.stderr}")
            sets.append(res.elapsed)
        lan = sims[0].lan_print(1)
        last = args.samples - 1
        if (lan["IP Address"], lan["Default Gateway IP"]) != (
                f"192.0.2.{100 + last}", f"192.0.2.{200 + last}"):
            raise wm.WorldError(f"BMC 1 channel 1 after the SETs: {lan}")
        print(f"{bmcs} BMC(s) x {CHANNELS_PER_BMC} channels, {n} varbinds:")
        print(f"  agent idle:                   {idle.line()}")
        print(f"  snmpget sysUpTime.0 (client+master only): {ms_summary(base)}")
        print(f"  snmpwalk of the MIB root:     {ms_summary(walks)}")
        print(f"  snmpbulkwalk (-Cr10):         {ms_summary(bulks)}")
        print(f"  snmpset ip+netmask+gateway:   {ms_summary(sets)}")
        ok = True
    finally:
        w.finish(not ok, keep=args.keep)


def scaling(args):
    for bmcs in args.scaling_bmcs:
        scaling_one(args, bmcs)
    return 0


# --- main ---------------------------------------------------------------------------


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Bounded stress benchmark of ipmi-agentx (see the module docstring).")
    add_common_args(p)
    p.add_argument("--walkers", type=int, default=4, help="parallel walkers (default 4)")
    p.add_argument("--setters", type=int, default=None,
                   help="parallel setters, one channel each (default: every channel)")
    p.add_argument("--rounds", type=int, default=150,
                   help="walks per walker and SET rounds per setter (default 150)")
    p.add_argument("--bmcs", type=int, default=2,
                   help=f"simulated BMCs of {CHANNELS_PER_BMC} channels (1..{MAX_BMCS}, default 2)")
    p.add_argument("--refresh-interval", type=int, default=2,
                   help="the agent's refresh_interval in seconds (default 2)")
    p.add_argument("--idle", type=float, default=6.0,
                   help="seconds of idle before the last RSS sample (default 6)")
    p.add_argument("--rss-threshold", type=int, default=1024,
                   help="allowed RSS growth after warm-up, KiB (default 1024)")
    p.add_argument("--sample-every", type=float, default=5.0,
                   help="seconds between RSS samples during the load (default 5)")
    p.add_argument("--scaling", action="store_true",
                   help="measure walk time, idle RSS and SET time with 1 and 8 BMCs instead")
    p.add_argument("--scaling-bmcs", type=int, nargs="+", default=[1, 8],
                   help="BMC counts for --scaling (default 1 8)")
    p.add_argument("--settle", type=float, default=20.0,
                   help="seconds after sync before --scaling samples the idle RSS (default 20)")
    p.add_argument("--samples", type=int, default=10,
                   help="repetitions of each --scaling measurement (default 10)")
    args = p.parse_args(argv)
    if args.setters is None:
        args.setters = args.bmcs * CHANNELS_PER_BMC
    for n in [args.bmcs, *args.scaling_bmcs]:
        if not 1 <= n <= MAX_BMCS:
            p.error(f"BMC counts must be 1..{MAX_BMCS}")
    if min(args.walkers, args.setters) < 0 or min(args.rounds, args.samples) < 1:
        p.error("walkers and setters must not be negative, rounds and samples at least 1")
    if args.setters > args.bmcs * CHANNELS_PER_BMC:
        p.error(f"{args.setters} setters need as many channels; {args.bmcs} BMCs have "
                f"{args.bmcs * CHANNELS_PER_BMC}")
    check_inputs(p, args)
    return args


def main(argv):
    args = parse_args(argv)
    interrupt_on_sigterm()
    print(f"ipmi-agentx stress benchmark, {time.strftime('%Y-%m-%d %H:%M:%S')}, "
          f"{os.cpu_count()} CPUs, agent {args.agent}")
    try:
        return scaling(args) if args.scaling else stress(args)
    except wm.WorldError as exc:
        print(f"stress: the world failed: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("stress: interrupted", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
