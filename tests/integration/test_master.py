# SPDX-License-Identifier: GPL-3.0-or-later
"""The AgentX master goes away and comes back.

The agent keeps running while snmpd is down, without spinning on a dead
socket, and serves GET and SET again within a ping interval (plus slack)
of the master's return, every time: a reconnect that gets the old
descriptor number back must work too (keepalived issue 2726), so the
master is restarted twice in a row. A master that dies while a SET is
being written to a BMC must not leave that BMC locked in set-in-progress.

(test_failures.py covers one plain restart and an agent started before its
master; this file measures.)
"""

import threading
import time

from agentlog import log_mark, log_since
from bmcside import set_in_progress_state
from world import channel_row_from_lan, comparable_row, cpu_seconds

PING_INTERVAL = 1
# After the master serves again: the reconnect alarm's period plus slack.
RECONNECT_LIMIT = PING_INTERVAL + 2.0
DOWN_SECONDS = 3.0
# A loop blocked in select() costs next to nothing; one that spins on a
# closed socket burns a core (3 s here).
CPU_LIMIT = 0.2


def wait_serving(w, what, timeout=10):
    """Until a GET through the master reaches the agent again. Short client
    timeouts: a request sent before snmpd listens is lost, not refused."""
    w.wait_for(lambda: not w.snmpget("ipmiBmcName.1", timeout=0.3).exception, timeout, what)


def cpu_while_master_down(agent, seconds):
    """CPU seconds the agent used over `seconds` while no master listens."""
    before = cpu_seconds(agent.proc.pid)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        assert agent.proc.running(), agent.proc.log_tail()
        time.sleep(0.2)
    return cpu_seconds(agent.proc.pid) - before


def test_master_restarted_twice(aworld):
    alpha = aworld.sim("alpha", channels=1, sim_id=1)
    agent = aworld.start_agent([alpha], ping_interval=PING_INTERVAL)
    agent.wait_synced()
    master = aworld.master

    for round_, vlan in ((1, 101), (2, 102)):
        mark = log_mark(agent)
        master.stop()
        used = cpu_while_master_down(agent, DOWN_SECONDS)
        assert used < CPU_LIMIT, f"round {round_}: {used:.2f}s CPU while the master was down"
        down_log = log_since(agent, mark)
        assert "went away" in down_log
        # Net-SNMP repeats its connect failure at every ping (1 s): warned once,
        # the repeats kept for debug output.
        failures = [line for line in down_log.splitlines()
                    if "Failed to connect to the agentx master" in line]
        assert len(failures) >= 2, down_log
        assert sum(" warning: " in line for line in failures) == 1, failures

        t0 = time.monotonic()
        master.start(wait=False)
        wait_serving(aworld, f"round {round_}: the agent to serve again")
        get_after = time.monotonic() - t0
        assert aworld.snmpget("ipmiChannelIpAddress.1.1").value == "192.0.2.10"
        res = aworld.snmpset(("ipmiChannelVlanId.1.1", "i", vlan))
        set_after = time.monotonic() - t0
        assert res.ok, res.stderr
        assert alpha.lan_print(1)["802.1q VLAN ID"] == str(vlan)
        print(f"round {round_}: {used:.3f}s CPU while down; GET after {get_after:.2f}s, "
              f"SET done after {set_after:.2f}s")
        assert get_after <= RECONNECT_LIMIT
        assert set_after <= RECONNECT_LIMIT
        assert log_since(agent, mark).count("AgentX subagent connected to") == 1
    agent.stop()


# slowcommit pauses 1 s before each write after the first and before the
# commit: a three-field SET holds the BMC's lock for about 3 s.
INFLIGHT_AGENTX_TIMEOUT = 20


def test_master_dies_during_set(aworld):
    alpha = aworld.sim("alpha", channels=1, sim_id=1)
    aworld.start_master(agentx_timeout=INFLIGHT_AGENTX_TIMEOUT)
    # timeout_ms above the 1 s pauses, or libfreeipmi drops the idle session
    agent = aworld.start_agent([alpha], ping_interval=PING_INTERVAL,
                               agentx_timeout=INFLIGHT_AGENTX_TIMEOUT,
                               bmc_overrides={"alpha": {
                                   "workarounds": ["opensesspriv", "slowcommit"],
                                   "timeout_ms": 2000}})
    agent.wait_synced()
    mark = log_mark(agent)
    result = {}

    def run_set():
        result["res"] = aworld.snmpset(("ipmiChannelIpAddress.1.1", "a", "192.0.2.11"),
                                       ("ipmiChannelNetmask.1.1", "a", "255.255.255.128"),
                                       ("ipmiChannelGateway.1.1", "a", "192.0.2.126"),
                                       timeout=5)

    setter = threading.Thread(target=run_set)
    t0 = time.monotonic()
    setter.start()
    try:
        aworld.wait_for(lambda: "Set LAN parameter IP address" in log_since(agent, mark),
                        10, "the first write of the SET")
        time.sleep(max(0.0, 1.0 - (time.monotonic() - t0)))
        aworld.master.proc.kill()  # SIGKILL: no goodbye to the subagent
        killed_at = time.monotonic() - t0
    finally:
        setter.join(30)
    assert 0.5 < killed_at < 2.0, killed_at
    assert result["res"].status == "timeout", result["res"]
    assert agent.proc.running(), agent.proc.log_tail()

    # The transaction ran to its end on the BMC, and since no master will
    # ever commit it (the manager heard nothing), the agent took it back: the
    # lock is released, not left in set-in-progress, and the old address is
    # back, so another client can lock and commit.
    aworld.wait_for(lambda: "the SET the master gave up on was taken back"
                    in log_since(agent, mark), 20, "the change to be taken back")
    assert set_in_progress_state(alpha, 1) == 0
    assert alpha.lan_print(1)["IP Address"] == "192.0.2.10"
    alpha.ipmitool("lan", "set", 1, "ipaddr", "192.0.2.12")
    assert alpha.lan_print(1)["IP Address"] == "192.0.2.12"
    assert set_in_progress_state(alpha, 1) == 0
    assert agent.proc.running(), agent.proc.log_tail()

    t0 = time.monotonic()
    aworld.master.start(wait=False)
    wait_serving(aworld, "the agent to serve again")
    took = time.monotonic() - t0
    assert took <= RECONNECT_LIMIT, took
    res = aworld.snmpset(("ipmiChannelVlanId.1.1", "i", 12))
    assert res.ok, res.stderr
    # and what it serves converges on what the BMC holds
    want = channel_row_from_lan(alpha.lan_print(1))
    assert want["ipmiChannelIpAddress"] == "192.0.2.12"
    assert want["ipmiChannelVlanId"] == 12
    aworld.wait_for(lambda: comparable_row(aworld.channel_rows()[(1, 1)]) == want,
                    3 * agent.refresh_interval + 5, "the agent to serve the BMC's values")
    agent.stop()
