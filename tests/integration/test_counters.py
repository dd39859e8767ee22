# SPDX-License-Identifier: GPL-3.0-or-later
"""The agent's counters of its work on each BMC, and its own scalars.

  ipmiBmcRefreshes        successful background reads of the BMC
  ipmiBmcRefreshFailures  failed background reads
  ipmiBmcSetsApplied      SET PDUs that changed the BMC, answered noError
  ipmiBmcSetsFailed       SET PDUs whose change failed once the BMC was
                          touched (commitFailed, undoFailed); refusals before
                          that (wrongValue, inconsistentValue, ...) do not count
  ipmiAgentVersion.0      the version `ipmi-agentx --version` prints
  ipmiAgentUptime.0       TimeTicks since the agent process started

One world for the module: one simulator "alpha" (ipmiBmcIndex 1, one LAN
channel), refresh_interval 2. The counters are compared before and after each
step, so the tests do not depend on each other's order, except the last one,
which takes the simulator down (and brings it back).
"""

import re
import subprocess
import time
from dataclasses import dataclass

import pytest

from agentlog import applied_lines, bmc_applied_lines, log_mark, wait_bmc_applied
from bmcside import identify_calls
from world import (FALSE, TRUE, Agent, Sim, World, attach_world, counter_deltas, counters,
                   module_world)


@dataclass
class CounterEnv:
    w: World
    alpha: Sim
    agent: Agent
    started: float  # time.monotonic() just before the agent was started


@pytest.fixture(scope="module")
def env(request, agent_bin, mibdirs, source_dir):
    with module_world(request, agent_bin, mibdirs, source_dir) as w:
        alpha = w.sim("alpha", channels=1, sim_id=1)
        w.start_master()
        started = time.monotonic()
        agent = w.start_agent([alpha])
        agent.wait_synced()
        yield CounterEnv(w, alpha, agent, started)
        agent.stop()


@pytest.fixture
def ce(request, env):
    attach_world(request, env.w)
    return env


def settle_deadline(agent, refreshes=3):
    return refreshes * (agent.refresh_interval + 2 * agent.timeout_ms / 1000.0) + 3


# --- the agent's scalars -----------------------------------------------------------


def test_agent_version_is_the_binarys(ce, agent_bin):
    out = subprocess.run([agent_bin, "--version"], capture_output=True, text=True,
                         timeout=10).stdout
    m = re.search(r"\b(\d+\.\d+\.\d+\S*)", out)
    assert m, out
    v = ce.w.snmpget("ipmiAgentVersion.0")
    assert (v.type, v.value) == ("STRING", m.group(1)), out


def test_agent_uptime_ticks_from_the_agents_start(ce):
    w = ce.w
    first, sys_up = w.snmpget("ipmiAgentUptime.0", "SNMPv2-MIB::sysUpTime.0")
    t0 = time.monotonic()
    assert first.type == "Timeticks", first
    # hundredths of a second since the agent started: not more than the
    # time since we started it, and not the master's (which started earlier)
    assert 0 < first.value <= (t0 - ce.started) * 100 + 10
    assert first.value <= sys_up.value + 10
    w.wait_for(lambda: w.snmpget("ipmiAgentUptime.0").value >= first.value + 50, 5,
               "ipmiAgentUptime.0 to grow by half a second")
    second = w.snmpget("ipmiAgentUptime.0").value
    elapsed = time.monotonic() - t0
    assert first.value + 50 <= second <= first.value + elapsed * 100 + 10


# --- refreshes ---------------------------------------------------------------------


def test_refreshes_count_successful_reads(ce):
    w, agent = ce.w, ce.agent
    interval = agent.refresh_interval
    start = counters(w, 1)
    # from the moment it moves, two more reads take about two intervals
    w.wait_for(lambda: counters(w, 1)["ipmiBmcRefreshes"] > start["ipmiBmcRefreshes"],
               interval + 5, "a read of alpha")
    moved = counters(w, 1)["ipmiBmcRefreshes"]
    t0 = time.monotonic()
    w.wait_for(lambda: counters(w, 1)["ipmiBmcRefreshes"] >= moved + 2, 2 * interval + 5,
               "two more reads of alpha")
    took = time.monotonic() - t0
    after = counters(w, 1)
    assert after["ipmiBmcRefreshes"] == moved + 2  # one per read, not per channel
    assert took > interval * 1.5 - 0.5, f"two reads in {took:.1f}s"
    assert after["ipmiBmcRefreshFailures"] == start["ipmiBmcRefreshFailures"] == 0
    assert w.snmpget("ipmiBmcReachable.1").value == TRUE


# --- SETs --------------------------------------------------------------------------------


def test_one_pdu_counts_once(ce):
    """Three varbinds on one BMC (two of a channel, one of the BMC): +1."""
    w, alpha, agent = ce.w, ce.alpha, ce.agent
    before = counters(w, 1)
    calls = len(alpha.chassis_log())
    mark = log_mark(agent)
    res = w.snmpset(("ipmiChannelVlanId.1.1", "i", 21), ("ipmiChannelVlanPriority.1.1", "i", 2),
                    ("ipmiBmcIdentify.1", "i", 20))
    assert res.status == "noError", res.stderr
    assert alpha.lan_print(1)["802.1q VLAN ID"] == "21"
    assert identify_calls(alpha, calls) == ["20 0"]
    assert wait_bmc_applied(w, agent, mark, "alpha") == "identify=20s"
    assert _only_refreshes_moved(before, counters(w, 1), {"ipmiBmcSetsApplied": 1})

    before = counters(w, 1)
    res = w.snmpset(("ipmiBmcIdentify.1", "i", 0))
    assert res.status == "noError", res.stderr
    assert _only_refreshes_moved(before, counters(w, 1), {"ipmiBmcSetsApplied": 1})


def _only_refreshes_moved(before, after, want):
    """The SET counters moved by exactly `want`; ipmiBmcRefreshes may have
    moved too (a read between the two GETs), RefreshFailures not."""
    deltas = counter_deltas(before, after)
    deltas.pop("ipmiBmcRefreshes", None)
    assert deltas == want, (before, after)
    return True


@pytest.mark.parametrize("triples, status", [
    ([("ipmiChannelVlanId.1.1", "i", 4095)], "wrongValue"),
    ([("ipmiBmcIdentify.1", "i", 256)], "wrongValue"),
    ([("ipmiBmcPassword.1", "s", "Short7!")], "wrongValue"),
    ([("ipmiChannelGateway.1.1", "a", "10.9.9.9")], "inconsistentValue"),
    ([("ipmiBmcIdentify.1", "i", 5), ("ipmiBmcIdentifyForce.1", "i", TRUE)],
     "inconsistentValue"),
    ([("ipmiBmcSetsApplied.1", "u", 0)], "notWritable"),
    ([("ipmiChannelVlanId.1.2", "i", 5)], "noCreation"),
    ([("ipmiChannelVlanId.1.1", "s", "5")], "wrongType"),
], ids=["vlan-range", "identify-range", "password-policy", "gateway-outside",
        "identify-and-force", "counter", "no-channel-2", "wrong-type"])
def test_refused_sets_are_not_counted(ce, triples, status):
    w, alpha = ce.w, ce.alpha
    before = counters(w, 1)
    calls = len(alpha.chassis_log())
    res = w.snmpset(*triples)
    assert res.status == status, res.stderr
    assert _only_refreshes_moved(before, counters(w, 1), {})
    assert identify_calls(alpha, calls) == []


def test_commit_failed_counts_once(ce):
    """The BMC refuses the commit (tests/sim/lancfg.sh's refuse-set file)."""
    w, alpha = ce.w, ce.alpha
    before = counters(w, 1)
    old_ip = alpha.lan_print(1)["IP Address"]
    (alpha.dir / "refuse-set").touch()
    try:
        res = w.snmpset(("ipmiChannelIpAddress.1.1", "a", "192.0.2.44"),
                        ("ipmiChannelVlanId.1.1", "i", 31))
    finally:
        (alpha.dir / "refuse-set").unlink()
    assert res.status == "commitFailed", res.stderr
    assert alpha.lan_print(1)["IP Address"] == old_ip
    assert _only_refreshes_moved(before, counters(w, 1), {"ipmiBmcSetsFailed": 1})
    # the same SET once the BMC takes it again
    before = counters(w, 1)
    res = w.snmpset(("ipmiChannelIpAddress.1.1", "a", "192.0.2.44"))
    assert res.status == "noError", res.stderr
    assert _only_refreshes_moved(before, counters(w, 1), {"ipmiBmcSetsApplied": 1})


def test_refused_identify_counts_once(ce):
    """A chassis without an identify light (tests/sim/chassis.sh's
    refuse-identify file: ipmi_sim answers with an error completion code):
    commitFailed, counted once per PDU, and a channel change of the same PDU
    is not kept."""
    w, alpha, agent = ce.w, ce.alpha, ce.agent
    vlan_before = alpha.lan_print(1)["802.1q VLAN ID"]
    before = counters(w, 1)
    mark = log_mark(agent)
    (alpha.dir / "refuse-identify").touch()
    try:
        res = w.snmpset(("ipmiBmcIdentify.1", "i", 10))
        assert res.status == "commitFailed", res.stderr
        assert res.failed_oid == w.oid("ipmiBmcIdentify.1")
        assert _only_refreshes_moved(before, counters(w, 1), {"ipmiBmcSetsFailed": 1})
        assert w.snmpget("ipmiBmcIdentify.1").value == 0

        before = counters(w, 1)
        res = w.snmpset(("ipmiChannelVlanId.1.1", "i", 55), ("ipmiBmcIdentifyForce.1", "i", TRUE))
        assert res.status == "commitFailed", res.stderr
        assert _only_refreshes_moved(before, counters(w, 1), {"ipmiBmcSetsFailed": 1})
    finally:
        (alpha.dir / "refuse-identify").unlink()
    assert alpha.lan_print(1)["802.1q VLAN ID"] == vlan_before
    assert w.snmpget("ipmiChannelVlanId.1.1").value == (
        0 if vlan_before == "Disabled" else int(vlan_before))
    assert w.snmpget("ipmiBmcIdentifyForce.1").value == FALSE
    assert bmc_applied_lines(agent, mark) == [] and applied_lines(agent, mark) == []


# --- a BMC that goes away --------------------------------------------------------------


def test_refresh_failures_count_while_the_bmc_is_down(ce):
    """Last in the module: the simulator is killed, then started again."""
    w, alpha, agent = ce.w, ce.alpha, ce.agent
    before = counters(w, 1)
    alpha.kill()
    try:
        w.wait_for(lambda: counters(w, 1)["ipmiBmcRefreshFailures"]
                   >= before["ipmiBmcRefreshFailures"] + 2,
                   settle_deadline(agent, 4), "two failed reads of alpha")
        down = counters(w, 1)
        assert w.snmpget("ipmiBmcReachable.1").value == FALSE
        # no read succeeded while it was down (at most the one in flight)
        assert down["ipmiBmcRefreshes"] <= before["ipmiBmcRefreshes"] + 1
        res = w.snmpset(("ipmiChannelVlanId.1.1", "i", 8))
        assert res.status == "resourceUnavailable", res.stderr
        after_refusal = counters(w, 1)
        assert after_refusal["ipmiBmcSetsFailed"] == down["ipmiBmcSetsFailed"]
        assert after_refusal["ipmiBmcSetsApplied"] == down["ipmiBmcSetsApplied"]
    finally:
        alpha.start()
    agent.wait_synced(timeout=settle_deadline(agent))
    up = counters(w, 1)
    w.wait_for(lambda: counters(w, 1)["ipmiBmcRefreshes"] >= up["ipmiBmcRefreshes"] + 1,
               settle_deadline(agent), "a read of alpha after its restart")
    again = counters(w, 1)
    assert again["ipmiBmcRefreshFailures"] == up["ipmiBmcRefreshFailures"]
    assert again["ipmiBmcRefreshes"] > down["ipmiBmcRefreshes"]
