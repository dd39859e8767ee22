# SPDX-License-Identifier: GPL-3.0-or-later
"""BMCs that are gone or slow: nobody waits for them.

(test_failures.py covers Reachable/LastError of a dead BMC and its return;
test_set_failures.py a SET to a dead BMC with a short timeout.) Here:

- a SET to a dead BMC is refused at once even while its poller sits in a
  long login attempt, and a SET to a healthy BMC is not held up by it;
- the poller backs off from a dead BMC (1, 2, 4, 8 refresh intervals) and
  still finds it again within the longest back-off when it returns;
- a BMC behind a slow network (relays.DelayProxy) neither slows the
  walks nor delays the refreshes of the other BMC.
"""

import re
import time
from datetime import datetime

from agentlog import log_mark, log_since
from relays import DelayProxy
from world import FALSE, TRUE, channel_row_from_lan, comparable_row

PROMPT_SET = 1.0
PROMPT_WALK = 0.5
BACKOFF_MAX = 8  # POLLER_BACKOFF_MAX_FACTOR, in refresh intervals

_STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}) ")


def stamped(agent, mark, pattern):
    """(seconds since the epoch, line) of the agent's log lines matching pattern."""
    rx = re.compile(pattern)
    out = []
    for line in log_since(agent, mark).splitlines():
        m = _STAMP.match(line)
        if m and rx.search(line):
            out.append((datetime.fromisoformat(m.group(1)).timestamp(), line))
    return out


def login_in_progress(agent, mark, name):
    """True when the last log line about BMC `name` is the start of a login
    that has not failed yet: its poller is waiting for the BMC right now."""
    lines = [line for line in log_since(agent, mark).splitlines()
             if f"bmc {name}:" in line or f"BMC {name}:" in line]
    return bool(lines) and "opening lanplus session" in lines[-1]


# --- SETs are not held up ----------------------------------------------------------


def test_set_to_dead_bmc_does_not_wait_for_it(aworld):
    alpha = aworld.sim("alpha", channels=1, sim_id=1)
    beta = aworld.sim("beta", channels=1, sim_id=2)
    # Each login attempt to a dead beta lasts its whole 5 s timeout.
    agent = aworld.start_agent([alpha, beta], refresh_interval=1,
                               bmc_overrides={"beta": {"timeout_ms": 5000}})
    agent.wait_synced()
    beta.kill()
    aworld.wait_for(lambda: aworld.snmpget("ipmiBmcReachable.2").value == FALSE,
                    20, "beta to read as unreachable")
    mark = log_mark(agent)

    during_login = 0
    vlan = 20
    end = time.monotonic() + 7
    while time.monotonic() < end:
        busy = login_in_progress(agent, 0, "beta")
        res = aworld.snmpset(("ipmiChannelVlanId.2.1", "i", 33))
        assert res.status == "resourceUnavailable", res.stderr
        assert res.elapsed < PROMPT_SET, f"SET to dead beta took {res.elapsed:.2f}s"
        # the healthy BMC's SETs go through meanwhile, as fast as ever
        vlan += 1
        res = aworld.snmpset(("ipmiChannelVlanId.1.1", "i", vlan))
        assert res.ok, res.stderr
        assert res.elapsed < PROMPT_SET, f"SET to alpha took {res.elapsed:.2f}s"
        if busy and login_in_progress(agent, 0, "beta"):
            during_login += 1
        time.sleep(0.3)
    assert during_login >= 3, "no SET landed while beta's poller was logging in"
    assert alpha.lan_print(1)["802.1q VLAN ID"] == str(vlan)
    assert log_since(agent, mark).count("BMC unreachable") >= during_login
    agent.stop()


# --- back-off ------------------------------------------------------------------------


def test_poller_backs_off_from_a_dead_bmc(aworld):
    refresh = 1
    alpha = aworld.sim("alpha", channels=1, sim_id=1)
    # A short timeout: without back-off a dead BMC would be tried ~8 times in 10 s.
    agent = aworld.start_agent([alpha], refresh_interval=refresh, timeout_ms=200)
    agent.wait_synced()
    mark = log_mark(agent)
    alpha.kill()

    def failures():
        return stamped(agent, mark, r"bmc alpha: read failed")

    aworld.wait_for(failures, 3 * refresh + 2, "the first failed read")
    first = failures()[0][0]
    window = 10 * refresh
    # Wait out the window, then restart the BMC right after the 4th attempt:
    # the poller now waits the longest back-off.
    aworld.wait_for(lambda: len(failures()) >= 4 and time.time() >= first + window,
                    window + BACKOFF_MAX * refresh + 5, "four failed reads")
    attempts = [t for t, _ in failures() if t < first + window]
    gaps = [b - a for a, b in zip(attempts, attempts[1:])]
    print(f"{len(attempts)} attempts in {window}s; gaps {[round(g, 2) for g in gaps]}")
    assert len(attempts) <= 5, gaps
    # each wait doubles: 1, 2, 4 intervals (plus the failed read's own time)
    for n, gap in enumerate(gaps[:3]):
        assert (2 ** n) * refresh - 0.2 <= gap <= (2 ** n) * refresh + 1.0, gaps
    assert "next try in 8 s" in log_since(agent, mark)

    alpha.start()
    t0 = time.monotonic()
    aworld.wait_for(lambda: aworld.snmpget("ipmiBmcReachable.1").value == TRUE,
                    BACKOFF_MAX * refresh + 5, "alpha to be read again")
    back_after = time.monotonic() - t0
    print(f"reachable {back_after:.2f}s after the BMC came back")
    assert back_after <= BACKOFF_MAX * refresh + 2.5
    # a successful read resets the back-off: refreshes are 1 interval apart again
    mark2 = log_mark(agent)
    time.sleep(3 * refresh + 0.5)
    assert aworld.snmpget("ipmiBmcLastRefresh.1").value <= refresh
    assert len(stamped(agent, mark2, r"bmc alpha: reading LAN channel 1")) >= 2
    agent.stop()


# --- a slow BMC ---------------------------------------------------------------------------


def test_reads_falling_behind_are_counted_and_logged(aworld):
    """One worker, a BMC whose reads take seconds: the other's reads start late."""
    alpha = aworld.sim("alpha", channels=1, sim_id=1)
    beta = aworld.sim("beta", channels=1, sim_id=2)
    proxy = DelayProxy(alpha.port, 0.15).start()
    try:
        agent = aworld.start_agent([alpha, beta], refresh_interval=1, workers=1,
                                   bmc_overrides={"alpha": {"port": proxy.port,
                                                            "timeout_ms": 4000}})
        agent.wait_synced(timeout=30)
        aworld.wait_for(lambda: aworld.snmpget("ipmiAgentRefreshesLate.0").value >= 2, 20,
                        "late reads to be counted")
        log = agent.log()
        assert "reads are falling behind their interval" in log
        assert "more workers are needed" in log
        agent.stop()
    finally:
        proxy.stop()


def test_slow_bmc_delays_nobody(aworld):
    refresh = 1
    alpha = aworld.sim("alpha", channels=1, sim_id=1)
    beta = aworld.sim("beta", channels=1, sim_id=2)
    # 150 ms each way: every IPMI round trip to alpha costs 300 ms more; a
    # whole read (login, device ID, LAN parameters) several seconds.
    proxy = DelayProxy(alpha.port, 0.15).start()
    try:
        agent = aworld.start_agent([alpha, beta], refresh_interval=refresh,
                                   bmc_overrides={"alpha": {"port": proxy.port,
                                                            "timeout_ms": 4000}})
        agent.wait_synced(timeout=30)
        # the slow BMC's values are right
        rows = aworld.channel_rows()
        assert comparable_row(rows[(1, 1)]) == channel_row_from_lan(alpha.lan_print(1))
        assert comparable_row(rows[(2, 1)]) == channel_row_from_lan(beta.lan_print(1))

        packets = proxy.packets
        slowest, alpha_oldest = 0.0, 0
        end = time.monotonic() + 6
        while time.monotonic() < end:
            walk, elapsed = aworld.snmpwalk(timed=True)
            slowest = max(slowest, elapsed)
            assert elapsed < PROMPT_WALK, f"walk took {elapsed:.2f}s"
            bmcs = aworld.bmc_rows(walk)
            assert bmcs[1]["ipmiBmcReachable"] == TRUE
            assert bmcs[2]["ipmiBmcReachable"] == TRUE
            # beta is read every interval, however long alpha's reads take
            assert bmcs[2]["ipmiBmcLastRefresh"] < 2 * refresh, bmcs[2]
            alpha_oldest = max(alpha_oldest, bmcs[1]["ipmiBmcLastRefresh"])
            time.sleep(0.2)
        print(f"slowest walk {slowest:.3f}s; alpha's LastRefresh up to {alpha_oldest}s; "
              f"{proxy.packets - packets} datagrams to alpha")
        assert proxy.packets > packets  # alpha was being read all along
        assert alpha_oldest >= 2 * refresh  # ... slowly

        # a change on the slow BMC still arrives
        alpha.ipmitool("lan", "set", 1, "vlan", "id", 77)
        aworld.wait_for(lambda: aworld.snmpget("ipmiChannelVlanId.1.1").value == 77,
                        20, "the slow BMC's new VLAN")
        agent.stop()
    finally:
        proxy.stop()
