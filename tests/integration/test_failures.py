# SPDX-License-Identifier: GPL-3.0-or-later
"""The read path when peers fail: BMCs down or dying, a wrong password, a
restarted master. Reads must stay prompt (served from the last snapshot,
never waiting for a BMC) and the agent must not crash.
"""

import time

import pytest

from world import FALSE, TRUE, comparable_row, channel_row_from_lan

NO_READ_YET = 4294967295
# A read is answered from the snapshot: a whole walk of the module through
# snmpd takes a few tens of ms on loopback; the AgentX timeout is 10 s.
PROMPT = 1.0


def settle_deadline(agent, refreshes=3):
    """Time for `refreshes` refresh rounds that may each wait out a session timeout."""
    return refreshes * (agent.refresh_interval + 2 * agent.timeout_ms / 1000.0) + 3


def test_bmc_down_at_start(aworld):
    alpha = aworld.sim("alpha", channels=2, sim_id=1)
    beta = aworld.sim("beta", channels=1, sim_id=2, start=False)  # nobody serves its port
    agent = aworld.start_agent([alpha, beta])
    agent.wait_synced(bmcs=[1])

    # beta's row exists from the start, but says why there is no data
    def beta_failed():
        row = aworld.bmc_rows()[2]
        return row if row["ipmiBmcLastError"] else None

    row = aworld.wait_for(beta_failed, settle_deadline(agent), "beta's LastError")
    assert row["ipmiBmcName"] == "beta"
    assert row["ipmiBmcReachable"] == FALSE
    assert row["ipmiBmcLastRefresh"] == NO_READ_YET
    assert row["ipmiBmcManufacturerId"] == 0
    assert row["ipmiBmcFirmwareVersion"] == ""

    # alpha serves normally, promptly, and beta has no channel rows
    for _ in range(3):
        walk, elapsed = aworld.snmpwalk(timed=True)
        assert elapsed < PROMPT
        rows = aworld.channel_rows(walk)
        assert set(rows) == {(1, 1), (1, 2)}
        assert comparable_row(rows[(1, 1)]) == channel_row_from_lan(alpha.lan_print(1))
    assert agent.proc.running()
    # a SET to it: its channels are unknown, not absent; a BMC not configured has none
    res = aworld.snmpset(("ipmiChannelVlanId.2.1", "i", 5))
    assert res.status == "resourceUnavailable", res.stderr
    res = aworld.snmpset(("ipmiChannelVlanId.3.1", "i", 5))
    assert res.status == "noCreation", res.stderr

    # the BMC comes up: it is read within a few refresh intervals
    beta.start()
    agent.wait_synced(timeout=settle_deadline(agent))
    rows = aworld.channel_rows()
    assert set(rows) == {(1, 1), (1, 2), (2, 1)}
    assert comparable_row(rows[(2, 1)]) == channel_row_from_lan(beta.lan_print(1))
    row = aworld.bmc_rows()[2]
    assert row["ipmiBmcLastError"] == ""
    assert row["ipmiBmcManufacturerId"] == 4753
    agent.stop()


def test_bmc_dies_while_serving(aworld):
    alpha = aworld.sim("alpha", channels=2, sim_id=1)
    beta = aworld.sim("beta", channels=1, sim_id=2)
    agent = aworld.start_agent([alpha, beta])
    agent.wait_synced()
    before = aworld.channel_rows()

    alpha.kill()
    t_kill = time.monotonic()
    deadline = t_kill + settle_deadline(agent, refreshes=2)
    lost_at = None
    slowest = 0.0
    while True:
        walk, elapsed = aworld.snmpwalk(timed=True)
        slowest = max(slowest, elapsed)
        assert elapsed < PROMPT, f"walk took {elapsed:.2f}s after the BMC died"
        rows = aworld.channel_rows(walk)
        # the last known values stay published, for every channel
        assert rows == before
        bmc = aworld.bmc_rows(walk)
        assert bmc[2]["ipmiBmcReachable"] == TRUE
        if bmc[1]["ipmiBmcReachable"] == FALSE:
            assert bmc[1]["ipmiBmcLastError"] != ""
            assert bmc[1]["ipmiBmcName"] == "alpha"
            assert bmc[1]["ipmiBmcManufacturerId"] == 4753  # last known
            lost_at = time.monotonic()
            break
        assert time.monotonic() < deadline, (
            f"alpha still reachable {time.monotonic() - t_kill:.1f}s after SIGKILL")
        time.sleep(0.05)

    # still prompt, still the last values, while the agent keeps retrying
    retry_until = time.monotonic() + agent.refresh_interval + 2 * agent.timeout_ms / 1000.0
    while time.monotonic() < retry_until:
        walk, elapsed = aworld.snmpwalk(timed=True)
        slowest = max(slowest, elapsed)
        assert elapsed < PROMPT
        assert aworld.channel_rows(walk) == before
        assert aworld.bmc_rows(walk)[1]["ipmiBmcReachable"] == FALSE
        time.sleep(0.1)
    assert agent.proc.running()
    # LastRefresh counts the seconds since the last good read, from before the kill
    since_kill = time.monotonic() - t_kill
    last = aworld.bmc_rows()[1]["ipmiBmcLastRefresh"]
    assert since_kill - 1 <= last <= since_kill + agent.refresh_interval + 1
    print(f"alpha lost after {lost_at - t_kill:.2f}s; slowest walk {slowest:.3f}s")

    # back again: same state directory, same values
    alpha.start()
    agent.wait_synced(timeout=settle_deadline(agent))
    assert aworld.bmc_rows()[1]["ipmiBmcLastError"] == ""
    agent.stop()


def test_gets_stay_prompt_while_bmc_is_down(aworld):
    """Single GETs and GETNEXTs too, not only walks."""
    alpha = aworld.sim("alpha", channels=1, sim_id=1)
    agent = aworld.start_agent([alpha])
    agent.wait_synced()
    alpha.kill()
    end = time.monotonic() + settle_deadline(agent, refreshes=1)
    while time.monotonic() < end:
        t0 = time.monotonic()
        v = aworld.snmpget("ipmiChannelIpAddress.1.1", "ipmiBmcReachable.1")
        assert time.monotonic() - t0 < PROMPT
        assert v[0].value == "192.0.2.10"
        time.sleep(0.1)
    agent.stop()


def test_wrong_password(aworld):
    alpha = aworld.sim("alpha", channels=1, sim_id=1)
    beta = aworld.sim("beta", channels=1, sim_id=2)
    agent = aworld.start_agent([alpha, beta],
                               bmc_overrides={"alpha": {"password": "wrong-secret"}})
    agent.wait_synced(bmcs=[2])

    def failed():
        row = aworld.bmc_rows()[1]
        return row if row["ipmiBmcLastError"] else None

    row = aworld.wait_for(failed, settle_deadline(agent), "alpha's LastError")
    assert row["ipmiBmcReachable"] == FALSE
    assert "secret" not in agent.log()  # a password is never logged
    assert "wrong-secret" not in agent.log()
    assert set(aworld.channel_rows()) == {(2, 1)}
    agent.stop()


def test_master_restart(aworld):
    alpha = aworld.sim("alpha", channels=1, sim_id=1)
    agent = aworld.start_agent([alpha], ping_interval=1)
    agent.wait_synced()
    aworld.master.stop()
    time.sleep(0.5)  # let the agent notice the closed socket, if it reads it
    assert agent.proc.running()
    aworld.master.start()
    # reconnects within a few ping intervals and serves again
    agent.wait_ready(timeout=10)
    agent.wait_synced()
    assert aworld.snmpget("ipmiChannelIpAddress.1.1").value == "192.0.2.10"
    agent.stop()


def test_agent_before_master(aworld):
    """The agent starts while no master listens, then connects to it."""
    from world import Agent, Master

    alpha = aworld.sim("alpha", channels=1, sim_id=1)
    master = Master(aworld)
    agent = Agent(aworld, master, [alpha], ping_interval=1)
    aworld.agent = agent.start(wait=False)
    time.sleep(1.5)
    assert agent.proc.running(), agent.proc.log_tail()
    master.start()
    agent.wait_ready(timeout=15)
    agent.wait_synced()
    agent.stop()


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGINT"])
def test_stop_while_bmc_unreachable(aworld, signal_name):
    """Stopping must not wait for a BMC session to time out forever."""
    import signal as sig

    alpha = aworld.sim("alpha", channels=1, sim_id=1, start=False)
    agent = aworld.start_agent([alpha], timeout_ms=3000)
    time.sleep(0.5)  # the poller is now inside a session attempt
    t0 = time.monotonic()
    agent.proc.signal(getattr(sig, signal_name))
    rc = agent.proc.wait(10)
    assert rc == 0, agent.proc.log_tail()
    assert time.monotonic() - t0 < 8
