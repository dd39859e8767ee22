# SPDX-License-Identifier: GPL-3.0-or-later
"""The SET path refusing and failing: exact error statuses, BMCs untouched.

A refused SET must leave the BMC exactly as it was, seen from the BMC side:
`ipmitool lan print` of every channel identical, no new `set` call of the
lan_config_program (ipmi_sim's only way to apply a LAN write), no new
chassis_control call; and the agent serves and logs no change.

The bad-input matrix shares one world: alpha (ipmiBmcIndex 1; channel 1
static 192.0.2.10/24 gateway .1, channel 2 DHCP) and beta (2; channel 1
static 192.0.2.20/24). Dead BMCs get worlds of their own.
"""

import threading
import time

import pytest

from agentlog import applied_lines, bmc_applied_lines, log_mark, log_since
from bmcside import BmcWitness
from world import (FALSE, TRUE, attach_world, channel_row_from_lan, comparable_row, counters,
                   module_world, stable_walk)

IP = "ipmiChannelIpAddress"
MASK = "ipmiChannelNetmask"
GW = "ipmiChannelGateway"
DHCP = "ipmiChannelDhcp"
VLAN = "ipmiChannelVlanId"
PRIO = "ipmiChannelVlanPriority"
# ipmiBmcTable's writable columns: one index, the BMC's.
PW = "ipmiBmcPassword"
IDENT = "ipmiBmcIdentify"
FORCE = "ipmiBmcIdentifyForce"

# (id, [(oid, snmpset type, value), ...], status, index of the failed varbind)
BAD_INPUT = [
    # wrongType: one for each kind of column
    ("ip-as-string", [(f"{IP}.1.1", "s", "192.0.2.50")], "wrongType", 0),
    ("netmask-as-integer", [(f"{MASK}.1.1", "i", 24)], "wrongType", 0),
    ("gateway-as-octets", [(f"{GW}.1.1", "x", "c00002fe")], "wrongType", 0),
    ("vlan-as-ipaddress", [(f"{VLAN}.1.1", "a", "1.2.3.4")], "wrongType", 0),
    ("priority-as-string", [(f"{PRIO}.1.1", "s", "3")], "wrongType", 0),
    ("password-as-integer", [(f"{PW}.1", "i", 12345678)], "wrongType", 0),
    ("dhcp-as-unsigned", [(f"{DHCP}.1.1", "u", 1)], "wrongType", 0),
    ("identify-as-string", [(f"{IDENT}.1", "s", "10")], "wrongType", 0),
    ("force-as-ipaddress", [(f"{FORCE}.1", "a", "1.1.1.1")], "wrongType", 0),
    # wrongLength
    ("password-empty", [(f"{PW}.1", "s", "")], "wrongLength", 0),
    ("password-21-octets", [(f"{PW}.1", "s", "Abcdefghij0123456789x")], "wrongLength", 0),
    # wrongValue: ranges
    ("vlan-4095", [(f"{VLAN}.1.1", "i", 4095)], "wrongValue", 0),
    ("vlan-minus-1", [(f"{VLAN}.1.1", "i", -1)], "wrongValue", 0),
    ("priority-8", [(f"{PRIO}.1.1", "i", 8)], "wrongValue", 0),
    ("identify-256", [(f"{IDENT}.1", "i", 256)], "wrongValue", 0),
    ("identify-minus-1", [(f"{IDENT}.1", "i", -1)], "wrongValue", 0),
    ("dhcp-truthvalue-0", [(f"{DHCP}.1.1", "i", 0)], "wrongValue", 0),
    ("dhcp-truthvalue-3", [(f"{DHCP}.1.1", "i", 3)], "wrongValue", 0),
    ("force-truthvalue-3", [(f"{FORCE}.1", "i", 3)], "wrongValue", 0),
    # wrongValue: shapes of addresses and masks
    ("netmask-holes", [(f"{MASK}.1.1", "a", "255.0.255.0")], "wrongValue", 0),
    ("netmask-empty", [(f"{MASK}.1.1", "a", "0.0.0.0")], "wrongValue", 0),
    ("ip-zero", [(f"{IP}.1.1", "a", "0.0.0.0")], "wrongValue", 0),
    ("ip-limited-broadcast", [(f"{IP}.1.1", "a", "255.255.255.255")], "wrongValue", 0),
    ("ip-multicast", [(f"{IP}.1.1", "a", "224.0.0.1")], "wrongValue", 0),
    ("ip-loopback", [(f"{IP}.1.1", "a", "127.0.0.1")], "wrongValue", 0),
    ("ip-class-e", [(f"{IP}.1.1", "a", "240.0.0.1")], "wrongValue", 0),
    ("gateway-multicast", [(f"{GW}.1.1", "a", "239.1.1.1")], "wrongValue", 0),
    # wrongValue: the password policy (default: 8..20 printable characters)
    ("password-7-chars", [(f"{PW}.1", "s", "Short7!")], "wrongValue", 0),
    ("password-control-byte", [(f"{PW}.1", "x", "50617373773072640a")], "wrongValue", 0),
    ("password-8bit-byte", [(f"{PW}.1", "x", "50617373773072e9")], "wrongValue", 0),
    # notWritable
    ("mac-address", [("ipmiChannelMacAddress.1.1", "x", "02005e010199")], "notWritable", 0),
    ("manage-url", [("ipmiChannelManageUrl.1.1", "s", "https://x/")], "notWritable", 0),
    ("bmc-name", [("ipmiBmcName.1", "s", "other")], "notWritable", 0),
    ("bmc-reachable", [("ipmiBmcReachable.1", "i", TRUE)], "notWritable", 0),
    # read-only columns of ipmiBmcTable: notWritable whatever the value's
    # type, length or range (RFC 3416 4.2.5 step 2 comes before steps 3-6)
    ("password-user-id", [("ipmiBmcPasswordUserId.1", "i", 3)], "notWritable", 0),
    ("password-user-id-as-string", [("ipmiBmcPasswordUserId.1", "s", "3")],
     "notWritable", 0),
    ("password-user-id-as-long-octets", [("ipmiBmcPasswordUserId.1", "x", "00" * 40)],
     "notWritable", 0),
    ("password-user-id-out-of-range", [("ipmiBmcPasswordUserId.1", "i", 99)],
     "notWritable", 0),
    ("refreshes", [("ipmiBmcRefreshes.1", "u", 0)], "notWritable", 0),
    ("refreshes-as-string", [("ipmiBmcRefreshes.1", "s", "0")], "notWritable", 0),
    ("refresh-failures", [("ipmiBmcRefreshFailures.1", "i", -1)], "notWritable", 0),
    ("sets-applied", [("ipmiBmcSetsApplied.2", "u", 0)], "notWritable", 0),
    ("sets-failed", [("ipmiBmcSetsFailed.2", "u", 4294967295)], "notWritable", 0),
    ("sets-failed-of-bmc-7", [("ipmiBmcSetsFailed.7", "u", 0)], "notWritable", 0),
    ("agent-version", [("ipmiAgentVersion.0", "s", "9.9.9")], "notWritable", 0),
    ("agent-uptime", [("ipmiAgentUptime.0", "t", 0)], "notWritable", 0),
    # a read-only column after a good varbind: nothing applies
    ("good-identify-notwritable-counter", [(f"{IDENT}.1", "i", 10),
                                           ("ipmiBmcSetsApplied.1", "u", 0)],
     "notWritable", 1),
    # noCreation
    ("channel-9-of-bmc-1", [(f"{VLAN}.1.9", "i", 5)], "noCreation", 0),
    ("bmc-7", [(f"{VLAN}.7.1", "i", 5)], "noCreation", 0),
    ("bmc-7-password", [(f"{PW}.7", "s", "Abcdefgh1")], "noCreation", 0),
    ("bmc-7-identify", [(f"{IDENT}.7", "i", 5)], "noCreation", 0),
    # the old channel-indexed form of a BMC column names no row
    ("password-two-indexes", [(f"{PW}.1.1", "s", "Abcdefgh1")], "noCreation", 0),
    ("identify-two-indexes", [(f"{IDENT}.1.1", "i", 5)], "noCreation", 0),
    # RFC 3416 4.2.5: the type is judged before the row's existence
    ("bmc-7-wrong-type", [(f"{VLAN}.7.1", "a", "1.2.3.4")], "wrongType", 0),
    # inconsistentValue: the merged row
    ("gateway-outside-subnet", [(f"{GW}.1.1", "a", "10.9.9.9")], "inconsistentValue", 0),
    ("ip-while-dhcp-stays-on", [(f"{IP}.1.2", "a", "198.51.100.33")], "inconsistentValue", 0),
    ("netmask-while-dhcp-stays-on", [(f"{MASK}.1.2", "a", "255.255.0.0")],
     "inconsistentValue", 0),
    ("ip-is-subnet-broadcast", [(f"{IP}.1.1", "a", "192.0.2.255")], "inconsistentValue", 0),
    ("gateway-is-subnet-network", [(f"{GW}.1.1", "a", "192.0.2.0")], "inconsistentValue", 0),
    ("ip-is-network-address", [(f"{IP}.1.1", "a", "192.0.2.0")], "inconsistentValue", 0),
    ("ip-equals-gateway", [(f"{IP}.1.1", "a", "192.0.2.1")], "inconsistentValue", 0),
    ("new-netmask-strands-gateway", [(f"{IP}.1.1", "a", "192.0.2.200"),
                                     (f"{MASK}.1.1", "a", "255.255.255.128")],
     "inconsistentValue", 0),
    ("static-with-broadcast", [(f"{DHCP}.1.2", "i", FALSE), (f"{IP}.1.2", "a", "10.1.1.255"),
                               (f"{MASK}.1.2", "a", "255.255.255.0"),
                               (f"{GW}.1.2", "a", "0.0.0.0")], "inconsistentValue", 0),
    ("identify-seconds-and-force", [(f"{IDENT}.1", "i", 10), (f"{FORCE}.1", "i", TRUE)],
     "inconsistentValue", 0),
    # good and bad varbinds in one PDU: the error names the bad one, nothing applies
    ("good-vlan-bad-priority", [(f"{VLAN}.1.1", "i", 42), (f"{PRIO}.1.1", "i", 9)],
     "wrongValue", 1),
    ("good-ip-bad-type", [(f"{IP}.1.1", "a", "192.0.2.55"), (f"{VLAN}.1.1", "s", "7")],
     "wrongType", 1),
    ("good-vlan-notwritable", [(f"{VLAN}.1.1", "i", 42), ("ipmiChannelManageUrl.1.1", "s", "x")],
     "notWritable", 1),
    ("good-identify-bad-password", [(f"{IDENT}.1", "i", 20), (f"{PW}.1", "s", "")],
     "wrongLength", 1),
    # a BMC column and an inconsistent channel in one PDU: the password
    # (of the agent's own login here) is not changed either
    ("password-and-bad-gateway", [(f"{PW}.1", "s", "Mixed-Pdu-Pw-16c"),
                                  (f"{GW}.1.1", "a", "10.9.9.9")], "inconsistentValue", 1),
    ("identify-and-dhcp-ip", [(f"{IDENT}.2", "i", 9), (f"{IP}.1.2", "a", "198.51.100.33")],
     "inconsistentValue", 1),
    # two channels, one of them inconsistent: nothing applies on either
    ("two-bmcs-second-inconsistent", [(f"{VLAN}.1.1", "i", 42), (f"{GW}.2.1", "a", "10.9.9.9")],
     "inconsistentValue", 1),
    ("two-bmcs-first-inconsistent", [(f"{GW}.2.1", "a", "10.9.9.9"), (f"{VLAN}.1.1", "i", 42)],
     "inconsistentValue", 0),
    ("two-channels-dhcp-one", [(f"{IP}.1.1", "a", "192.0.2.55"),
                               (f"{IP}.1.2", "a", "198.51.100.33")], "inconsistentValue", 1),
    ("two-channels-good-and-broadcast", [(f"{IDENT}.2", "i", 15), (f"{VLAN}.2.1", "i", 12),
                                         (f"{IP}.1.1", "a", "192.0.2.255")],
     "inconsistentValue", 2),
]


@pytest.fixture(scope="module")
def matrix_env(request, agent_bin, mibdirs, source_dir):
    with module_world(request, agent_bin, mibdirs, source_dir) as w:
        alpha = w.sim("alpha", channels=2, sim_id=1)
        beta = w.sim("beta", channels=1, sim_id=2)
        agent = w.start_agent([alpha, beta])
        agent.wait_synced()
        yield w, alpha, beta, agent
        agent.stop()


@pytest.fixture
def mw(request, matrix_env):
    attach_world(request, matrix_env[0])
    return matrix_env


def assert_refused_without_trace(w, sims, agent, triples, community="private"):
    """Send the PDU; assert the BMCs and the agent are as before. The result."""
    witness = BmcWitness(sims)
    before = witness.snapshot()
    walk = stable_walk(w)
    mark = log_mark(agent)
    res = w.snmpset(*triples, community=community)
    assert BmcWitness.differences(before, witness.snapshot()) == {}
    assert stable_walk(w) == walk
    assert applied_lines(agent, mark) == []
    assert agent.proc.running()
    return res


@pytest.mark.parametrize("triples, status, failed",
                         [pytest.param(t, s, f, id=i) for i, t, s, f in BAD_INPUT])
def test_bad_input(mw, triples, status, failed):
    w, alpha, beta, agent = mw
    res = assert_refused_without_trace(w, [alpha, beta], agent, triples)
    assert res.status == status, res.stderr
    assert res.failed_oid == w.oid(triples[failed][0]), res.stderr


def test_bad_input_matrix_is_large_enough():
    assert len(BAD_INPUT) >= 25
    statuses = {s for _, _, s, _ in BAD_INPUT}
    assert statuses == {"wrongType", "wrongLength", "wrongValue", "notWritable",
                        "noCreation", "inconsistentValue"}


@pytest.mark.parametrize("triples", [
    [(f"{VLAN}.1.1", "i", 42)],
    [(f"{PW}.1", "s", "Abcdefgh-1")],
    [(f"{IDENT}.2", "i", 10)],
], ids=["vlan", "password", "identify"])
def test_read_only_community(mw, triples):
    """snmpd refuses a SET on a read-only community itself: noAccess."""
    w, alpha, beta, agent = mw
    res = assert_refused_without_trace(w, [alpha, beta], agent, triples, community="public")
    assert res.status == "noAccess", res.stderr
    assert res.failed_oid == w.oid(triples[0][0])
    assert alpha.lan_print(1)["802.1q VLAN ID"] == "Disabled"


def test_refusals_are_logged_without_secrets(mw):
    """A refused row is logged with its reason; a refused password never is."""
    w, _, _, agent = mw
    mark = log_mark(agent)
    assert w.snmpset((f"{GW}.1.1", "a", "10.9.9.9")).status == "inconsistentValue"
    assert w.snmpset((f"{PW}.1", "s", "Short7!")).status == "wrongValue"
    assert w.snmpset((f"{PW}.1", "s", "Abcdefghij0123456789x")).status == "wrongLength"
    assert "gateway is outside the address's subnet" in log_since(agent, mark)
    text = agent.log()
    for _, triples, _, _ in BAD_INPUT:
        for oid, typ, value in triples:
            if oid.startswith(PW) and typ == "s" and len(str(value)) >= 4:
                assert str(value) not in text
    assert "Abcdefgh-1" not in text


# --- BMCs that are not there ----------------------------------------------------


def settle_deadline(agent, refreshes=3):
    return refreshes * (agent.refresh_interval + 2 * agent.timeout_ms / 1000.0) + 3


def test_unreachable_bmc_is_resource_unavailable(aworld):
    alpha = aworld.sim("alpha", channels=1, sim_id=1)
    beta = aworld.sim("beta", channels=1, sim_id=2)
    agent = aworld.start_agent([alpha, beta])
    agent.wait_synced()
    beta.kill()
    aworld.wait_for(lambda: aworld.snmpget("ipmiBmcReachable.2").value == FALSE,
                    settle_deadline(agent), "beta to read as unreachable")
    mark = log_mark(agent)

    res = aworld.snmpset((f"{VLAN}.2.1", "i", 33))
    assert res.status == "resourceUnavailable", res.stderr
    assert res.failed_oid == aworld.oid(f"{VLAN}.2.1")
    assert res.elapsed < 2.0  # refused at once, no session attempt
    res = aworld.snmpset((f"{PW}.2", "s", "Abcdefgh-2"), (f"{IDENT}.2", "i", 5))
    assert res.status == "resourceUnavailable", res.stderr
    assert aworld.snmpget(f"{VLAN}.2.1").value == 0
    assert "BMC unreachable" in log_since(agent, mark)
    assert bmc_applied_lines(agent, mark) == []
    # refused before the BMC was touched: not a failed SET
    assert counters(aworld, 2)["ipmiBmcSetsFailed"] == 0

    # the other BMC still takes SETs
    res = aworld.snmpset((f"{VLAN}.1.1", "i", 34))
    assert res.status == "noError", res.stderr
    assert alpha.lan_print(1)["802.1q VLAN ID"] == "34"
    assert aworld.snmpget(f"{VLAN}.1.1").value == 34
    assert applied_lines(agent, mark, "alpha", 1) == ["vlan=34"]
    assert applied_lines(agent, mark, "beta") == []

    # back up: SETs are taken again
    beta.start()
    agent.wait_synced(timeout=settle_deadline(agent))
    res = aworld.snmpset((f"{VLAN}.2.1", "i", 33))
    assert res.status == "noError", res.stderr
    assert beta.lan_print(1)["802.1q VLAN ID"] == "33"
    for b in (1, 2):
        got = counters(aworld, b)
        assert (got["ipmiBmcSetsApplied"], got["ipmiBmcSetsFailed"]) == (1, 0), (b, got)
    assert counters(aworld, 2)["ipmiBmcRefreshFailures"] >= 1
    agent.stop()


# SET timing of the dying-BMC test: slowcommit pauses 1 s before each write
# after the first and before the commit, so three fields take about 3 s.
DYING_AGENTX_TIMEOUT = 20


def test_bmc_dies_during_set(aworld):
    """SIGKILL between two writes of one transaction: an error, no half change."""
    alpha = aworld.sim("alpha", channels=1, sim_id=1)
    beta = aworld.sim("beta", channels=1, sim_id=2)
    aworld.start_master(agentx_timeout=DYING_AGENTX_TIMEOUT)
    # timeout_ms above the 1 s pause: libfreeipmi ends a session idle longer
    # than its timeout, which would fail the transaction before the kill.
    agent = aworld.start_agent([alpha, beta], agentx_timeout=DYING_AGENTX_TIMEOUT,
                               bmc_overrides={"alpha": {
                                   "workarounds": ["opensesspriv", "slowcommit"],
                                   "timeout_ms": 2000}})
    agent.wait_synced()
    before_lan = alpha.lan_print(1)
    before_row = aworld.channel_rows()[(1, 1)]
    sets_before = len(alpha.lancfg_sets())
    mark = log_mark(agent)
    result = {}

    def run_set():
        result["res"] = aworld.snmpset((f"{IP}.1.1", "a", "192.0.2.11"),
                                       (f"{MASK}.1.1", "a", "255.255.255.128"),
                                       (f"{GW}.1.1", "a", "192.0.2.126"),
                                       timeout=DYING_AGENTX_TIMEOUT + 10)

    setter = threading.Thread(target=run_set)
    t0 = time.monotonic()
    setter.start()
    try:
        # kill it once the second write went out, in the pause before the third
        aworld.wait_for(lambda: "Set LAN parameter subnet mask" in log_since(agent, mark),
                        10, "the second write of the transaction")
        time.sleep(0.3)
        alpha.kill()
        killed_at = time.monotonic() - t0
    finally:
        setter.join(DYING_AGENTX_TIMEOUT + 40)
    res = result["res"]

    # mib_error_for_bmc: the agent could not verify that the old values are
    # back (the BMC is gone), so BMC_UNDO_FAILED -> undoFailed.
    assert res.status == "undoFailed", res.stderr
    assert res.failed_oid == aworld.oid(f"{IP}.1.1")
    assert 1.0 < killed_at < 2.5
    assert res.elapsed < DYING_AGENTX_TIMEOUT / 2, f"SET took {res.elapsed:.1f}s"
    assert agent.proc.running()
    assert applied_lines(agent, mark) == []
    assert "SET failed on BMC alpha channel 1: undo-failed" in log_since(agent, mark)

    # the agent still serves, promptly, and the other BMC still takes SETs
    t1 = time.monotonic()
    assert aworld.snmpget("ipmiBmcName.2").value == "beta"
    assert aworld.snmpget(f"{IP}.2.1").value == "192.0.2.20"
    assert time.monotonic() - t1 < 1.0
    res2 = aworld.snmpset((f"{VLAN}.2.1", "i", 7))
    assert res2.status == "noError", res2.stderr
    assert beta.lan_print(1)["802.1q VLAN ID"] == "7"
    assert counters(aworld, 1)["ipmiBmcSetsFailed"] == 1  # the undoFailed
    assert counters(aworld, 1)["ipmiBmcSetsApplied"] == 0
    assert counters(aworld, 2)["ipmiBmcSetsApplied"] == 1

    # nothing was half applied: the commit never happened
    assert len(alpha.lancfg_sets()) == sets_before, alpha.lancfg_log()
    alpha.start()
    assert alpha.lan_print(1) == before_lan
    agent.wait_synced(timeout=settle_deadline(agent))
    row = aworld.channel_rows()[(1, 1)]
    assert comparable_row(row) == channel_row_from_lan(before_lan)
    assert row == before_row
    assert aworld.bmc_rows()[1]["ipmiBmcLastError"] == ""
    agent.stop()


def test_slowcommit_with_one_second_session_timeout(aworld):
    alpha = aworld.sim("alpha", channels=1, sim_id=1)
    agent = aworld.start_agent([alpha], bmc_overrides={"alpha": {
        "workarounds": ["opensesspriv", "slowcommit"], "timeout_ms": 1000}})
    agent.wait_synced()
    res = aworld.snmpset((f"{IP}.1.1", "a", "192.0.2.11"),
                         (f"{MASK}.1.1", "a", "255.255.255.128"))
    try:
        assert res.status == "noError", res.stderr
        assert alpha.lancfg_sets() == [{"ip_addr": "192.0.2.11",
                                        "subnet_mask": "255.255.255.128"}]
    finally:
        agent.stop()


def test_refused_commit_undoes_the_other_channels(aworld):
    """One PDU, two BMCs: alpha's change is applied first, then beta refuses its
    commit. beta answers commitFailed and the master's UndoSet must put alpha
    back: after the PDU both BMCs hold their old configuration."""
    alpha = aworld.sim("alpha", channels=1, sim_id=1)
    beta = aworld.sim("beta", channels=1, sim_id=2)
    agent = aworld.start_agent([alpha, beta])
    agent.wait_synced()
    before_alpha, before_beta = alpha.lan_print(1), beta.lan_print(1)
    sets_before = len(beta.lancfg_sets())
    mark = log_mark(agent)
    (beta.dir / "refuse-set").touch()
    try:
        res = aworld.snmpset((f"{VLAN}.1.1", "i", 77), (f"{PRIO}.1.1", "i", 5),
                             (f"{IP}.2.1", "a", "192.0.2.21"))
    finally:
        (beta.dir / "refuse-set").unlink()
    assert res.status == "commitFailed", res.stderr
    assert res.failed_oid == aworld.oid(f"{IP}.2.1")
    # beta tried exactly once and kept nothing; alpha was put back by UNDO
    assert len(beta.lancfg_sets()) == sets_before + 1
    assert beta.lan_print(1)["IP Address"] == before_beta["IP Address"]
    after_alpha = alpha.lan_print(1)
    assert after_alpha["802.1q VLAN ID"] == before_alpha["802.1q VLAN ID"]
    assert after_alpha["802.1q VLAN Priority"] == before_alpha["802.1q VLAN Priority"]
    # the agent serves what the BMCs hold, and logs no applied change
    assert aworld.snmpget(f"{VLAN}.1.1").value == 0
    assert aworld.snmpget(f"{IP}.2.1").value == before_beta["IP Address"]
    assert applied_lines(agent, mark, "alpha") == []
    assert applied_lines(agent, mark, "beta") == []
    assert "SET undone on BMC alpha channel 1" in log_since(agent, mark)
    # beta refused: a failed SET there; alpha's change was rolled back
    assert counters(aworld, 2)["ipmiBmcSetsFailed"] == 1
    assert counters(aworld, 1)["ipmiBmcSetsFailed"] == 1
    assert counters(aworld, 1)["ipmiBmcSetsApplied"] == 0
    assert counters(aworld, 2)["ipmiBmcSetsApplied"] == 0
    agent.stop()




def test_bmc_locked_by_another_writer(aworld):
    """Another tool holds the channel's set-in-progress lock: the SET fails at
    once with commitFailed, nothing is written, and the other writer's lock is
    left alone; once it lets go, the same SET goes through."""
    alpha = aworld.sim("alpha", channels=1, sim_id=1)
    agent = aworld.start_agent([alpha])
    agent.wait_synced()
    before = alpha.lan_print(1)
    sets_before = len(alpha.lancfg_sets())
    alpha.ipmitool("raw", "0x0c", "0x01", 1, 0, 1)  # Set In Progress = set in progress
    try:
        res = aworld.snmpset((f"{IP}.1.1", "a", "192.0.2.14"))
        assert res.status == "commitFailed", res.stderr
        assert res.elapsed < 2.0
        lock = alpha.ipmitool("raw", "0x0c", "0x02", 1, 0, 0, 0).stdout.split()
        assert int(lock[1], 16) & 0x03 == 1  # still the other writer's
    finally:
        alpha.ipmitool("raw", "0x0c", "0x01", 1, 0, 0)  # set complete
    assert len(alpha.lancfg_sets()) == sets_before
    assert alpha.lan_print(1)["IP Address"] == before["IP Address"]
    assert "busy" in agent.log().split("SET failed on BMC alpha channel 1", 1)[1].splitlines()[0]
    res = aworld.snmpset((f"{IP}.1.1", "a", "192.0.2.14"))
    assert res.status == "noError", res.stderr
    assert alpha.lan_print(1)["IP Address"] == "192.0.2.14"
    agent.stop()
