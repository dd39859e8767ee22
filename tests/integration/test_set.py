# SPDX-License-Identifier: GPL-3.0-or-later
"""The SET path: each writable column changed over SNMP, seen on the BMC.

Every change is verified from the BMC side, never through the agent alone:
`ipmitool lan print`, the lan_config_program's call log (ipmi_sim runs it
once per committed set-in-progress transaction), the chassis_control log
(identify) and ipmitool logins (passwords). Then the agent must serve the
new value at once and log one INFO "SET applied" line without secrets.

One world for the module: alpha (ipmiBmcIndex 1, three LAN channels) and
beta (2, two channels). Each test owns its channel, so the order of the
tests does not matter:
  1.1  address, netmask, gateway, one SET each
  1.2  (seeded DHCP) DHCP off + address + netmask + gateway in one PDU
  1.3  VLAN id and priority
  2.1  DHCP on; 2.2 (seeded DHCP) DHCP off
  alpha's user 3 "operator": passwords (ipmiBmcPassword.1, password_user_id 3)
  beta's chassis: identify (ipmiBmcIdentify.2, ipmiBmcIdentifyForce.2)
The agent changing its own login password, and passwords that cannot be
proven, are in test_password_proof.py.
"""

import time
from dataclasses import dataclass, field

import pytest

from agentlog import identify_commands, log_mark, log_since, wait_applied, wait_bmc_applied
from bmcside import add_user, identify_calls, ipmi_login
from world import BMC_ENTRY, FALSE, TRUE, Sim, World, attach_world, module_world, texts_holding

OPERATOR = "operator"
OPERATOR_UID = 3
FIRST_OPERATOR_PW = "Operator-pw-0"


@dataclass
class SetEnv:
    w: World
    alpha: Sim
    beta: Sim
    agent: object
    # passwords set in this module: the current one last
    passwords: list = field(default_factory=lambda: [FIRST_OPERATOR_PW])


@pytest.fixture(scope="module")
def env(request, agent_bin, mibdirs, source_dir):
    with module_world(request, agent_bin, mibdirs, source_dir) as w:
        alpha = w.sim("alpha", channels=3, sim_id=1)
        beta = w.sim("beta", channels=2, sim_id=2)
        add_user(alpha, OPERATOR_UID, OPERATOR, FIRST_OPERATOR_PW)
        agent = w.start_agent([alpha, beta], bmc_overrides={
            "alpha": {"password_user_id": OPERATOR_UID}})
        agent.wait_synced()
        yield SetEnv(w, alpha, beta, agent)
        agent.stop()


@pytest.fixture
def sw(request, env):
    """The module's world for one test, with its logs in a failure report."""
    attach_world(request, env.w)
    return env


def set_ok(w, *triples):
    res = w.snmpset(*triples)
    assert res.status == "noError", res.stderr
    return res


# --- LAN parameters ---------------------------------------------------------


@pytest.mark.parametrize("column, value, parm, printed, logged", [
    ("ipmiChannelIpAddress", "192.0.2.77", "ip_addr", "IP Address", "ip=192.0.2.77"),
    ("ipmiChannelNetmask", "255.255.0.0", "subnet_mask", "Subnet Mask",
     "netmask=255.255.0.0"),
    ("ipmiChannelGateway", "192.0.2.254", "default_gw_ip_addr", "Default Gateway IP",
     "gateway=192.0.2.254"),
], ids=["ip", "netmask", "gateway"])
def test_address_column(sw, column, value, parm, printed, logged):
    w, alpha, agent = sw.w, sw.alpha, sw.agent
    oid = f"{column}.1.1"
    assert alpha.lan_print(1)[printed] != value
    sets_before = len(alpha.lancfg_sets())
    mark = log_mark(agent)

    res = set_ok(w, (oid, "a", value))

    assert res.vars[0].value == value
    assert w.snmpget(oid).value == value  # the read-back, not the next refresh
    assert alpha.lancfg_sets()[sets_before:] == [{parm: value}]
    assert alpha.lan_state(1)[parm] == value
    assert alpha.lan_print(1)[printed] == value
    assert wait_applied(w, agent, mark, "alpha", 1) == logged
    if column == "ipmiChannelIpAddress":
        assert w.snmpget("ipmiChannelManageUrl.1.1").value == f"https://{value}/"


@pytest.mark.parametrize("channel, value, source, printed, logged", [
    (1, TRUE, "dhcp", "DHCP Address", "source=dhcp"),
    (2, FALSE, "static", "Static Address", "source=static"),
], ids=["static-to-dhcp", "dhcp-to-static"])
def test_dhcp(sw, channel, value, source, printed, logged):
    w, beta, agent = sw.w, sw.beta, sw.agent
    oid = f"ipmiChannelDhcp.2.{channel}"
    before = beta.lan_print(channel)
    assert before["IP Address Source"] != printed
    sets_before = len(beta.lancfg_sets())
    mark = log_mark(agent)

    set_ok(w, (oid, "i", value))

    assert w.snmpget(oid).value == value
    assert beta.lancfg_sets()[sets_before:] == [{"ip_addr_src": source}]
    after = beta.lan_print(channel)
    assert after["IP Address Source"] == printed
    assert after["IP Address"] == before["IP Address"]
    assert wait_applied(w, agent, mark, "beta", channel) == logged


def test_multi_column_set_is_one_commit(sw):
    """DHCP off with a static address in one PDU: ONE transaction on the BMC."""
    w, alpha, agent = sw.w, sw.alpha, sw.agent
    assert alpha.lan_print(2)["IP Address Source"] == "DHCP Address"
    sets_before = len(alpha.lancfg_sets())
    mark = log_mark(agent)
    want = {"ip_addr_src": "static", "ip_addr": "198.51.100.50",
            "subnet_mask": "255.255.255.128", "default_gw_ip_addr": "198.51.100.1"}

    set_ok(w, ("ipmiChannelDhcp.1.2", "i", FALSE),
           ("ipmiChannelIpAddress.1.2", "a", want["ip_addr"]),
           ("ipmiChannelNetmask.1.2", "a", want["subnet_mask"]),
           ("ipmiChannelGateway.1.2", "a", want["default_gw_ip_addr"]))

    calls = [c for c in alpha.lancfg_log() if c[1] == "set"]
    assert len(alpha.lancfg_sets()) == sets_before + 1, alpha.lancfg_log()
    assert calls[-1][0].endswith("/lan2.state")
    assert alpha.lancfg_sets()[-1] == want
    lan = alpha.lan_print(2)
    assert lan["IP Address Source"] == "Static Address"
    assert lan["IP Address"] == want["ip_addr"]
    assert lan["Subnet Mask"] == want["subnet_mask"]
    assert lan["Default Gateway IP"] == want["default_gw_ip_addr"]
    got = w.snmpget("ipmiChannelDhcp.1.2", "ipmiChannelIpAddress.1.2",
                    "ipmiChannelNetmask.1.2", "ipmiChannelGateway.1.2")
    assert [v.value for v in got] == [FALSE, want["ip_addr"], want["subnet_mask"],
                                      want["default_gw_ip_addr"]]
    assert wait_applied(w, agent, mark, "alpha", 2) == (
        "source=static ip=198.51.100.50 netmask=255.255.255.128 gateway=198.51.100.1")


# --- VLAN -------------------------------------------------------------------


def test_vlan_id_on_and_off(sw):
    w, alpha, agent = sw.w, sw.alpha, sw.agent
    sets_before = len(alpha.lancfg_sets())

    mark = log_mark(agent)
    set_ok(w, ("ipmiChannelVlanId.1.3", "i", 100))
    assert w.snmpget("ipmiChannelVlanId.1.3").value == 100
    assert alpha.lan_print(3)["802.1q VLAN ID"] == "100"
    assert wait_applied(w, agent, mark, "alpha", 3) == "vlan=100"

    mark = log_mark(agent)
    set_ok(w, ("ipmiChannelVlanId.1.3", "i", 0))
    assert w.snmpget("ipmiChannelVlanId.1.3").value == 0
    assert alpha.lan_print(3)["802.1q VLAN ID"] == "Disabled"
    assert wait_applied(w, agent, mark, "alpha", 3) == "vlan=off"
    # ipmi_sim keeps the VLAN in memory: it never reaches the program
    assert len(alpha.lancfg_sets()) == sets_before


def test_vlan_priority(sw):
    w, alpha, agent = sw.w, sw.alpha, sw.agent
    assert alpha.lan_print(3)["802.1q VLAN Priority"] != "5"
    mark = log_mark(agent)
    set_ok(w, ("ipmiChannelVlanPriority.1.3", "i", 5))
    assert w.snmpget("ipmiChannelVlanPriority.1.3").value == 5
    assert alpha.lan_print(3)["802.1q VLAN Priority"] == "5"
    assert wait_applied(w, agent, mark, "alpha", 3) == "priority=5"


# --- password ---------------------------------------------------------------


def test_password_user_id_column(sw):
    """ipmiBmcPasswordUserId is the configuration's password_user_id (default 2)."""
    got = sw.w.snmpget("ipmiBmcPasswordUserId.1", "ipmiBmcPasswordUserId.2")
    assert [(v.type, v.value) for v in got] == [("INTEGER", OPERATOR_UID), ("INTEGER", 2)]


@pytest.mark.parametrize("password, form", [
    ("Sixteen-chars-01", "16-byte"),
    ("Twenty-characters-XY", "20-byte"),
], ids=["16-chars", "20-chars"])
def test_password(sw, password, form):
    """Another user's password: set, then proven with Test Password in the
    same size form (ipmi_sim answers it without checking, so noError)."""
    w, alpha, agent = sw.w, sw.alpha, sw.agent
    old = sw.passwords[-1]
    assert ipmi_login(alpha, OPERATOR, old)
    mark = log_mark(agent)

    set_ok(w, ("ipmiBmcPassword.1", "s", password))
    sw.passwords.append(password)

    # ipmi_sim keeps the first 16 bytes of a 20-byte password
    assert ipmi_login(alpha, OPERATOR, password[:16])
    assert not ipmi_login(alpha, OPERATOR, old)
    assert w.snmpget("ipmiBmcPassword.1").value == ""  # never readable
    assert wait_bmc_applied(w, agent, mark, "alpha") == (
        f"password=(changed, user {OPERATOR_UID})")
    debug = log_since(agent, mark)
    set_line = f"Set User Password for user {OPERATOR_UID} ({form} form)"
    test_line = f"Test Password for user {OPERATOR_UID} ({form} form)"
    assert set_line in debug
    assert test_line in debug, "the new password was not tested in the same size form"
    assert debug.index(set_line) < debug.index(test_line)
    assert "proving the new password" not in debug  # not the agent's own login
    assert password not in agent.log()
    # the agent's own login (admin) is untouched
    assert ipmi_login(alpha, "admin", "secret")


# --- chassis identify ---------------------------------------------------------


def test_identify_timed_then_off(sw):
    w, beta, agent = sw.w, sw.beta, sw.agent
    seconds = 30
    calls = len(beta.chassis_log())
    mark = log_mark(agent)

    set_ok(w, ("ipmiBmcIdentify.2", "i", seconds))
    assert identify_calls(beta, calls) == [f"{seconds} 0"]
    assert identify_commands(agent, mark, "beta") == [f"interval {seconds}"]
    first = w.snmpget("ipmiBmcIdentify.2").value
    assert 0 < first <= seconds
    assert wait_bmc_applied(w, agent, mark, "beta") == f"identify={seconds}s"
    time.sleep(1.5)  # the countdown is the thing measured
    second = w.snmpget("ipmiBmcIdentify.2").value
    assert 0 < second < first
    assert w.snmpget("ipmiBmcIdentifyForce.2").value == FALSE
    assert w.snmpget("ipmiBmcIdentify.1").value == 0  # the other BMC's light

    calls = len(beta.chassis_log())
    mark = log_mark(agent)
    set_ok(w, ("ipmiBmcIdentify.2", "i", 0))
    assert identify_calls(beta, calls) == ["0 0"]
    assert w.snmpget("ipmiBmcIdentify.2").value == 0
    assert wait_bmc_applied(w, agent, mark, "beta") == "identify=off"


def test_identify_force_on_then_off(sw):
    w, beta, agent = sw.w, sw.beta, sw.agent
    calls = len(beta.chassis_log())
    mark = log_mark(agent)

    set_ok(w, ("ipmiBmcIdentifyForce.2", "i", TRUE))
    assert identify_calls(beta, calls) == ["0 1"]
    assert identify_commands(agent, mark, "beta") == ["interval 0 force on"]
    assert w.snmpget("ipmiBmcIdentifyForce.2").value == TRUE
    assert w.snmpget("ipmiBmcIdentify.2").value == 0  # forced on: no time limit
    assert wait_bmc_applied(w, agent, mark, "beta") == "identify=forced-on"

    calls = len(beta.chassis_log())
    mark = log_mark(agent)
    set_ok(w, ("ipmiBmcIdentifyForce.2", "i", FALSE))
    assert identify_calls(beta, calls) == ["0 0"]
    assert w.snmpget("ipmiBmcIdentifyForce.2").value == FALSE
    assert w.snmpget("ipmiBmcIdentify.2").value == 0
    assert wait_bmc_applied(w, agent, mark, "beta") == "identify=off"


def test_identify_zero_turns_forced_light_off(sw):
    """Writing 0 to ipmiBmcIdentify also ends a forced-on light."""
    w, beta, agent = sw.w, sw.beta, sw.agent
    mark = log_mark(agent)
    set_ok(w, ("ipmiBmcIdentifyForce.2", "i", TRUE))
    # (its line may trail snmpset's exit: wait, or it lands after the next mark)
    assert wait_bmc_applied(w, agent, mark, "beta") == "identify=forced-on"
    calls = len(beta.chassis_log())
    mark = log_mark(agent)
    set_ok(w, ("ipmiBmcIdentify.2", "i", 0))
    assert identify_calls(beta, calls) == ["0 0"]
    assert identify_commands(agent, mark, "beta") == ["interval 0"]
    assert w.snmpget("ipmiBmcIdentifyForce.2").value == FALSE
    assert wait_bmc_applied(w, agent, mark, "beta") == "identify=off"


def test_identify_with_a_channel_change_logs_both(sw):
    """One PDU, one BMC: a channel's VLAN and the BMC's light. Each change is
    logged on its own line; the channel line carries no identify field."""
    w, beta, agent = sw.w, sw.beta, sw.agent
    calls = len(beta.chassis_log())
    mark = log_mark(agent)
    set_ok(w, ("ipmiChannelVlanPriority.2.1", "i", 6), ("ipmiBmcIdentify.2", "i", 12))
    assert identify_calls(beta, calls) == ["12 0"]
    assert beta.lan_print(1)["802.1q VLAN Priority"] == "6"
    assert wait_applied(w, agent, mark, "beta", 1) == "priority=6"
    assert wait_bmc_applied(w, agent, mark, "beta") == "identify=12s"
    set_ok(w, ("ipmiBmcIdentify.2", "i", 0))


# --- secrets ----------------------------------------------------------------


def test_no_password_in_logs_or_walks(sw):
    """Every password this module set over SNMP (one more here), searched for."""
    w = sw.w
    set_ok(w, ("ipmiBmcPassword.1", "s", "Leak-Check-Pw-99"))
    sw.passwords.append("Leak-Check-Pw-99")
    assert ipmi_login(sw.alpha, OPERATOR, "Leak-Check-Pw-99")
    walk = w.snmpwalk()
    bulk = w.snmpbulkwalk()
    files = [sw.agent.proc.log, w.master.proc.log]
    for pw in sw.passwords:
        assert texts_holding(pw, *files) == []
        assert not [v for v in walk + bulk if pw in str(v.value)]
    column = [v for v in walk if v.oid.startswith(f"{BMC_ENTRY}.10.")]
    assert [(v.oid, v.value) for v in column] == [(f"{BMC_ENTRY}.10.1", ""),
                                                 (f"{BMC_ENTRY}.10.2", "")]
