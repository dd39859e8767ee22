# SPDX-License-Identifier: GPL-3.0-or-later
"""Hostile replies: one agent, two BMCs, one of them lying.

alpha (ipmiBmcIndex 1, an ipmi_sim with two LAN channels) is reached over
IPMI 1.5 (driver lan, MD5) through relays.HostileRelay, which mutates a
seeded fraction of its replies: truncated, extended, bit-flipped, odd
completion codes, duplicated, dropped, late and stale, each rewritten reply
re-signed so that the agent's libfreeipmi takes it for the BMC's. beta (2,
one channel) is reached directly over IPMI 2.0 and never touched.

For HOSTILE_SECONDS (env IPMI_AGENTX_HOSTILE_SECONDS, default 60) the test
walks the module, GETs single objects, and SETs VLAN IDs and priorities on
both BMCs, one request at a time (snmpd holds other requests during a SET,
so a GET never waits behind one). Throughout:

- the agent stays alive and every GET and walk answers within GET_LIMIT;
- beta's rows are exactly what the test knows it holds (its first reading
  by ipmitool, then the SETs the test made, each of which must succeed),
  at every walk, and equal to `ipmitool lan print` now and then;
- every value published for alpha is within the MIB's ranges, and is a
  value alpha really held (its first reading, or a value the test wrote to
  it) or one a forged reply said (decoded from the relay's record of what
  it sent, as the agent decodes it): never one the agent made up;
- alpha's counters never go backwards, its rows are only channels 1 and 2.

Then mutation stops, and within a few refreshes alpha's rows must equal
what ipmitool reads from alpha, no set-in-progress lock may be left taken
on its channels, and a SET on it must work again. The agent's CPU time over
the hostile phase must stay below CPU_SHARE of the wall time (no spinning),
and its log must hold no sanitizer report (the sanitizer build aborts on
one: the agent would also be dead).

test_lock_granted_unseen_is_released makes what this run found most often
deterministic: one reply to a set-in-progress lock request mutated on
purpose (lost, late, an odd completion code, none), while the BMC did take
the lock; the channel must not stay locked.

The seed is random unless IPMI_AGENTX_HOSTILE_SEED says it; it is printed,
named in every failure and written with every mutation to hostile.log in
the world's directory (kept when the test fails). IPMI_AGENTX_HOSTILE_RATE
sets the fraction of replies mutated (default 0.1), IPMI_AGENTX_HOSTILE_KINDS
limits the mutations to some of relays.HOSTILE_KINDS (comma-separated).
"""

import ipaddress
import os
import random
import time

import pytest

from agentlog import log_mark, log_since
from bmcside import set_in_progress_state
from relays import HOSTILE_KINDS, HostileRelay
from world import (FALSE, TRUE, WorldError, attach_world, channel_row_from_lan, comparable_row,
                   cpu_seconds, mac_bytes, module_world)

HOSTILE_SECONDS = float(os.environ.get("IPMI_AGENTX_HOSTILE_SECONDS") or 60)
RATE = float(os.environ.get("IPMI_AGENTX_HOSTILE_RATE") or 0.1)
SEED = int(os.environ.get("IPMI_AGENTX_HOSTILE_SEED")
           or random.SystemRandom().randrange(1 << 32))
# A comma-separated subset of relays.HOSTILE_KINDS (default: all), to chase one.
KINDS = tuple(k for k in (os.environ.get("IPMI_AGENTX_HOSTILE_KINDS") or
                          ",".join(HOSTILE_KINDS)).split(",") if k)
REFRESH = 2           # the agent's refresh_interval (s)
GET_LIMIT = 3.0       # every GET and walk answers within this (s)
CPU_SHARE = 0.5       # the agent's CPU time / wall time over the hostile phase
CONVERGE = 8 * REFRESH  # alpha reads true again within this after mutation stops (s)

ALPHA, BETA = 1, 2  # ipmiBmcIndex
ALPHA_CHANNELS = (1, 2)
VLAN = "ipmiChannelVlanId"
PRIO = "ipmiChannelVlanPriority"
IDENTITY = ("ipmiBmcManufacturerId", "ipmiBmcFirmwareVersion", "ipmiBmcIpmiVersion")
COUNTER_COLUMNS = ("ipmiBmcRefreshes", "ipmiBmcRefreshFailures", "ipmiBmcSetsApplied",
                   "ipmiBmcSetsFailed")
SANITIZER_MARKS = ("runtime error", "AddressSanitizer", "LeakSanitizer",
                   "UndefinedBehaviorSanitizer", "ThreadSanitizer")

# Get LAN Configuration Parameters selectors the agent reads (IPMI 2.0, 23.2).
SEL_IP, SEL_SOURCE, SEL_MAC, SEL_NETMASK, SEL_GATEWAY, SEL_VLAN_ID, SEL_VLAN_PRIO = \
    3, 4, 5, 6, 12, 20, 21
NETFN_APP_RS, NETFN_TRANSPORT_RS = 0x07, 0x0D
CMD_GET_DEVICE_ID, CMD_SET_LAN_PARAMS, CMD_GET_LAN_PARAMS = 0x01, 0x01, 0x02


def tell(msg):
    return f"[hostile seed {SEED}] {msg}"


# --- what a reply says, decoded as the agent decodes it -------------------------


def dotted(octets):
    return ".".join(str(b) for b in octets)


def lan_reply_values(selector, data):
    """{column: value} that Get LAN parameter `selector` data bytes (after
    the revision byte) stand for in ipmiChannelEntry (bmc/bmc_lan.c)."""
    need = {SEL_SOURCE: 1, SEL_IP: 4, SEL_NETMASK: 4, SEL_GATEWAY: 4, SEL_MAC: 6,
            SEL_VLAN_ID: 2, SEL_VLAN_PRIO: 1}.get(selector)
    if need is None or len(data) < need:
        return {}
    if selector == SEL_SOURCE:
        src = data[0] & 0x0F
        return {} if src > 4 else {"ipmiChannelDhcp": TRUE if src == 2 else FALSE}
    if selector == SEL_IP:
        ip = dotted(data[:4])
        return {"ipmiChannelIpAddress": ip,
                "ipmiChannelManageUrl": "" if ip == "0.0.0.0" else f"https://{ip}/"}
    if selector == SEL_NETMASK:
        return {"ipmiChannelNetmask": dotted(data[:4])}
    if selector == SEL_GATEWAY:
        return {"ipmiChannelGateway": dotted(data[:4])}
    if selector == SEL_MAC:
        return {"ipmiChannelMacAddress": bytes(data[:6])}
    if selector == SEL_VLAN_ID:
        vid = data[0] | (data[1] & 0x0F) << 8
        return {VLAN: vid if data[1] & 0x80 else 0}
    return {PRIO: data[0] & 0x07}


def devid_values(data):
    """{column: value} of Get Device ID data bytes (bmc/devid.c), {} when
    the agent must refuse them."""
    if len(data) < 11:
        return {}
    minor, version = data[3], data[4]
    manufacturer = data[6] | data[7] << 8 | (data[8] & 0x0F) << 16

    def bcd(v):
        return (v & 0x0F) <= 9 and (v >> 4) <= 9

    if not bcd(minor) or not bcd(version) or manufacturer == 0xFFFFF:
        return {}
    return {"ipmiBmcManufacturerId": manufacturer,
            "ipmiBmcFirmwareVersion": f"{data[2] & 0x7F}.{minor:02x}",
            "ipmiBmcIpmiVersion": f"{version & 0x0F}.{version >> 4}"}


class Known:
    """Every value alpha held, and every value a forged reply of the relay
    said, per (channel or "bmc", column)."""

    def __init__(self):
        self.held = {}
        self.forged = {}
        self.published_forged = set()  # (where, column, value) seen published
        self._forged_seen = 0

    @staticmethod
    def _add(table, where, column, value):
        table.setdefault((where, column), set()).add(
            bytes(value) if isinstance(value, (bytes, bytearray)) else value)

    def add(self, where, column, value):
        self._add(self.held, where, column, value)

    def add_row(self, where, row, forged=False):
        for col, val in row.items():
            self._add(self.forged if forged else self.held, where, col, val)

    def has(self, where, column, value):
        """Held by alpha or said by a forged reply (noted as published)."""
        if value in self.held.get((where, column), set()):
            return True
        if value in self.forged.get((where, column), set()):
            self.published_forged.add((where, column, value))
            return True
        return False

    def was_held(self, where, column, value):
        return value in self.held.get((where, column), set())

    def take_forged(self, relay):
        """Add what the relay's rewritten replies said since the last call."""
        muts = relay.mutated()
        for m in muts[self._forged_seen:]:
            if not m.forged or len(m.after) < 8 or m.after[6] != 0:
                continue
            data = m.after[7:-1]
            if m.netfn == NETFN_APP_RS and m.cmd == CMD_GET_DEVICE_ID:
                self.add_row("bmc", devid_values(data), forged=True)
            elif m.netfn == NETFN_TRANSPORT_RS and m.cmd == CMD_GET_LAN_PARAMS:
                # data[0] is the parameter revision; the request says which
                # channel and parameter (unknown: any of them)
                if len(m.request) >= 2:
                    chans, sels = [m.request[0] & 0x0F], [m.request[1]]
                else:
                    chans, sels = ALPHA_CHANNELS, [SEL_IP, SEL_SOURCE, SEL_MAC, SEL_NETMASK,
                                                   SEL_GATEWAY, SEL_VLAN_ID, SEL_VLAN_PRIO]
                for ch in chans:
                    for sel in sels:
                        self.add_row(ch, lan_reply_values(sel, data[1:]), forged=True)
        self._forged_seen = len(muts)


# --- checks of one walk -------------------------------------------------------------


def is_ipv4(text):
    try:
        ipaddress.IPv4Address(text)
        return True
    except ValueError:
        return False


def alpha_problems(brow, crows, known, prev_counters):
    """What is wrong with alpha's rows in one walk: out of the MIB's ranges,
    or a value alpha never held and no forged reply said."""
    bad = []

    def unknown(where, col, val):
        if not known.has(where, col, val):
            bad.append(f"{'BMC' if where == 'bmc' else f'channel {where}'} {col} = {val!r}: "
                       "neither held by alpha nor said by any reply")

    if brow.get("ipmiBmcName") != "alpha":
        bad.append(f"ipmiBmcName = {brow.get('ipmiBmcName')!r}")
    if brow.get("ipmiBmcReachable") not in (TRUE, FALSE):
        bad.append(f"ipmiBmcReachable = {brow.get('ipmiBmcReachable')!r}")
    man = brow.get("ipmiBmcManufacturerId")
    if not isinstance(man, int) or not 0 <= man <= 0xFFFFF:
        bad.append(f"ipmiBmcManufacturerId = {man!r} outside 0..1048575")
    for col in IDENTITY:
        unknown("bmc", col, brow.get(col))
    if brow.get("ipmiBmcPasswordUserId") != 2:
        bad.append(f"ipmiBmcPasswordUserId = {brow.get('ipmiBmcPasswordUserId')!r}")
    if brow.get("ipmiBmcPassword") != "":
        bad.append("ipmiBmcPassword is readable")
    if brow.get("ipmiBmcIdentify") != 0 or brow.get("ipmiBmcIdentifyForce") != FALSE:
        bad.append(f"identify {brow.get('ipmiBmcIdentify')!r}/"
                   f"{brow.get('ipmiBmcIdentifyForce')!r} (never set)")
    if not isinstance(brow.get("ipmiBmcLastError"), str):
        bad.append(f"ipmiBmcLastError = {brow.get('ipmiBmcLastError')!r}")
    for col in COUNTER_COLUMNS:
        val = brow.get(col)
        if not isinstance(val, int) or val < prev_counters.get(col, 0):
            bad.append(f"{col} = {val!r}, was {prev_counters.get(col)}")
    for key, row in crows.items():
        ch = key[1]
        if ch not in ALPHA_CHANNELS or len(key) != 2:
            bad.append(f"a row {key} that alpha does not have: {row}")
            continue
        mac = row.get("ipmiChannelMacAddress")
        if mac is not None:
            mac = mac_bytes(mac)
            if len(mac) != 6:
                bad.append(f"channel {ch} MAC {mac.hex(':')} is not 6 octets")
            unknown(ch, "ipmiChannelMacAddress", mac)
        if row.get("ipmiChannelDhcp") not in (TRUE, FALSE):
            bad.append(f"channel {ch} ipmiChannelDhcp = {row.get('ipmiChannelDhcp')!r}")
        else:
            unknown(ch, "ipmiChannelDhcp", row["ipmiChannelDhcp"])
        for col in ("ipmiChannelIpAddress", "ipmiChannelNetmask", "ipmiChannelGateway"):
            if not is_ipv4(row.get(col, "")):
                bad.append(f"channel {ch} {col} = {row.get(col)!r} is not an IPv4 address")
            else:
                unknown(ch, col, row[col])
        if VLAN in row:  # absent: unsupported (noSuchInstance), never made up
            if not isinstance(row[VLAN], int) or not 0 <= row[VLAN] <= 4094:
                bad.append(f"channel {ch} {VLAN} = {row[VLAN]!r} outside 0..4094")
            unknown(ch, VLAN, row[VLAN])
        if PRIO in row:
            if not isinstance(row[PRIO], int) or not 0 <= row[PRIO] <= 7:
                bad.append(f"channel {ch} {PRIO} = {row[PRIO]!r} outside 0..7")
            unknown(ch, PRIO, row[PRIO])
        ip, url = row.get("ipmiChannelIpAddress"), row.get("ipmiChannelManageUrl")
        if url != ("" if ip == "0.0.0.0" else f"https://{ip}/"):
            bad.append(f"channel {ch} ipmiChannelManageUrl {url!r} does not follow IP {ip!r}")
    return bad


def alpha_view(w, walk):
    return (w.bmc_rows(walk).get(ALPHA, {}),
            {k: comparable_row(r) for k, r in w.channel_rows(walk).items() if k[0] == ALPHA})


def beta_view(w, walk):
    return (w.bmc_rows(walk).get(BETA, {}),
            {k: comparable_row(r) for k, r in w.channel_rows(walk).items() if k[0] == BETA})


# --- the run ---------------------------------------------------------------------


class Run:
    """The test's state: the world, the relay, what it knows and saw."""

    def __init__(self, w, alpha, beta, relay, agent):
        self.w, self.alpha, self.beta, self.relay, self.agent = w, alpha, beta, relay, agent
        self.known = Known()
        self.beta_rows = {}       # (BETA, ch) -> the row beta must show
        self.beta_identity = {}
        self.counters = {}
        self.slowest = 0.0
        self.walks = 0
        self.beta_checks = 0
        self.alpha_sets = {}      # status -> count
        self.beta_sets = 0
        self.beta_unreachable = 0
        self.alpha_problems = []  # "elapsed where: problem", each problem once
        self._seen_problems = set()
        self.t0 = 0.0             # time.monotonic() when the mutation began

    def alive(self, what):
        if not self.agent.proc.running():
            raise AssertionError(tell(
                f"the agent died ({self.agent.proc.returncode()}) {what}; last mutations:\n"
                + "\n".join(str(m) for m in self.relay.mutated()[-15:])))

    def timed(self, what, fn, *args, **kw):
        t0 = time.monotonic()
        try:
            out = fn(*args, **kw)
        except WorldError as exc:
            self.alive(what)
            raise AssertionError(tell(f"{what} did not answer: {exc}")) from exc
        took = time.monotonic() - t0
        self.slowest = max(self.slowest, took)
        assert took < GET_LIMIT, tell(f"{what} took {took:.2f}s (limit {GET_LIMIT}s)")
        return out

    def check_beta(self, walk, where):
        brow, crows = beta_view(self.w, walk)
        assert crows == self.beta_rows, tell(
            f"{where}: beta's rows {crows} != {self.beta_rows}")
        got = {c: brow.get(c) for c in IDENTITY}
        assert got == self.beta_identity, tell(f"{where}: beta's identity {got}")
        if brow.get("ipmiBmcReachable") != TRUE:
            self.beta_unreachable += 1
        self.beta_checks += 1

    def check_alpha(self, walk, where, elapsed):
        self.known.take_forged(self.relay)
        brow, crows = alpha_view(self.w, walk)
        bad = alpha_problems(brow, crows, self.known, self.counters)
        self.counters = {c: brow.get(c, 0) for c in COUNTER_COLUMNS}
        for p in bad:
            if p not in self._seen_problems and len(self.alpha_problems) < 20:
                self._seen_problems.add(p)
                self.alpha_problems.append(f"{elapsed:6.1f}s {where}: {p}")

    def check_alpha_get(self, vlan, reachable, where, elapsed):
        """alpha's VLAN ID of channel 1 and its reachability, as one GET gave them."""
        self.known.take_forged(self.relay)
        bad = []
        if not vlan.exception and not (isinstance(vlan.value, int) and 0 <= vlan.value <= 4094
                                       and self.known.has(1, VLAN, vlan.value)):
            bad.append(f"GET channel 1 {VLAN} = {vlan.value!r}: out of range, or neither held "
                       "by alpha nor said by any reply")
        if reachable.value not in (TRUE, FALSE):
            bad.append(f"GET ipmiBmcReachable = {reachable.value!r}")
        for p in bad:
            if p not in self._seen_problems and len(self.alpha_problems) < 20:
                self._seen_problems.add(p)
                self.alpha_problems.append(f"{elapsed:6.1f}s {where}: {p}")

    def walk(self, where, elapsed, bulk=False):
        self.alive(where)
        fn = self.w.snmpbulkwalk if bulk else self.w.snmpwalk
        walk = self.timed(f"{'bulk' if bulk else ''}walk {where}", fn, timeout=GET_LIMIT)
        self.walks += 1
        self.check_beta(walk, where)
        self.check_alpha(walk, where, elapsed)
        return walk

    def set_beta(self, varbinds, where):
        res = self.w.snmpset(*varbinds)
        assert res.status == "noError", tell(f"{where}: SET {varbinds} on beta: "
                                             f"{res.status} {res.stderr.strip()}")
        for oid, _, value in varbinds:
            name, bmc, ch = oid.split(".")
            self.beta_rows[(int(bmc), int(ch))][name] = value
        self.beta_sets += 1

    def set_alpha(self, varbinds, where):
        for oid, _, value in varbinds:
            name, _, ch = oid.split(".")
            self.known.add(int(ch), name, value)  # held, or maybe held, from now on
        res = self.w.snmpset(*varbinds)
        self.alive(f"after SET {varbinds} on alpha")
        assert res.status != "timeout", tell(f"{where}: SET {varbinds} on alpha: no answer "
                                             f"in {res.elapsed:.1f}s")
        self.alpha_sets[res.status] = self.alpha_sets.get(res.status, 0) + 1
        return res


def lock_mutations(relay, channel):
    """The mutated replies to Set LAN Configuration Parameters 0 (set in
    progress) of a channel: what may have left its lock taken."""
    return [str(m) for m in relay.mutated()
            if m.netfn == NETFN_TRANSPORT_RS and m.cmd == CMD_SET_LAN_PARAMS
            and len(m.request) >= 3 and m.request[0] & 0x0F == channel and m.request[1] == 0]


def write_log(run, extra=""):
    path = run.w.dir / "hostile.log"
    with open(path, "w") as f:
        f.write(run.relay.summary() + "\n" + extra + "\n")
        for m in run.relay.mutated():
            f.write(str(m) + "\n")
        f.write("\nthe last datagrams relayed (replies as the BMC sent them; times are "
                f"time.monotonic(), the hostile phase began at {run.t0:.3f}):\n")
        for line in run.relay.trace_lines():
            f.write(line + "\n")
    return path


def test_hostile_replies(aworld):
    w = aworld
    print(f"\nhostile seed {SEED} (IPMI_AGENTX_HOSTILE_SEED={SEED} replays it), rate {RATE}, "
          f"{HOSTILE_SECONDS:.0f}s, {', '.join(KINDS)}")
    assert set(KINDS) <= set(HOSTILE_KINDS), KINDS
    alpha = w.sim("alpha", channels=len(ALPHA_CHANNELS), sim_id=1)
    beta = w.sim("beta", channels=1, sim_id=2)
    relay = HostileRelay(alpha.port, alpha.admin_password, SEED, rate=RATE, kinds=KINDS).start()
    try:
        agent = w.start_agent([alpha, beta], refresh_interval=REFRESH, bmc_overrides={
            "alpha": {"driver": "lan", "port": relay.port, "cipher_suite": None,
                      "workarounds": None},
            # room for a loaded machine: beta's reads must never fail
            "beta": {"timeout_ms": 3000}})
        run = Run(w, alpha, beta, relay, agent)
        try:
            hostile_run(run)
        finally:
            print(relay.summary())
            print(f"log of every mutation: {write_log(run)}")
    finally:
        relay.stop()


def hostile_run(run):
    w, alpha, beta, relay, agent = run.w, run.alpha, run.beta, run.relay, run.agent
    walk = agent.wait_synced()

    # What is true before the first lie.
    for ch in ALPHA_CHANNELS:
        run.known.add_row(ch, channel_row_from_lan(alpha.lan_print(ch)))
    run.beta_rows = {(BETA, 1): comparable_row(channel_row_from_lan(beta.lan_print(1)))}
    brow, _ = beta_view(w, walk)
    run.beta_identity = {c: brow.get(c) for c in IDENTITY}
    arow, _ = alpha_view(w, walk)
    # Both simulators are the same emulated MC: one identity.
    assert {c: arow.get(c) for c in IDENTITY} == run.beta_identity, (arow, brow)
    run.known.add_row("bmc", run.beta_identity)
    run.check_beta(walk, "before")
    run.check_alpha(walk, "before", 0.0)
    assert not run.alpha_problems, run.alpha_problems

    rng = random.Random(SEED)  # the test's own choices of values
    relay.set_active(True)
    t0 = run.t0 = time.monotonic()
    cpu0 = cpu_seconds(agent.proc.pid)
    step = 0
    while time.monotonic() - t0 < HOSTILE_SECONDS:
        step += 1
        elapsed = time.monotonic() - t0
        where = f"step {step} ({elapsed:.0f}s)"
        run.walk(where, elapsed, bulk=step % 4 == 0)
        if step % 3 == 0:
            vid = rng.choice([0, 10, 100, 4094])
            prio = rng.randrange(8)
            ch = rng.choice(ALPHA_CHANNELS)
            run.set_alpha([(f"{PRIO}.{ALPHA}.{ch}", "i", prio)] if step % 2 else
                          [(f"{VLAN}.{ALPHA}.{ch}", "i", vid), (f"{PRIO}.{ALPHA}.{ch}", "i", prio)],
                          where)
            run.walk(where + " after alpha SET", elapsed)
        elif step % 3 == 1:
            prio = rng.randrange(8)
            vid = rng.choice([0, 20, 200, 4000])
            run.set_beta([(f"{PRIO}.{BETA}.1", "i", prio)] if step % 2 else
                         [(f"{VLAN}.{BETA}.1", "i", vid), (f"{PRIO}.{BETA}.1", "i", prio)],
                         where)
            run.walk(where + " after beta SET", elapsed)
        else:
            got = run.timed(f"GET {where}", w.snmpget, f"{VLAN}.{BETA}.1", f"{PRIO}.{BETA}.1",
                            f"{VLAN}.{ALPHA}.1", "ipmiBmcReachable.1", timeout=GET_LIMIT)
            assert [got[0].value, got[1].value] == [run.beta_rows[(BETA, 1)][VLAN],
                                                    run.beta_rows[(BETA, 1)][PRIO]], tell(
                f"{where}: GET of beta {got[:2]} != {run.beta_rows}")
            run.check_alpha_get(got[2], got[3], where, elapsed)
        if step % 10 == 0:  # beta seen from its own side
            want = comparable_row(channel_row_from_lan(beta.lan_print(1)))
            assert want == run.beta_rows[(BETA, 1)], tell(
                f"{where}: ipmitool reads beta as {want}, the test set {run.beta_rows}")
        time.sleep(0.3)
    wall = time.monotonic() - t0
    cpu = cpu_seconds(agent.proc.pid) - cpu0
    relay.set_active(False)
    print(f"hostile phase: {wall:.0f}s, {step} steps, {run.walks} walks, beta exact in "
          f"{run.beta_checks} checks (unreachable in {run.beta_unreachable}), "
          f"{run.beta_sets} beta SETs, alpha SETs {run.alpha_sets}, agent CPU {cpu:.1f}s, "
          f"slowest GET {run.slowest:.2f}s")

    # Mutation off. From here on every failed check is a finding, and all of
    # them are reported together.
    findings = []
    if cpu >= CPU_SHARE * wall:
        findings.append(f"the agent used {cpu:.1f}s of CPU in {wall:.0f}s")
    if run.beta_unreachable:
        findings.append(f"beta read as unreachable in {run.beta_unreachable} of "
                        f"{run.beta_checks} checks")
    if not relay.mutated() or not relay.authenticated:
        findings.append("the relay mutated nothing, or re-signed nothing "
                        f"({relay.authenticated} MD5 auth codes verified)")

    # Alpha converges to what it holds, without a lock left.
    w.wait_for(lambda: relay.pending() == 0, 5, "the relay's held-back replies")
    deadline = time.monotonic() + CONVERGE
    agreed = 0
    while agreed < 2:
        truth = {(ALPHA, ch): comparable_row(channel_row_from_lan(alpha.lan_print(ch)))
                 for ch in ALPHA_CHANNELS}
        locks = {ch: set_in_progress_state(alpha, ch) for ch in ALPHA_CHANNELS}
        walk = run.walk("converging", time.monotonic() - t0)
        brow, crows = alpha_view(w, walk)
        ident = {c: brow.get(c) for c in IDENTITY}
        ok = (crows == truth and brow.get("ipmiBmcReachable") == TRUE
              and ident == run.beta_identity and not any(locks.values()))
        agreed = agreed + 1 if ok else 0
        if not ok and time.monotonic() >= deadline:
            findings.append(
                f"alpha did not converge within {CONVERGE}s of the mutation's end: "
                f"reachable {brow.get('ipmiBmcReachable')}, last error "
                f"{brow.get('ipmiBmcLastError')!r}, identity {ident}, set-in-progress {locks}"
                + "".join(f"\n  channel {ch}: published {crows.get((ALPHA, ch))}"
                          f"\n  channel {ch}: ipmitool reads {truth[(ALPHA, ch)]}"
                          for ch in ALPHA_CHANNELS if crows.get((ALPHA, ch)) != truth[(ALPHA, ch)])
                + "".join(f"\n  channel {ch} is left locked; mutated replies to its "
                          "set-in-progress writes:\n    " + "\n    ".join(lock_mutations(relay, ch))
                          for ch, state in locks.items() if state))
            break
        time.sleep(REFRESH / 2)
    for ch in ALPHA_CHANNELS:
        for col, val in truth[(ALPHA, ch)].items():
            # a forged value may have been written back by a restore: say so
            if not run.known.has(ch, col, val):
                findings.append(f"alpha now holds channel {ch} {col} = {val!r}, which the test "
                                "never wrote and no reply said")
            elif not run.known.was_held(ch, col, val):
                print(f"alpha holds a value only a forged reply said: channel {ch} {col} = "
                      f"{val!r}")
    if run.known.published_forged:
        print("published as a forged reply said (the agent cannot tell): "
              + ", ".join(f"{'BMC' if w_ == 'bmc' else f'channel {w_}'} {c} = {v!r}"
                          for w_, c, v in sorted(run.known.published_forged, key=str)))

    # A SET on each of alpha's channels works again, and leaves no lock.
    for ch in ALPHA_CHANNELS:
        prio = (truth[(ALPHA, ch)][PRIO] + 1) % 8
        res = run.set_alpha([(f"{PRIO}.{ALPHA}.{ch}", "i", prio)], "after the mutation")
        held = int(alpha.lan_print(ch)["802.1q VLAN Priority"])
        shown = alpha_view(w, run.walk("final", time.monotonic() - t0))[1].get(
            (ALPHA, ch), {}).get(PRIO)
        lock = set_in_progress_state(alpha, ch)
        if res.status != "noError" or held != prio or shown != prio or lock:
            findings.append(f"SET of channel {ch}'s priority to {prio} after the mutation: "
                            f"{res.status} {res.stderr.strip()}; alpha holds {held}, the agent "
                            f"shows {shown}, set-in-progress {lock}")

    if run.alpha_problems:
        findings.append("alpha published values it did not read or outside the MIB:\n  "
                        + "\n  ".join(run.alpha_problems))
    try:
        agent.stop()  # exit 0 on SIGTERM (a sanitizer's leak report would make it fail)
    except WorldError as exc:
        findings.append(str(exc))
    log = log_since(agent)
    sanitizer = [line for line in log.splitlines() if any(m in line for m in SANITIZER_MARKS)]
    if sanitizer:
        findings.append("sanitizer reports in the agent log:\n  " + "\n  ".join(sanitizer[:20]))
    assert not findings, tell("\n".join(findings) + "\n(every mutation: hostile.log in the "
                              "world directory)")


# --- the lock request's reply, one hostile reply at a time -------------------------
#
# What the random run above keeps finding, made deterministic: the BMC takes
# the set-in-progress lock, but the agent does not see it granted. The reply
# was lost or late (libfreeipmi retransmits, and the BMC answers the copy
# 0x81 "set in progress"), or it carried a completion code other than
# success, or none at all. The channel must not stay locked (issue 13 item 8):
# once the SET is answered (or within two refreshes), the lock is free and
# the next SET on the channel works.

LOCK_CASES = [
    ("lost", "drop", None),
    ("late", "late", 0.5),
    ("busy-0xc0", "ccode", 0xC0),
    ("unspecified-0xff", "ccode", 0xFF),
    ("initialising-0xd2", "ccode", 0xD2),
    ("unsupported-0x80", "ccode", 0x80),
    ("no-completion-code", "truncate", 0),
]


@pytest.fixture(scope="module")
def lock_env(request, agent_bin, mibdirs, source_dir):
    """alpha (one channel) behind a HostileRelay that mutates nothing unless told."""
    with module_world(request, agent_bin, mibdirs, source_dir) as w:
        alpha = w.sim("alpha", channels=1, sim_id=1)
        relay = HostileRelay(alpha.port, alpha.admin_password, SEED, rate=0.0).start()
        try:
            agent = w.start_agent([alpha], refresh_interval=REFRESH, bmc_overrides={
                "alpha": {"driver": "lan", "port": relay.port, "cipher_suite": None,
                          "workarounds": None}})
            agent.wait_synced()
            yield w, alpha, relay, agent
        finally:
            relay.stop()


@pytest.mark.parametrize("kind,value", [c[1:] for c in LOCK_CASES],
                         ids=[c[0] for c in LOCK_CASES])
def test_lock_granted_unseen_is_released(request, lock_env, kind, value):
    w, alpha, relay, agent = lock_env
    attach_world(request, w)
    if set_in_progress_state(alpha, 1):  # a case before left it: start clean
        alpha.ipmitool("raw", "0x0c", "0x01", 1, 0, 0)
    prio = (int(alpha.lan_print(1)["802.1q VLAN Priority"]) + 1) % 8
    mark, before = log_mark(agent), len(relay.mutated())
    relay.force(NETFN_TRANSPORT_RS, CMD_SET_LAN_PARAMS, bytes([1, 0, 1]), kind, value)
    first = w.snmpset((f"{PRIO}.1.1", "i", prio))
    forced = relay.mutated()[before:]
    assert len(forced) == 1 and forced[0].request[:3] == bytes([1, 0, 1]), \
        [str(m) for m in forced]
    deadline = time.monotonic() + 2 * REFRESH + 1
    while set_in_progress_state(alpha, 1) and time.monotonic() < deadline:
        time.sleep(0.25)
    held = set_in_progress_state(alpha, 1)
    second = w.snmpset((f"{PRIO}.1.1", "i", (prio + 1) % 8))
    log = [line for line in log_since(agent, mark).splitlines()
           if "Set In Progress" in line or "lock" in line]
    wire = [line for line in relay.trace_lines()
            if "netfn 0x0c" in line and "cmd 0x01: 01 00" in line
            or "netfn 0x0d" in line and "cmd 0x01:" in line][-8:]
    assert not held and second.status == "noError", (
        f"lock reply {forced[0]}: the SET answered {first.status}; the lock is "
        f"{'still taken' if held else 'free'} {2 * REFRESH + 1}s later; the next SET "
        f"answered {second.status}\nagent:\n" + "\n".join(log)
        + "\nset-in-progress on the wire (replies as the BMC sent them):\n" + "\n".join(wire))
