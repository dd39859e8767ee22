# SPDX-License-Identifier: GPL-3.0-or-later
"""SIGHUP reloads the configuration without a restart.

- A valid new file is applied: BMCs added, removed or changed; a BMC whose
  entry did not change keeps its struct bmc (no new channel discovery), its
  rows and its counters; `index:` keeps every BMC's rows where they were.
- An invalid file is refused with file:line:column in the log, and the old
  configuration keeps running.
- SIGHUP never stops the agent.
"""

import re
import signal

from world import TRUE

VLAN = "ipmiChannelVlanId"


def reload(w, agent, mark_text="configuration reloaded"):
    """SIGHUP; until the log says the reload ended (applied or refused)."""
    before = agent.log().count(mark_text) + agent.log().count("reload refused")
    agent.proc.signal(signal.SIGHUP)
    w.wait_for(lambda: agent.log().count(mark_text) + agent.log().count("reload refused")
               > before, 20, "the reload to end")
    assert agent.proc.running()


def rewrite(agent, sims, overrides):
    agent.sims = list(sims)
    agent.bmc_overrides = overrides
    agent.write_config(agent.make_config(agent.world.master.socket, 10, 1))


def discoveries(agent, name):
    return len(re.findall(rf"bmc {name}: \d+ LAN channel\(s\) found", agent.log()))


def test_reload_adds_removes_changes_and_keeps(aworld):
    alpha = aworld.sim("alpha", channels=2, sim_id=1)
    beta = aworld.sim("beta", channels=1, sim_id=2)
    gamma = aworld.sim("gamma", channels=1, sim_id=3)
    delta = aworld.sim("delta", channels=1, sim_id=4)
    agent = aworld.start_agent([alpha, beta, gamma], wait=False, bmc_overrides={
        "alpha": {"index": 10}, "beta": {"index": 20}, "gamma": {"index": 30}})
    aworld.wait_for(lambda: all(r.get("ipmiBmcReachable") == TRUE
                                for r in aworld.bmc_rows().values())
                    and len(aworld.bmc_rows()) == 3, 30, "three BMCs read")
    assert aworld.snmpset((f"{VLAN}.10.1", "i", 7)).status == "noError"
    rows = aworld.bmc_rows()
    assert sorted(rows) == [10, 20, 30]
    alpha_refreshes = rows[10]["ipmiBmcRefreshes"]
    assert rows[10]["ipmiBmcSetsApplied"] == 1
    assert discoveries(agent, "alpha") == 1

    # alpha unchanged, beta removed, gamma changed (timeout), delta added
    rewrite(agent, [alpha, gamma, delta], {
        "alpha": {"index": 10}, "gamma": {"index": 30, "timeout_ms": 1500},
        "delta": {"index": 40}})
    reload(aworld, agent)

    aworld.wait_for(lambda: sorted(aworld.bmc_rows()) == [10, 30, 40] and all(
        r.get("ipmiBmcReachable") == TRUE for r in aworld.bmc_rows().values()), 30,
        "the new set of BMCs read")
    rows = aworld.bmc_rows()
    assert rows[10]["ipmiBmcName"] == "alpha"
    assert rows[10]["ipmiBmcSetsApplied"] == 1            # kept
    assert rows[10]["ipmiBmcRefreshes"] >= alpha_refreshes  # kept, not restarted from 0
    assert rows[30]["ipmiBmcName"] == "gamma"
    assert rows[30]["ipmiBmcSetsApplied"] == 0
    assert rows[40]["ipmiBmcName"] == "delta"
    assert aworld.snmpget(f"{VLAN}.10.1").value == 7       # alpha's row is as it was
    assert aworld.snmpget(f"{VLAN}.20.1").exception        # beta's rows are gone
    assert discoveries(agent, "alpha") == 1                # same struct bmc: no rediscovery
    assert discoveries(agent, "gamma") == 2                # changed: a new one
    assert "1 kept as they were, 2 new or changed" in agent.log()
    agent.stop()


def test_invalid_file_is_refused_and_old_config_runs(aworld):
    alpha = aworld.sim("alpha", channels=1, sim_id=1)
    agent = aworld.start_agent([alpha])
    agent.wait_synced()
    walk = [(v.oid, v.value) for v in aworld.snmpwalk(f"{aworld.oid('ipmiChannelTable')}")]
    good = agent.config.read_text()
    agent.write_config(good + "bmcs_typo: 3\n")
    reload(aworld, agent)
    line = [x for x in agent.log().splitlines() if "reload refused" in x][-1]
    assert re.search(rf"{re.escape(str(agent.config))}:\d+:\d+: bmcs_typo: unknown key", line)
    # the old configuration keeps running: rows, SETs
    assert [(v.oid, v.value) for v in aworld.snmpwalk(
        f"{aworld.oid('ipmiChannelTable')}")] == walk
    assert aworld.snmpset((f"{VLAN}.1.1", "i", 9)).status == "noError"
    assert alpha.lan_print(1)["802.1q VLAN ID"] == "9"
    agent.stop()


def test_indexes_survive_restart_and_removal(aworld):
    alpha = aworld.sim("alpha", channels=1, sim_id=1)
    beta = aworld.sim("beta", channels=1, sim_id=2)
    agent = aworld.start_agent([alpha, beta], wait=False, bmc_overrides={
        "alpha": {"index": 5}, "beta": {"index": 6}})
    aworld.wait_for(lambda: sorted(aworld.bmc_rows()) == [5, 6], 30, "both BMCs served")
    agent.stop()
    # alpha removed from the file: beta keeps index 6 after a restart
    rewrite(agent, [beta], {"beta": {"index": 6}})
    agent.start(wait=False)
    aworld.wait_for(lambda: list(aworld.bmc_rows()) == [6]
                    and aworld.bmc_rows()[6]["ipmiBmcReachable"] == TRUE, 30,
                    "beta served at index 6")
    assert aworld.snmpget("ipmiBmcName.6").value == "beta"
    agent.stop()


def reads(agent, name):
    return agent.log().count(f"debug: bmc {name}: reading LAN channel 1\n")


def test_kept_bmc_keeps_its_refresh_schedule(aworld):
    """A reload is no cold start for a kept BMC: it is read when its interval
    says, not at once (a thousand kept BMCs would otherwise all be read
    again on every SIGHUP). The added one is read at once."""
    alpha = aworld.sim("alpha", channels=1, sim_id=1)
    beta = aworld.sim("beta", channels=1, sim_id=2)
    agent = aworld.start_agent([alpha], refresh_interval=30)
    agent.wait_synced()
    assert reads(agent, "alpha") == 1
    rewrite(agent, [alpha, beta], {})
    reload(aworld, agent)
    aworld.wait_for(lambda: reads(agent, "beta") == 1, 20, "beta's first read")

    def both_served():
        rows = aworld.bmc_rows()
        return rows if len(rows) == 2 and all(
            r.get("ipmiBmcReachable") == TRUE for r in rows.values()) else None

    rows = aworld.wait_for(both_served, 20, "both BMCs served")
    assert rows[1]["ipmiBmcName"] == "alpha" and rows[1]["ipmiBmcRefreshes"] == 1
    assert reads(agent, "alpha") == 1, "the kept BMC was read again at the reload"
    assert "1 kept as they were, 1 new or changed" in agent.log()
    agent.stop()
