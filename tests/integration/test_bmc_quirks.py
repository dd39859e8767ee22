# SPDX-License-Identifier: GPL-3.0-or-later
"""BMCs that do not follow ipmi_sim's habits, on the pyghmi BMC
(tests/sim/pyghmi_bmc.py) switched into each behaviour:

- no Get Channel Info (0xC1): LAN channels found through their LAN
  parameters, and ipmiBmcLastError says so; a busy or initialising reply to
  discovery is tried again, never taken as "no channel";
- no LAN parameters (0xC1): the BMC answers IPMI, so it is reachable with its
  identity; the failure is its error and a failed refresh; identify works;
- an optional parameter it lacks (VLAN priority, 0x80): no value in the row
  (noSuchInstance, skipped by walks), a SET to it is noCreation before the
  BMC is touched;
- a value outside the spec (VLAN ID 4095 with tagging on): an error on that
  BMC, never a row value;
- a condition that lasts (Get User Name refused) is logged once, not at every
  refresh.
Each is checked on the BMC side too (its command log, ipmitool).
"""

import pytest

from agentlog import log_mark, log_since
from pyghmi_world import agent_overrides, pyghmi_available, start_pyghmi
from world import FALSE, TRUE

pytestmark = pytest.mark.skipif(not pyghmi_available(),
                                reason="python3-pyghmi is not installed (scripts/install-deps.sh)")

MANUFACTURER = 20974  # pyghmi_bmc.py's default


def start(aworld, channels=1, control=None, refresh=1):
    bmc = start_pyghmi(aworld, "alpha", channels=channels, sim_id=1, control=control)
    agent = aworld.start_agent([bmc], refresh_interval=refresh, timeout_ms=2000,
                               bmc_overrides={"alpha": agent_overrides()}, wait=False)
    return bmc, agent


def bmc_row(w):
    return w.bmc_rows()[1]


def refreshes(w):
    got = w.snmpget("ipmiBmcRefreshes.1", "ipmiBmcRefreshFailures.1")
    return got[0].value or 0, got[1].value or 0


def test_no_get_channel_info_finds_channels_by_their_lan_parameters(aworld):
    bmc, agent = start(aworld, channels=2, control={"missing": ["get_channel_info"]})
    aworld.wait_for(lambda: set(aworld.channel_rows()) == {(1, 1), (1, 2)}, 30,
                    "both LAN channels as rows")
    row = bmc_row(aworld)
    assert row["ipmiBmcReachable"] == TRUE
    assert "does not answer Get Channel Info" in row["ipmiBmcLastError"], row
    assert "through their LAN parameters" in row["ipmiBmcLastError"]
    assert bmc.commands("get_channel_info"), "the agent did ask"
    assert all(c["cc"] == 0xC1 for c in bmc.commands("get_channel_info"))
    # the rows are the BMC's (pyghmi_bmc.py seeds sim 1's channel 1 with 192.0.2.10;
    # ipmitool cannot print it either without Get Channel Info)
    rows = aworld.channel_rows()
    assert rows[(1, 1)]["ipmiChannelIpAddress"] == "192.0.2.10", rows[(1, 1)]
    assert "found through their LAN parameters" in agent.log()
    agent.stop()


@pytest.mark.parametrize("cc", [0xC0, 0xD2], ids=["busy", "initialising"])
def test_transient_discovery_reply_is_tried_again(aworld, cc):
    """A BMC still booting (0xD2) or busy (0xC0) at first contact keeps its channel."""
    bmc, agent = start(aworld, control={"cc_once": {"get_channel_info": 2},
                                        "cc": {"get_channel_info": cc}})
    aworld.wait_for(lambda: set(aworld.channel_rows()) == {(1, 1)}, 30,
                    "the LAN channel as a row after the transient refusals")
    codes = [c["cc"] for c in bmc.commands("get_channel_info")]
    assert codes[:2] == [cc, cc], codes
    assert 0 in codes
    assert bmc_row(aworld)["ipmiBmcLastError"] == ""
    agent.stop()


def test_discovery_that_found_nothing_looks_again(aworld):
    bmc, agent = start(aworld, control={"cc": {"get_channel_info": 0xCB}})
    aworld.wait_for(lambda: "no 802.3 LAN channel found" in
                    bmc_row(aworld)["ipmiBmcLastError"], 20, "nothing found, and said")
    assert bmc_row(aworld)["ipmiBmcReachable"] == TRUE
    bmc.control(cc=None)
    aworld.wait_for(lambda: set(aworld.channel_rows()) == {(1, 1)}, 20,
                    "the channel found at a later read")
    assert bmc_row(aworld)["ipmiBmcLastError"] == ""
    assert agent.log().count("no 802.3 LAN channel found") == 1
    agent.stop()


def test_bmc_without_lan_parameters_is_reachable_and_identifies(aworld):
    bmc, agent = start(aworld, control={"missing": ["get_lan_config"]})
    aworld.wait_for(lambda: bmc_row(aworld)["ipmiBmcReachable"] == TRUE, 30,
                    "the BMC to read as reachable")
    row = bmc_row(aworld)
    assert row["ipmiBmcManufacturerId"] == MANUFACTURER
    assert row["ipmiBmcFirmwareVersion"] != ""
    assert "Get LAN parameter" in row["ipmiBmcLastError"], row
    assert "0xc1" in row["ipmiBmcLastError"]
    assert aworld.snmpget("ipmiChannelDhcp.1.1").type == "noSuchInstance"  # no rows
    ok, failed = refreshes(aworld)
    aworld.wait_for(lambda: refreshes(aworld)[1] >= failed + 2, 20,
                    "further LAN read failures to be counted")
    assert refreshes(aworld)[0] == ok  # no good read counted
    assert bmc_row(aworld)["ipmiBmcReachable"] == TRUE
    # identify needs only Chassis Identify
    since = bmc.mark()
    res = aworld.snmpset(("ipmiBmcIdentify.1", "i", 15))
    assert res.ok, res.stderr
    assert [e["interval"] for e in bmc.events("identify", since)] == [15]
    # logged when it started, not at every refresh
    log = agent.log()
    assert log.count("its LAN channels cannot be read") == 1, log
    agent.stop()


def test_unsupported_vlan_priority_is_absent(aworld):
    bmc, agent = start(aworld, control={"unsupported_params": [21]})
    agent.wait_synced()
    prio = aworld.snmpget("ipmiChannelVlanPriority.1.1")
    assert prio.type == "noSuchInstance", prio
    assert aworld.snmpget("ipmiChannelVlanId.1.1").value == 0  # the other one is there
    walk = aworld.snmpwalk()
    assert not [v for v in walk if v.oid.startswith(aworld.oid("ipmiChannelVlanPriority"))]
    assert bmc_row(aworld)["ipmiBmcLastError"] == ""
    mark = log_mark(agent)
    since = bmc.mark()
    res = aworld.snmpset(("ipmiChannelVlanPriority.1.1", "i", 3))
    assert res.status == "noCreation", res.stderr
    # refused before the BMC was touched, with one log line
    assert bmc.commands("set_lan_config", since) == []
    assert log_since(agent, mark).count("does not support its VLAN priority") == 1
    # a VLAN ID change still goes through
    res = aworld.snmpset(("ipmiChannelVlanId.1.1", "i", 42))
    assert res.ok, res.stderr
    assert bmc.lan_print(1)["802.1q VLAN ID"] == "42"
    agent.stop()


def test_vlan_outside_the_spec_is_an_error_not_a_value(aworld):
    bmc, agent = start(aworld)
    agent.wait_synced()
    assert aworld.snmpget("ipmiChannelVlanId.1.1").value == 0
    ok_before = refreshes(aworld)[0]
    # VLAN ID 4095 with tagging on: bytes ff 8f (Set LAN parameter 20)
    bmc.raw(0x0C, 0x01, 0x01, 20, 0xFF, 0x8F)
    aworld.wait_for(lambda: "VLAN ID outside" in bmc_row(aworld)["ipmiBmcLastError"], 20,
                    "the out-of-spec VLAN to be reported")
    row = bmc_row(aworld)
    assert row["ipmiBmcReachable"] == TRUE
    # never published: the row keeps its last good value
    assert aworld.snmpget("ipmiChannelVlanId.1.1").value == 0
    assert refreshes(aworld)[0] == ok_before
    # back to a valid VLAN: published, the error gone
    bmc.raw(0x0C, 0x01, 0x01, 20, 0x2A, 0x80)
    aworld.wait_for(lambda: aworld.snmpget("ipmiChannelVlanId.1.1").value == 42, 20,
                    "the valid VLAN")
    assert bmc_row(aworld)["ipmiBmcLastError"] == ""
    agent.stop()


def test_unknown_own_user_is_logged_once(aworld):
    bmc, agent = start(aworld, control={"missing": ["get_user_name"]})
    agent.wait_synced()
    ok, _ = refreshes(aworld)
    aworld.wait_for(lambda: refreshes(aworld)[0] >= ok + 3, 20, "three more refreshes")
    asked = [c for c in bmc.commands("get_user_name") if c["cc"] == 0xC1]
    assert len(asked) >= 3, "the agent asks again at every refresh"
    assert agent.log().count("cannot tell whether user 2 is the agent's own") == 1
    assert bmc_row(aworld)["ipmiBmcReachable"] == TRUE
    agent.stop()


def test_reachable_false_only_when_it_does_not_answer(aworld):
    """The contrast: a BMC that stops answering is unreachable."""
    bmc, agent = start(aworld)
    agent.wait_synced()
    bmc.kill()
    aworld.wait_for(lambda: bmc_row(aworld)["ipmiBmcReachable"] == FALSE, 20,
                    "the dead BMC to read as unreachable")
    agent.stop()
