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
  alpha's user 3 "operator": passwords (password_user_id 3)
  beta's chassis: identify
The agent changing its own login password gets a world of its own.
"""

import re
import time
from dataclasses import dataclass, field

import pytest

from setlib import (add_user, applied_lines, attach_world, identify_calls, ipmi_login,
                    log_mark, log_since, module_world, texts_holding, wait_applied)
from world import FALSE, TRUE, Sim, World

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


@pytest.mark.parametrize("password, form", [
    ("Sixteen-chars-01", "16-byte"),
    ("Twenty-characters-XY", "20-byte"),
], ids=["16-chars", "20-chars"])
def test_password(sw, password, form):
    w, alpha, agent = sw.w, sw.alpha, sw.agent
    old = sw.passwords[-1]
    assert ipmi_login(alpha, OPERATOR, old)
    mark = log_mark(agent)

    set_ok(w, ("ipmiChannelPassword.1.1", "s", password))
    sw.passwords.append(password)

    # ipmi_sim keeps the first 16 bytes of a 20-byte password
    assert ipmi_login(alpha, OPERATOR, password[:16])
    assert not ipmi_login(alpha, OPERATOR, old)
    assert w.snmpget("ipmiChannelPassword.1.1").value == ""  # never readable
    assert wait_applied(w, agent, mark, "alpha", 1) == (
        f"password=(changed, user {OPERATOR_UID})")
    assert f"Set User Password for user {OPERATOR_UID} ({form} form)" in log_since(agent, mark)
    assert password not in agent.log()
    # the agent's own login (admin) is untouched
    assert ipmi_login(alpha, "admin", "secret")


# --- chassis identify ---------------------------------------------------------


def test_identify_timed_then_off(sw):
    w, beta, agent = sw.w, sw.beta, sw.agent
    seconds = 30
    calls = len(beta.chassis_log())
    mark = log_mark(agent)

    set_ok(w, ("ipmiChannelIdentify.2.1", "i", seconds))
    assert identify_calls(beta, calls) == [f"{seconds} 0"]
    first = w.snmpget("ipmiChannelIdentify.2.1").value
    assert 0 < first <= seconds
    assert wait_applied(w, agent, mark, "beta", 1) == f"identify={seconds}s"
    time.sleep(1.5)  # the countdown is the thing measured
    second = w.snmpget("ipmiChannelIdentify.2.1").value
    assert 0 < second < first
    assert w.snmpget("ipmiChannelIdentifyForce.2.1").value == FALSE

    calls = len(beta.chassis_log())
    mark = log_mark(agent)
    set_ok(w, ("ipmiChannelIdentify.2.1", "i", 0))
    assert identify_calls(beta, calls) == ["0 0"]
    assert w.snmpget("ipmiChannelIdentify.2.1").value == 0
    assert wait_applied(w, agent, mark, "beta", 1) == "identify=off"


def test_identify_force_on_then_off(sw):
    w, beta, agent = sw.w, sw.beta, sw.agent
    calls = len(beta.chassis_log())
    mark = log_mark(agent)

    set_ok(w, ("ipmiChannelIdentifyForce.2.1", "i", TRUE))
    assert identify_calls(beta, calls) == ["0 1"]
    assert w.snmpget("ipmiChannelIdentifyForce.2.1").value == TRUE
    assert wait_applied(w, agent, mark, "beta", 1) == "identify=forced-on"

    calls = len(beta.chassis_log())
    mark = log_mark(agent)
    set_ok(w, ("ipmiChannelIdentifyForce.2.1", "i", FALSE))
    assert identify_calls(beta, calls) == ["0 0"]
    assert w.snmpget("ipmiChannelIdentifyForce.2.1").value == FALSE
    assert w.snmpget("ipmiChannelIdentify.2.1").value == 0
    assert wait_applied(w, agent, mark, "beta", 1) == "identify=off"


# --- secrets ----------------------------------------------------------------


def test_no_password_in_logs_or_walks(sw):
    """Every password this module set over SNMP (one more here), searched for."""
    w = sw.w
    set_ok(w, ("ipmiChannelPassword.1.2", "s", "Leak-Check-Pw-99"))
    sw.passwords.append("Leak-Check-Pw-99")
    assert ipmi_login(sw.alpha, OPERATOR, "Leak-Check-Pw-99")
    walk = w.snmpwalk()
    bulk = w.snmpbulkwalk()
    files = [sw.agent.proc.log, w.master.proc.log]
    for pw in sw.passwords:
        assert texts_holding(pw, *files) == []
        assert not [v for v in walk + bulk if pw in str(v.value)]
    assert all(v.value == "" for v in walk if v.oid.startswith(
        w.oid("ipmiChannelPassword") + "."))


# --- the agent's own login ----------------------------------------------------


def test_agent_changes_its_own_password(aworld):
    """password_user_id 2 is "admin", the user the agent logs in as."""
    alpha = aworld.sim("alpha", channels=1, sim_id=1)
    agent = aworld.start_agent([alpha])
    agent.wait_synced()
    new = "Admin-New-Pw-16c"
    mark = log_mark(agent)

    set_ok(aworld, ("ipmiChannelPassword.1.1", "s", new))
    assert ipmi_login(alpha, "admin", new)
    assert not ipmi_login(alpha, "admin", "secret")
    assert wait_applied(aworld, agent, mark, "alpha", 1) == "password=(changed, user 2)"
    warn = [line for line in log_since(agent, mark).splitlines()
            if re.search(r" warning: BMC alpha: the agent's own login password was changed", line)]
    assert len(warn) == 1
    assert "configuration file still holds the old one" in warn[0]

    # It logs in again (the sessions are reopened between refreshes) with the
    # new password, and stays reachable over several refresh rounds.
    refreshes = 3
    end = time.monotonic() + refreshes * agent.refresh_interval + 2
    while time.monotonic() < end:
        row = aworld.bmc_rows()[1]
        assert row["ipmiBmcReachable"] == TRUE, agent.proc.log_tail()
        assert row["ipmiBmcLastRefresh"] <= agent.refresh_interval + 2
        assert row["ipmiBmcLastError"] == ""
        time.sleep(0.25)
    after = log_since(agent, mark)
    relogin = after[after.index("SET applied on BMC alpha"):]
    assert "opening lanplus session" in relogin and "session open" in relogin, (
        "no login after the change")
    assert "unreachable" not in after
    assert len(applied_lines(agent, mark)) == 1
    assert new not in agent.log()
    agent.stop()
