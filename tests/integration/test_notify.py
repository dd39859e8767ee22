# SPDX-License-Identifier: GPL-3.0-or-later
"""Notifications, as a manager receives them: snmptrapd behind the master.

The agent sends through the master (AgentX Notify); snmpd forwards them to
the trap2sink of its configuration, a snmptrapd of this world that logs
each one as a line of numeric varbinds (traps.TrapReceiver).

  ipmiChannelConfigChanged  (.0.1) after a SET that changed the LAN
      configuration, and after a refresh that found a change made elsewhere;
  ipmiBmcConnectionLost     (.0.2) when a BMC stops answering, or its first
      read fails;
  ipmiBmcConnectionRestored (.0.3) when it answers again.

Each one exactly once: the tests wait for it, then keep watching for
QUIET_REFRESHES more refreshes and count again.

One world for the module, refresh_interval 1: alpha (ipmiBmcIndex 1, two
channels; user 3 "operator" takes password SETs), beta (2, one channel;
killed and restarted), gamma (3, never running until its test).
"""

import time

import pytest

from agentlog import log_mark, log_since
from bmcside import add_user
from traps import CONFIG_CHANGED, CONNECTION_LOST, CONNECTION_RESTORED, TrapReceiver
from world import BMC_ENTRY, CHANNEL_ENTRY, FALSE, TRUE, attach_world, master_with, module_world

REFRESH = 1
QUIET_REFRESHES = 3
OPERATOR_UID = 3

# Column numbers of the varbinds (IPMI-CHANNEL-MIB).
NAME, LAST_ERROR = 2, 8
DHCP, IP, MASK, GW, VLAN, PRIO = 3, 4, 5, 6, 7, 8
CONFIG_COLUMNS = {DHCP: "ipmiChannelDhcp", IP: "ipmiChannelIpAddress",
                  MASK: "ipmiChannelNetmask", GW: "ipmiChannelGateway",
                  VLAN: "ipmiChannelVlanId", PRIO: "ipmiChannelVlanPriority"}


def bmc_vb(col, b):
    return f"{BMC_ENTRY}.{col}.{b}"


def ch_vb(col, b, ch):
    return f"{CHANNEL_ENTRY}.{col}.{b}.{ch}"


class Env:
    def __init__(self, w, traps, alpha, beta, gamma, agent, start_traps):
        self.w, self.traps = w, traps
        self.alpha, self.beta, self.gamma = alpha, beta, gamma
        self.agent = agent
        self.start_traps = start_traps


@pytest.fixture(scope="module")
def env(request, agent_bin, mibdirs, source_dir):
    with module_world(request, agent_bin, mibdirs, source_dir) as w:
        traps = TrapReceiver(w).start()
        master = master_with(w, extra=traps.sink_line)
        master.wait_ready()
        alpha = w.sim("alpha", channels=2, sim_id=1)
        beta = w.sim("beta", channels=1, sim_id=2)
        gamma = w.sim("gamma", channels=1, sim_id=3, start=False)
        add_user(alpha, OPERATOR_UID, "operator", "Operator-pw-0")
        mark = traps.mark()
        agent = w.start_agent([alpha, beta, gamma], refresh_interval=REFRESH,
                              bmc_overrides={"alpha": {"password_user_id": OPERATOR_UID}})
        agent.wait_synced(bmcs=[1, 2])
        # gamma's first read has failed once its LastError names the cause
        w.wait_for(lambda: w.snmpget("ipmiBmcLastError.3").value not in ("", "not read yet"),
                   10, "gamma's first read to fail")
        quiet(REFRESH)
        yield Env(w, traps, alpha, beta, gamma, agent, mark)
        agent.stop()


@pytest.fixture
def ne(request, env):
    attach_world(request, env.w)
    return env


def quiet(refreshes=QUIET_REFRESHES):
    """Long enough for a wrong repeat to show up."""
    time.sleep(refreshes * REFRESH + 0.5)


def wait_traps(e, trap_oid, since, what, timeout=10, bmc=None):
    """The notifications trap_oid after `since` (about `bmc`, an ipmiBmcIndex,
    when given), waited for until there is at least one."""
    def got():
        found = e.traps.of(trap_oid, since)
        if bmc is not None:
            found = [t for t in found if bmc_vb(NAME, bmc) in t]
        return found

    e.w.wait_for(got, timeout, what)
    return got


def channel_values(e, b, ch):
    """The six configuration columns of a row as the agent serves them."""
    got = e.w.snmpget(*(f"{name}.{b}.{ch}" for name in CONFIG_COLUMNS.values()))
    return {col: v.value for col, v in zip(CONFIG_COLUMNS, got)}


def assert_config_changed(e, trap, b, ch, name):
    """The varbinds of one ipmiChannelConfigChanged: the BMC's name and the
    row's six configuration columns, with the row's instance."""
    assert trap[bmc_vb(NAME, b)].value == name
    want = channel_values(e, b, ch)
    for col, value in want.items():
        assert trap[ch_vb(col, b, ch)].value == value, (CONFIG_COLUMNS[col], trap)
    assert trap[ch_vb(IP, b, ch)].type == "IpAddress"
    # nothing of another row or of another column rides along
    assert sorted(k for k in trap if k.startswith(CHANNEL_ENTRY + ".")) == sorted(
        ch_vb(col, b, ch) for col in CONFIG_COLUMNS)


# --- start-up ------------------------------------------------------------------


def test_start_sends_only_the_failed_first_read(ne):
    """A normal start (unknown -> reachable) is no news; a BMC whose first
    read fails is: one ConnectionLost, with the error of that read."""
    since = ne.start_traps
    assert ne.traps.of(CONFIG_CHANGED, since) == []
    assert ne.traps.of(CONNECTION_RESTORED, since) == []
    lost = ne.traps.of(CONNECTION_LOST, since)
    assert len(lost) == 1, lost
    assert lost[0][bmc_vb(NAME, 3)].value == "gamma"
    error = lost[0][bmc_vb(LAST_ERROR, 3)].value
    assert "connection timeout" in error, error
    assert bmc_vb(NAME, 1) not in lost[0] and bmc_vb(NAME, 2) not in lost[0]


# --- ipmiChannelConfigChanged ------------------------------------------------------


def test_vlan_set_sends_one_config_changed(ne):
    w = ne.w
    since = ne.traps.mark()
    res = w.snmpset(("ipmiChannelVlanId.1.1", "i", 42))
    assert res.ok, res.stderr

    got = wait_traps(ne, CONFIG_CHANGED, since, "ipmiChannelConfigChanged after the SET")
    trap = got()[0]
    assert trap[ch_vb(VLAN, 1, 1)].value == 42
    assert_config_changed(ne, trap, 1, 1, "alpha")
    # the refreshes after it read the same values: no "change elsewhere" either
    quiet()
    assert len(got()) == 1, got()
    assert ne.traps.of(CONFIG_CHANGED, since) == got()


def test_multi_column_set_sends_one_config_changed(ne):
    w = ne.w
    since = ne.traps.mark()
    res = w.snmpset(("ipmiChannelDhcp.1.2", "i", FALSE),
                    ("ipmiChannelIpAddress.1.2", "a", "198.51.100.60"),
                    ("ipmiChannelNetmask.1.2", "a", "255.255.255.0"),
                    ("ipmiChannelGateway.1.2", "a", "198.51.100.1"))
    assert res.ok, res.stderr

    got = wait_traps(ne, CONFIG_CHANGED, since, "ipmiChannelConfigChanged after the SET")
    trap = got()[0]
    assert trap[ch_vb(DHCP, 1, 2)].value == FALSE
    assert trap[ch_vb(IP, 1, 2)].value == "198.51.100.60"
    assert_config_changed(ne, trap, 1, 2, "alpha")
    quiet()
    assert len(ne.traps.of(CONFIG_CHANGED, since)) == 1, ne.traps.of(CONFIG_CHANGED, since)


def test_change_made_elsewhere_sends_config_changed(ne):
    """ipmitool changes the address on the BMC: a refresh finds it."""
    alpha, agent = ne.alpha, ne.agent
    since = ne.traps.mark()
    mark = log_mark(agent)
    alpha.ipmitool("lan", "set", 1, "ipaddr", "192.0.2.55")

    got = wait_traps(ne, CONFIG_CHANGED, since, "ipmiChannelConfigChanged after the refresh",
                     timeout=3 * REFRESH + 5)
    trap = got()[0]
    assert trap[ch_vb(IP, 1, 1)].value == "192.0.2.55"
    assert_config_changed(ne, trap, 1, 1, "alpha")
    assert "channel 1 changed outside the agent" in log_since(agent, mark)
    quiet()
    assert len(ne.traps.of(CONFIG_CHANGED, since)) == 1, ne.traps.of(CONFIG_CHANGED, since)


@pytest.mark.parametrize("triples", [
    [("ipmiBmcPassword.1", "s", "Notify-Pass-16ch")],
    [("ipmiBmcIdentify.1", "i", 5)],
    [("ipmiBmcIdentifyForce.1", "i", TRUE)],
    [("ipmiBmcIdentifyForce.1", "i", FALSE)],
    [("ipmiChannelVlanPriority.1.2", "i", 0)],  # the value it already has
], ids=["password", "identify", "force-on", "force-off", "same-value"])
def test_sets_that_change_no_lan_config_send_nothing(ne, triples):
    w = ne.w
    assert w.snmpget("ipmiChannelVlanPriority.1.2").value == 0
    since = ne.traps.mark()
    res = w.snmpset(*triples)
    assert res.ok, res.stderr
    quiet(2)
    assert ne.traps.traps()[since:] == []


def test_refused_set_sends_nothing(ne):
    w = ne.w
    since = ne.traps.mark()
    res = w.snmpset(("ipmiChannelVlanId.1.1", "i", 4095))
    assert res.status == "wrongValue", res.stderr
    res = w.snmpset(("ipmiChannelIpAddress.1.1", "a", "10.9.9.9"))  # gateway outside
    assert res.status == "inconsistentValue", res.stderr
    quiet(2)
    assert ne.traps.traps()[since:] == []


# --- ipmiBmcConnectionLost / Restored -------------------------------------------------


def test_bmc_lost_and_restored_once_each(ne):
    w, beta = ne.w, ne.beta
    since = ne.traps.mark()
    beta.kill()

    got = wait_traps(ne, CONNECTION_LOST, since, "ipmiBmcConnectionLost for beta",
                     bmc=2, timeout=3 * REFRESH + 5)
    trap = got()[0]
    assert trap[bmc_vb(NAME, 2)].value == "beta"
    error = trap[bmc_vb(LAST_ERROR, 2)].value
    assert error and error == w.snmpget("ipmiBmcLastError.2").value
    assert w.snmpget("ipmiBmcReachable.2").value == FALSE
    # several more failed refreshes (1, 2 and 4 intervals apart): no repeat
    quiet(QUIET_REFRESHES + 4)
    assert len(got()) == 1, got()

    mid = ne.traps.mark()
    beta.start()
    restored = wait_traps(ne, CONNECTION_RESTORED, mid, "ipmiBmcConnectionRestored for beta",
                          bmc=2, timeout=8 * REFRESH + 5)
    trap = restored()[0]
    assert trap[bmc_vb(NAME, 2)].value == "beta"
    assert bmc_vb(LAST_ERROR, 2) not in trap
    assert w.snmpget("ipmiBmcReachable.2").value == TRUE
    quiet()
    assert len(restored()) == 1, restored()
    # the same values came back: no ConfigChanged, and nothing about the others
    assert ne.traps.of(CONFIG_CHANGED, since) == []
    assert len(ne.traps.traps()[since:]) == 2, ne.traps.traps()[since:]


def test_first_read_failed_then_restored(ne):
    """gamma was never read: when it comes up, one ConnectionRestored."""
    gamma = ne.gamma
    since = ne.traps.mark()
    gamma.start()
    restored = wait_traps(ne, CONNECTION_RESTORED, since, "ipmiBmcConnectionRestored for gamma",
                          bmc=3, timeout=8 * REFRESH + 5)
    assert restored()[0][bmc_vb(NAME, 3)].value == "gamma"
    ne.agent.wait_synced(bmcs=[3])
    quiet()
    assert len(ne.traps.traps()[since:]) == 1, ne.traps.traps()[since:]
