# SPDX-License-Identifier: GPL-3.0-or-later
"""A SET's answer always matches the BMC, once things settle.

The failures here are the ones where the BMC and the answer could part:
- the BMC's commit is so slow that the agent gives up waiting (the BMC then
  applies the change after all, once it answers again);
- snmpd's agentXTimeout expires while the BMC work runs (the manager hears
  genErr, but the BMC took the change);
- snmpd dies while the BMC work runs.
In every case the manager was told "failed", so once the BMC answers the
agent must have put the old values back, said so in its log, and publish
what the BMC holds; an ipmiChannelConfigChanged is sent only for what really
changed (here: nothing).
"""

import time

from traps import CONFIG_CHANGED, TrapReceiver
from world import master_with, wait_master_socket

IP = "ipmiChannelIpAddress"
MASK = "ipmiChannelNetmask"
VLAN = "ipmiChannelVlanId"


def settle(w, sim, agent, want_ip, timeout=40):
    """Until the BMC (ipmitool) and the agent both show want_ip on channel 1."""
    w.wait_for(lambda: sim.lan_print(1)["IP Address"] == want_ip
               and w.snmpget(f"{IP}.1.1").value == want_ip, timeout,
               f"the BMC and the agent to hold {want_ip}")


def test_slow_commit_is_taken_back_when_the_bmc_answers(aworld):
    """The commit takes longer than the agent's session timeout: the agent
    answers a failure; when the BMC applies the change after all, the next
    refresh finds it and puts the old values back."""
    alpha = aworld.sim("alpha", channels=1, sim_id=1)
    agent = aworld.start_agent([alpha], timeout_ms=1000)
    agent.wait_synced()
    before = alpha.lan_print(1)
    mark = len(agent.log())
    (alpha.dir / "slow-set").write_text("4\n")

    res = aworld.snmpset((f"{IP}.1.1", "a", "192.0.2.99"))

    assert res.status in ("commitFailed", "undoFailed"), res.stderr
    assert res.failed_oid == aworld.oid(f"{IP}.1.1")
    # the BMC applies the change once its program is done; the agent takes it back
    aworld.wait_for(lambda: {"ip_addr": "192.0.2.99"} in alpha.lancfg_sets(), 20,
                    "the slow commit to reach the BMC")
    settle(aworld, alpha, agent, before["IP Address"])
    text = agent.log()[mark:]
    assert "took a failed SET after all" in text
    assert "channel 1 restored" in text
    assert alpha.lancfg_sets()[-1] == {"ip_addr": before["IP Address"]}
    row = aworld.bmc_rows()[1]
    assert row["ipmiBmcSetsFailed"] == 1 and row["ipmiBmcSetsApplied"] == 0
    agent.stop()


def test_master_timeout_is_taken_back(aworld):
    """snmpd's agentXTimeout (2 s) is shorter than the transaction (slowcommit
    pauses 1 s before each write after the first and before the commit): the
    manager hears genErr, the agent finishes the transaction, notices the
    master gave up, says so naming agentXTimeout, and takes the change back."""
    alpha = aworld.sim("alpha", channels=1, sim_id=1)
    traps = TrapReceiver(aworld).start()
    master = master_with(aworld, extra=traps.sink_line, agentx_timeout=2)
    wait_master_socket(master)
    master.wait_ready()
    agent = aworld.start_agent([alpha], bmc_overrides={"alpha": {
        "workarounds": ["opensesspriv", "slowcommit"], "timeout_ms": 3000}})
    agent.wait_synced()
    before = alpha.lan_print(1)
    sets_before = len(alpha.lancfg_sets())
    trap_mark = traps.mark()
    mark = len(agent.log())

    res = aworld.snmpset((f"{IP}.1.1", "a", "192.0.2.11"),
                         (f"{MASK}.1.1", "a", "255.255.255.128"), timeout=10)

    assert res.status in ("genErr", "timeout"), res.stderr
    # the change reached the BMC, and was then taken back
    aworld.wait_for(lambda: len(alpha.lancfg_sets()) >= sets_before + 2, 30,
                    "the change and its take-back on the BMC")
    assert alpha.lancfg_sets()[sets_before] == {"ip_addr": "192.0.2.11",
                                                "subnet_mask": "255.255.255.128"}
    settle(aworld, alpha, agent, before["IP Address"])
    assert alpha.lan_print(1)["Subnet Mask"] == before["Subnet Mask"]
    text = agent.log()[mark:]
    assert "the AgentX master gave up on a SET" in text
    assert "agentXTimeout" in text
    assert "SET applied" not in text
    # back on the master: serving, and the BMC row counts the failure
    aworld.wait_for(lambda: aworld.bmc_rows()[1]["ipmiBmcSetsFailed"] == 1, 15,
                    "the agent to serve again")
    time.sleep(1.0)  # a notification would have been sent by now
    assert traps.of(CONFIG_CHANGED, since=trap_mark) == []
    agent.stop()


def test_master_killed_mid_set_is_taken_back(aworld):
    """snmpd is killed while the BMC work runs: nobody will commit it, so the
    agent takes it back, reconnects to the restarted master and serves the
    old values."""
    alpha = aworld.sim("alpha", channels=1, sim_id=1)
    aworld.start_master(agentx_timeout=20)
    agent = aworld.start_agent([alpha], agentx_timeout=20, bmc_overrides={"alpha": {
        "workarounds": ["opensesspriv", "slowcommit"], "timeout_ms": 3000}})
    agent.wait_synced()
    before = alpha.lan_print(1)
    mark = len(agent.log())
    import threading

    result = {}
    setter = threading.Thread(target=lambda: result.setdefault("res", aworld.snmpset(
        (f"{IP}.1.1", "a", "192.0.2.12"), (f"{VLAN}.1.1", "i", 12), timeout=5)))
    setter.start()
    aworld.wait_for(lambda: "Set LAN parameter IP address" in agent.log()[mark:], 10,
                    "the first write of the transaction")
    aworld.master.proc.kill()
    setter.join(30)
    assert result["res"].status != "noError"
    aworld.wait_for(lambda: "gave up on a SET" in agent.log()[mark:], 20,
                    "the agent to notice the master is gone")
    aworld.master.proc.start()
    aworld.master.wait_ready()
    agent.wait_ready(timeout=20)
    settle(aworld, alpha, agent, before["IP Address"])
    assert alpha.lan_print(1)["802.1q VLAN ID"] == before["802.1q VLAN ID"]
    assert aworld.snmpget(f"{VLAN}.1.1").value == 0
    assert "SET applied" not in agent.log()[mark:]
    assert agent.proc.running()
    agent.stop()


def test_reload_with_a_changed_entry_drops_the_pending_restore(aworld):
    """A take-back never undoes what the operator asked: the SET failed and
    left a restore pending, then the operator changed that BMC's entry and
    reloaded. The restore is dropped, with a log line, and the change the
    BMC applied after all stays (ipmitool and the agent agree on it)."""
    import signal

    alpha = aworld.sim("alpha", channels=1, sim_id=1)
    agent = aworld.start_agent([alpha], timeout_ms=1000)
    agent.wait_synced()
    (alpha.dir / "slow-set").write_text("4\n")

    res = aworld.snmpset((f"{IP}.1.1", "a", "192.0.2.99"))

    assert res.status in ("commitFailed", "undoFailed"), res.stderr
    text = agent.log()
    assert "will be checked and restored once the BMC answers again" in text
    # the operator edits the entry (a longer timeout) and reloads at once
    agent.bmc_overrides = {"alpha": {"timeout_ms": 1500}}
    agent.write_config(agent.make_config(aworld.master.socket, 10, 1))
    mark = len(agent.log())
    agent.proc.signal(signal.SIGHUP)
    aworld.wait_for(lambda: "configuration reloaded" in agent.log()[mark:], 20,
                    "the reload")
    assert ("BMC alpha: its configuration entry changed, so the pending restore of "
            "channel 1 after a failed SET is dropped") in agent.log()[mark:]
    # the slow commit lands; nothing puts the old address back
    aworld.wait_for(lambda: {"ip_addr": "192.0.2.99"} in alpha.lancfg_sets(), 20,
                    "the slow commit to reach the BMC")
    settle(aworld, alpha, agent, "192.0.2.99")
    time.sleep(3)  # two more refreshes
    assert alpha.lan_print(1)["IP Address"] == "192.0.2.99"
    assert "took a failed SET after all" not in agent.log()[mark:]
    agent.stop()
