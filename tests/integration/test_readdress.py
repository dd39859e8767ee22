# SPDX-License-Identifier: GPL-3.0-or-later
"""Re-addressing BMCs in a routed network of namespaces (netns.py).

The agent runs in its own namespace at 198.18.0.1 and reaches each
simulated BMC at the address of the BMC's channel 1, which carries it.
ipmi_sim's lan_config_program applies a committed change to the BMC's real
interface, so a SET really moves the BMC. Every outcome is checked on the
BMC side too: the kernel's address in the BMC's namespace, ipmitool at the
new address, the DHCP lease.
"""

import signal

import pytest

from netns import networld  # noqa: F401 - fixture
from world import FALSE, TRUE

AGENT = "198.18.0.1"
MGMT = "198.18.0.0/24"
IP = "ipmiChannelIpAddress"


def start(aworld, w, bmcs, overrides=None, hosts=None):
    """The agent in w.agent_ns, each BMC's host its channel 1 address (or hosts[name])."""
    ov = {}
    for b in bmcs:
        ov[b.name] = {"host": (hosts or {}).get(b.name, b.addr)}
        ov[b.name].update((overrides or {}).get(b.name, {}))
    agent = aworld.start_agent(bmcs, bmc_overrides=ov, netns=w.agent_ns, timeout_ms=1000)
    agent.wait_synced()
    return agent


def answers(w, addr, port=623):
    try:
        w.ipmitool(addr, ["mc", "info"], port=port, timeout=10, retries=1)
        return True
    except Exception:  # noqa: BLE001 - any failure means "does not answer"
        return False


def learned(agent):
    path = agent.dir / "learned-addresses"
    return path.read_text() if path.exists() else ""


def bmc_value(aworld, col, idx=1):
    return aworld.snmpget(f"{col}.{idx}").value


@pytest.mark.parametrize("timing", ["after", "before"])
def test_follow_a_move(aworld, networld, timing):
    """In both timings (the commit answered from the old address, or its
    reply lost because the BMC moved first) the agent answers noError only
    after reading the change back at the new address, and stays there."""
    w = networld
    w.lan("mgmt", MGMT, agent_addr=AGENT)
    b = w.bmc("b1", "mgmt", "198.18.0.11", timing=timing)
    agent = start(aworld, w, [b])
    assert bmc_value(aworld, "ipmiBmcAgentAddress") == "198.18.0.11"
    assert bmc_value(aworld, "ipmiBmcAgentPort") == 623
    assert aworld.snmpget("ipmiChannelCarriesAgent.1.1").value == TRUE

    res = aworld.snmpset((f"{IP}.1.1", "a", "198.18.0.50"))

    assert res.ok, res.stderr
    # the BMC side: the kernel moved it, ipmitool finds it there only
    assert b.iface_addr() == "198.18.0.50/24"
    assert answers(w, "198.18.0.50") and not answers(w, "198.18.0.11")
    # the agent side: reached at the new address, the row and the path agree
    assert bmc_value(aworld, "ipmiBmcAgentAddress") == "198.18.0.50"
    assert aworld.snmpget(f"{IP}.1.1").value == "198.18.0.50"
    assert aworld.snmpget("ipmiChannelCarriesAgent.1.1").value == TRUE
    assert "b1 198.18.0.11 623 198.18.0.50" in learned(agent)
    text = agent.log()
    assert "channel 1 moved to 198.18.0.50 and the agent followed" in text
    # later refreshes keep finding it there
    aworld.wait_for(lambda: bmc_value(aworld, "ipmiBmcRefreshes") >= 3, 20, "more refreshes")
    assert bmc_value(aworld, "ipmiBmcReachable") == TRUE
    assert bmc_value(aworld, "ipmiBmcAgentAddress") == "198.18.0.50"
    agent.stop()


def test_two_bmcs_moved_in_one_pdu(aworld, networld):
    w = networld
    w.lan("mgmt", MGMT, agent_addr=AGENT)
    b1 = w.bmc("b1", "mgmt", "198.18.0.11", sim_id=1)
    b2 = w.bmc("b2", "mgmt", "198.18.0.12", sim_id=2, timing="before")
    agent = start(aworld, w, [b1, b2])

    res = aworld.snmpset((f"{IP}.1.1", "a", "198.18.0.61"), (f"{IP}.2.1", "a", "198.18.0.62"))

    assert res.ok, res.stderr
    assert (b1.iface_addr(), b2.iface_addr()) == ("198.18.0.61/24", "198.18.0.62/24")
    assert answers(w, "198.18.0.61") and answers(w, "198.18.0.62")
    assert bmc_value(aworld, "ipmiBmcAgentAddress", 1) == "198.18.0.61"
    assert bmc_value(aworld, "ipmiBmcAgentAddress", 2) == "198.18.0.62"
    agent.stop()


def test_move_into_a_subnet_behind_a_router(aworld, networld):
    """Address, mask and gateway in one PDU, into a subnet the agent reaches
    only through a router namespace."""
    w = networld
    w.lan("mgmt", MGMT, agent_addr=AGENT)
    w.lan("far", "198.18.1.0/24", segment="mgmt")
    w.router("r1", {"mgmt": "198.18.0.254", "far": "198.18.1.254"})
    b = w.bmc("b1", "mgmt", "198.18.0.11")
    agent = start(aworld, w, [b])

    res = aworld.snmpset((f"{IP}.1.1", "a", "198.18.1.30"),
                         ("ipmiChannelNetmask.1.1", "a", "255.255.255.0"),
                         ("ipmiChannelGateway.1.1", "a", "198.18.1.254"))

    assert res.ok, res.stderr
    assert b.iface_addr() == "198.18.1.30/24" and b.default_gw() == "198.18.1.254"
    assert answers(w, "198.18.1.30")
    assert bmc_value(aworld, "ipmiBmcAgentAddress") == "198.18.1.30"
    assert aworld.snmpget("ipmiChannelGateway.1.1").value == "198.18.1.254"
    agent.stop()


@pytest.mark.parametrize("varbind, why", [
    (("ipmiChannelDhcp.1.1", "i", "1"), "DHCP on the channel the agent reaches the BMC through"),
    (("ipmiChannelVlanId.1.1", "i", "42"), "a VLAN ID change on the channel"),
    ((f"{IP}.1.1", "a", "203.0.113.9"), "the agent's host has no route to 203.0.113.9"),
])
def test_a_change_that_would_cut_the_agent_off_is_refused(aworld, networld, varbind, why):
    w = networld
    w.lan("mgmt", MGMT, agent_addr=AGENT)
    b = w.bmc("b1", "mgmt", "198.18.0.11")
    agent = start(aworld, w, [b])
    before = b.lan_print(1)
    sets_before = len(b.lancfg_sets(1))

    res = aworld.snmpset(varbind)

    assert res.status == "inconsistentValue", res.stderr
    assert res.failed_oid == aworld.oid(varbind[0])
    assert why in agent.log() and "cut_off_changes: apply" in agent.log()
    # nothing reached the BMC
    assert len(b.lancfg_sets(1)) == sets_before
    assert b.iface_addr() == "198.18.0.11/24"
    after = b.lan_print(1)
    assert after["802.1q VLAN ID"] == before["802.1q VLAN ID"]
    assert after["IP Address Source"] == before["IP Address Source"]
    assert bmc_value(aworld, "ipmiBmcReachable") == TRUE
    agent.stop()


def test_the_other_channel_is_never_refused_dhcp_gets_a_real_lease(aworld, networld):
    """DHCP on channel 2, which does not carry the agent: applied, and the
    BMC gets a real lease from dnsmasq on that channel's subnet."""
    w = networld
    w.lan("mgmt", MGMT, agent_addr=AGENT)
    w.lan("side", "203.0.113.0/24")
    dhcp = w.dhcp("side", "203.0.113.100", "203.0.113.120")
    b = w.bmc("b1", "mgmt", "198.18.0.11", second_lan="side", second_addr="203.0.113.10")
    agent = start(aworld, w, [b])
    assert aworld.snmpget("ipmiChannelCarriesAgent.1.2").value == FALSE

    res = aworld.snmpset(("ipmiChannelDhcp.1.2", "i", "1"))

    assert res.ok, res.stderr
    mac2 = b.mac(2)
    lease = aworld.wait_for(lambda: [x for x in dhcp.leases() if x["mac"] == mac2], 20,
                            "a lease for channel 2")[0]
    aworld.wait_for(lambda: b.iface_addr(2) == f"{lease['ip']}/24", 10, "the leased address")
    aworld.wait_for(lambda: aworld.snmpget(f"{IP}.1.2").value == lease["ip"], 20,
                    "the agent to publish the lease")
    assert aworld.snmpget("ipmiChannelDhcp.1.2").value == TRUE
    assert b.iface_addr() == "198.18.0.11/24"  # channel 1, and the agent's path, untouched
    assert bmc_value(aworld, "ipmiBmcReachable") == TRUE
    agent.stop()


def test_the_override_applies_dhcp_and_shows_the_bmc_moved_away(aworld, networld):
    w = networld
    w.lan("mgmt", MGMT, agent_addr=AGENT)
    dhcp = w.dhcp("mgmt", "198.18.0.100", "198.18.0.120")
    b = w.bmc("b1", "mgmt", "198.18.0.11")
    agent = start(aworld, w, [b], overrides={"b1": {"cut_off_changes": "apply"}})

    res = aworld.snmpset(("ipmiChannelDhcp.1.1", "i", "1"))

    assert res.ok, res.stderr
    mac = b.mac(1)
    lease = aworld.wait_for(lambda: [x for x in dhcp.leases() if x["mac"] == mac], 20,
                            "a lease for channel 1")[0]
    aworld.wait_for(lambda: b.iface_addr() == f"{lease['ip']}/24", 10, "the leased address")
    assert answers(w, lease["ip"])
    aworld.wait_for(lambda: bmc_value(aworld, "ipmiBmcReachable") == FALSE, 20,
                    "the BMC to read as moved away")
    err = bmc_value(aworld, "ipmiBmcLastError")
    assert err.startswith("moved away by a SET of channel 1 (DHCP"), err
    assert "applied all the same" in agent.log()
    # no rollback was attempted: the BMC keeps its lease
    assert b.lan_print(1)["IP Address Source"] == "DHCP Address"
    row = aworld.bmc_rows()[1]
    assert row["ipmiBmcSetsApplied"] == 1 and row["ipmiBmcSetsFailed"] == 0
    agent.stop()


def test_the_override_applies_an_unroutable_address(aworld, networld):
    w = networld
    w.lan("mgmt", MGMT, agent_addr=AGENT)
    b = w.bmc("b1", "mgmt", "198.18.0.11")
    agent = start(aworld, w, [b], overrides={"b1": {"cut_off_changes": "apply"}})

    res = aworld.snmpset((f"{IP}.1.1", "a", "203.0.113.9"),
                         ("ipmiChannelGateway.1.1", "a", "0.0.0.0"))

    assert res.ok, res.stderr
    aworld.wait_for(lambda: b.iface_addr() == "203.0.113.9/24", 10, "the move")
    aworld.wait_for(lambda: bmc_value(aworld, "ipmiBmcReachable") == FALSE, 20,
                    "the BMC to read as moved away")
    assert "no route to 203.0.113.9" in bmc_value(aworld, "ipmiBmcLastError")
    agent.stop()


def test_learned_address_outlives_a_restart_until_the_host_changes(aworld, networld):
    w = networld
    w.lan("mgmt", MGMT, agent_addr=AGENT)
    b = w.bmc("b1", "mgmt", "198.18.0.11")
    agent = start(aworld, w, [b])
    assert aworld.snmpset((f"{IP}.1.1", "a", "198.18.0.50")).ok
    agent.stop()

    # a restart with the same configuration reaches it at the learned address
    agent = start(aworld, w, [b], hosts={"b1": "198.18.0.11"})
    assert bmc_value(aworld, "ipmiBmcAgentAddress") == "198.18.0.50"
    assert "reached at 198.18.0.50, learned when a SET moved it" in agent.log()
    assert "connecting to 198.18.0.11" not in agent.log()

    # the operator points host: at the new address and reloads: the entry goes
    agent.bmc_overrides = {"b1": {"host": "198.18.0.50"}}
    agent.write_config(agent.make_config(aworld.master.socket, 10, 1))
    mark = len(agent.log())
    agent.proc.signal(signal.SIGHUP)
    aworld.wait_for(lambda: "configuration reloaded" in agent.log()[mark:], 20, "the reload")
    assert ("the configuration now gives host 198.18.0.50 port 623: the address 198.18.0.50 "
            "learned by following a move is dropped") in agent.log()[mark:]
    assert "b1 " not in learned(agent)
    agent.wait_synced()
    assert bmc_value(aworld, "ipmiBmcAgentAddress") == "198.18.0.50"
    agent.stop()


def test_a_renamed_host_is_followed(aworld, networld):
    """host: is a name; the BMC moves (out of band) and the agent's hosts
    entry moves with it: the next session goes to the new address."""
    w = networld
    w.lan("mgmt", MGMT, agent_addr=AGENT)
    w.hosts(w.agent_ns, {"bmc1.test": "198.18.0.11"})
    b = w.bmc("b1", "mgmt", "198.18.0.11")
    agent = start(aworld, w, [b], hosts={"b1": "bmc1.test"})
    assert bmc_value(aworld, "ipmiBmcAgentAddress") == "198.18.0.11"

    assert w.lan_set("198.18.0.11", 1, ip="198.18.0.70").returncode == 0
    aworld.wait_for(lambda: b.iface_addr() == "198.18.0.70/24", 10, "the move")
    w.hosts(w.agent_ns, {"bmc1.test": "198.18.0.70"})

    aworld.wait_for(lambda: bmc_value(aworld, "ipmiBmcAgentAddress") == "198.18.0.70"
                    and aworld.snmpget(f"{IP}.1.1").value == "198.18.0.70", 30,
                    "the agent to follow the name")
    assert bmc_value(aworld, "ipmiBmcReachable") == TRUE
    assert aworld.snmpget("ipmiChannelCarriesAgent.1.1").value == TRUE
    # resolved, not learned: nothing to keep in the state file
    assert "b1 " not in learned(agent)
    agent.stop()


def test_the_override_applies_a_vlan_change(aworld, networld):
    """ipmi_sim keeps VLAN parameters in memory (its lan_config_program never
    sees them: test_netns_world checks that), so the BMC does not really
    leave here; what is checked is that the change is applied without a
    read-back or rollback, and said in the log."""
    w = networld
    w.lan("mgmt", MGMT, agent_addr=AGENT)
    b = w.bmc("b1", "mgmt", "198.18.0.11")
    agent = start(aworld, w, [b], overrides={"b1": {"cut_off_changes": "apply"}})

    res = aworld.snmpset(("ipmiChannelVlanId.1.1", "i", "42"))

    assert res.ok, res.stderr
    assert b.lan_print(1)["802.1q VLAN ID"] == "42"
    text = agent.log()
    assert "a VLAN ID change on the channel the agent reaches the BMC through" in text
    assert "applied all the same" in text
    assert "moved away by a SET of channel 1" in text
    agent.stop()


def test_address_rules_on_real_addresses(aworld, networld):
    """The SET rules of test_set.py, where the BMC's interface is real: a
    gateway outside the subnet is inconsistentValue and reaches nothing; a
    new gateway in the subnet and a narrower mask that still holds the agent
    are applied to the kernel and keep the agent's path."""
    w = networld
    w.lan("mgmt", MGMT, agent_addr=AGENT)
    b = w.bmc("b1", "mgmt", "198.18.0.11", gateway="198.18.0.254")
    agent = start(aworld, w, [b])

    res = aworld.snmpset(("ipmiChannelGateway.1.1", "a", "198.18.5.1"))
    assert res.status == "inconsistentValue", res.stderr
    assert b.default_gw() == "198.18.0.254"

    res = aworld.snmpset(("ipmiChannelGateway.1.1", "a", "198.18.0.126"),
                         ("ipmiChannelNetmask.1.1", "a", "255.255.255.128"))
    assert res.ok, res.stderr
    assert b.iface_addr() == "198.18.0.11/25" and b.default_gw() == "198.18.0.126"
    assert answers(w, "198.18.0.11")
    assert bmc_value(aworld, "ipmiBmcAgentAddress") == "198.18.0.11"
    assert aworld.snmpget("ipmiChannelNetmask.1.1").value == "255.255.255.128"
    agent.stop()
