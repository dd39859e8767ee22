# SPDX-License-Identifier: GPL-3.0-or-later
"""A password SET never locks the agent out (IPMI-CHANNEL-MIB revision 2).

ipmiBmcPassword answers noError only once the new password is proven usable:
for the user the agent itself logs in as, by a new IPMI session with it before
the agent adopts it; for another user, by Set User Password's Test Password
operation in the same size form. A proof that fails puts the old password back
where the agent knows it (commitFailed) and the agent stays reachable.

Every outcome is checked from the BMC side: ipmitool logins with the old and
the new password (IPMI 2.0, cipher suite 3: the password is checked), the
agent's refreshes after the SET (ipmiBmcRefreshes grows while
ipmiBmcReachable stays true), and a restart of the simulator, which drops
every session, so that the agent must log in again with the password it
kept. Its log says what it did, never the password.

ipmi_sim keeps only the first 16 octets of a 20-octet password: a 20-octet
password for the agent's own login cannot be proven there, a natural failed
proof. A BMC that refuses a password, fails its test, or does not let the
proof's session in, is made with relays.FaultRelay between the agent and
the simulator, over cipher suite 1: logins check the password (RAKP with
HMAC-SHA1), so a new session proves one, while the messages carry no
integrity data and the relay can read and rewrite them. (Over cipher suite 0
any password logs in, and the agent proves a change with Test Password
alone: test_pyghmi.py.)
"""

import re
from dataclasses import dataclass, field

import pytest

from agentlog import applied_lines, bmc_applied_lines, log_mark, log_since, wait_bmc_applied
from bmcside import add_user, ipmi_login
from relays import (CC_INVALID_DATA, CC_PASSWORD_MISMATCH, OP_SET, OP_TEST, FaultRelay,
                    PasswordRequest)
from world import (FALSE, TRUE, Agent, Sim, World, attach_world, counter_deltas, counters,
                   module_world)

OLD = "secret"                       # the sims' admin password, the agent's login
OWN_16 = "Admin-New-Pw-16c"          # 16 octets
OWN_20 = "Admin-Twenty-Chars-X"      # 20 octets: ipmi_sim keeps "Admin-Twenty-Cha"
OPERATOR, OPERATOR_UID = "operator", 3
OPERATOR_PW = "Operator-pw-0"
assert (len(OWN_16), len(OWN_20)) == (16, 20)


# --- helpers -------------------------------------------------------------------


def set_password(w, bmc, password):
    return w.snmpset((f"ipmiBmcPassword.{bmc}", "s", password))


def health(w, bmc):
    """(reachable, last error, refreshes) of one BMC, in one GET."""
    got = w.snmpget(f"ipmiBmcReachable.{bmc}", f"ipmiBmcLastError.{bmc}",
                    f"ipmiBmcRefreshes.{bmc}")
    return tuple(v.value for v in got)


def wait_good_refreshes(w, agent, bmc, n=2):
    """Until n more reads of the BMC succeeded; reachable with no error at
    every look in between (a lock-out would show as a failed read)."""
    _, _, start = health(w, bmc)

    def done():
        reachable, error, refreshes = health(w, bmc)
        assert (reachable, error) == (TRUE, ""), (reachable, error, agent.proc.log_tail())
        return refreshes >= start + n

    w.wait_for(done, n * (agent.refresh_interval + 2) + 5,
               f"{n} more successful reads of BMC {bmc}")


def settle_deadline(agent, refreshes=3):
    return refreshes * (agent.refresh_interval + 2 * agent.timeout_ms / 1000.0) + 3


def wait_relogin(w, agent, sim, bmc=1):
    """Restart the simulator, which drops every session: the agent must open
    a new one with the password it kept, and read the BMC again."""
    failures = counters(w, bmc)["ipmiBmcRefreshFailures"]
    sim.kill()
    w.wait_for(lambda: counters(w, bmc)["ipmiBmcRefreshFailures"] > failures,
               settle_deadline(agent, 2), f"a failed read of BMC {bmc} (simulator down)")
    sim.start()
    _, _, before = health(w, bmc)
    def read_again():
        reachable, error, refreshes = health(w, bmc)
        return reachable == TRUE and error == "" and refreshes > before

    w.wait_for(read_again, settle_deadline(agent), f"BMC {bmc} read again after the restart")


def proof_warnings(agent, mark, bmc):
    """The warnings about BMC `bmc` after mark that say a new password does
    not work (the agent may say it in more than one line: as it happens, and
    with the SET's outcome)."""
    return [line for line in log_since(agent, mark).splitlines()
            if " warning: " in line and f" {bmc}" in line and "does not work" in line]


def assert_never_logged(agent, *secrets):
    text = agent.log()
    for secret in secrets:
        assert secret not in text
        assert secret[:12] not in text  # nor a prefix (e.g. what ipmi_sim kept)


def position(text, pattern, what):
    m = re.search(pattern, text)
    assert m, f"no {what} ({pattern!r}) in the agent log"
    return m.start()


def start_agent(w, sims, **overrides):
    agent = w.start_agent(sims, bmc_overrides=overrides)
    agent.wait_synced()
    return agent


# --- the agent's own login, IPMI 2.0 ---------------------------------------------


def test_own_password_16_octets_is_proven_and_adopted(aworld):
    """password_user_id 2 is "admin", the user the agent logs in as."""
    alpha = aworld.sim("alpha", channels=1, sim_id=1)
    agent = start_agent(aworld, [alpha])
    assert aworld.snmpget("ipmiBmcPasswordUserId.1").value == 2
    mark = log_mark(agent)

    res = set_password(aworld, 1, OWN_16)
    assert res.status == "noError", res.stderr

    assert ipmi_login(alpha, "admin", OWN_16)
    assert not ipmi_login(alpha, "admin", OLD)
    alpha.admin_password = OWN_16
    assert wait_bmc_applied(aworld, agent, mark, "alpha") == "password=(changed, user 2)"
    assert applied_lines(agent, mark) == []  # no channel changed
    debug = log_since(agent, mark)
    set_at = position(debug, r"Set User Password for user 2 \(16-byte form\)", "set")
    proof_at = position(debug, r"proving the new password of user 2 with a new session",
                        "proof")
    applied_at = position(debug, r"SET applied on BMC alpha: ", "applied line")
    assert set_at < proof_at < applied_at
    assert counters(aworld, 1)["ipmiBmcSetsApplied"] == 1
    assert counters(aworld, 1)["ipmiBmcSetsFailed"] == 0

    # it keeps reading the BMC, and after a restart of the BMC it logs in
    # with the new password: it adopted it
    wait_good_refreshes(aworld, agent, 1, n=2)
    wait_relogin(aworld, agent, alpha)
    assert ipmi_login(alpha, "admin", OWN_16)  # ipmi_sim kept it over the restart
    assert_never_logged(agent, OWN_16)
    agent.stop()


def test_own_password_20_octets_is_not_proven_and_restored(aworld):
    """ipmi_sim keeps 16 of the 20 octets: the new session fails, the agent sets
    the old password again through its open session and answers commitFailed."""
    alpha = aworld.sim("alpha", channels=1, sim_id=1)
    agent = start_agent(aworld, [alpha])
    mark = log_mark(agent)

    res = set_password(aworld, 1, OWN_20)
    assert res.status == "commitFailed", res.stderr
    assert res.failed_oid == aworld.oid("ipmiBmcPassword.1")

    # the BMC holds the old password again, neither the new one nor its prefix
    assert ipmi_login(alpha, "admin", OLD)
    assert not ipmi_login(alpha, "admin", OWN_20)
    assert not ipmi_login(alpha, "admin", OWN_20[:16])
    debug = log_since(agent, mark)
    set_at = position(debug, r"Set User Password for user 2 \(20-byte form\)", "set")
    proof_at = position(debug, r"proving the new password of user 2 with a new session",
                        "proof")
    assert set_at < proof_at
    warned = proof_warnings(agent, mark, "alpha")
    assert any("was restored" in line for line in warned), warned
    assert not any("could not be restored" in line for line in warned), warned
    assert bmc_applied_lines(agent, mark) == []
    assert counters(aworld, 1)["ipmiBmcSetsFailed"] == 1
    assert counters(aworld, 1)["ipmiBmcSetsApplied"] == 0
    assert aworld.snmpget("ipmiBmcPassword.1").value == ""

    # still reachable, and after a restart it logs in with the old password
    wait_good_refreshes(aworld, agent, 1, n=2)
    wait_relogin(aworld, agent, alpha)
    assert_never_logged(agent, OWN_20)
    agent.stop()


def test_password_runs_after_every_channel_change(aworld):
    """One PDU: the agent's own password (20 octets: its proof fails) first,
    then a VLAN on each of two channels. The password is changed last, so its
    failure rolls both channels back; the failed object is the password."""
    alpha = aworld.sim("alpha", channels=2, sim_id=1)
    agent = start_agent(aworld, [alpha])
    mark = log_mark(agent)

    res = aworld.snmpset(("ipmiBmcPassword.1", "s", OWN_20),
                         ("ipmiChannelVlanId.1.1", "i", 42),
                         ("ipmiChannelVlanId.1.2", "i", 43))
    assert res.status == "commitFailed", res.stderr
    assert res.failed_oid == aworld.oid("ipmiBmcPassword.1")

    for ch in (1, 2):
        assert alpha.lan_print(ch)["802.1q VLAN ID"] == "Disabled", ch
        assert aworld.snmpget(f"ipmiChannelVlanId.1.{ch}").value == 0
    assert ipmi_login(alpha, "admin", OLD)
    debug = log_since(agent, mark)
    pw_at = position(debug, r"Set User Password for user 2 \(20-byte form\)", "password")
    for ch in (1, 2):
        write = rf"(Set LAN parameter .* on channel {ch}\b|channel {ch}: applying)"
        assert position(debug, write, f"a LAN write on channel {ch}") < pw_at, ch
    assert applied_lines(agent, mark) == [] and bmc_applied_lines(agent, mark) == []
    got = counters(aworld, 1)
    assert (got["ipmiBmcSetsApplied"], got["ipmiBmcSetsFailed"]) == (0, 1), got

    # the same with a password that works: everything applies, one PDU counted
    mark = log_mark(agent)
    res = aworld.snmpset(("ipmiBmcPassword.1", "s", OWN_16),
                         ("ipmiChannelVlanId.1.1", "i", 42))
    assert res.status == "noError", res.stderr
    alpha.admin_password = OWN_16
    assert alpha.lan_print(1)["802.1q VLAN ID"] == "42"
    assert ipmi_login(alpha, "admin", OWN_16)
    assert applied_lines(agent, mark, "alpha", 1) == ["vlan=42"]
    assert wait_bmc_applied(aworld, agent, mark, "alpha") == "password=(changed, user 2)"
    got = counters(aworld, 1)
    assert (got["ipmiBmcSetsApplied"], got["ipmiBmcSetsFailed"]) == (1, 1), got
    wait_good_refreshes(aworld, agent, 1, n=1)
    assert_never_logged(agent, OWN_20, OWN_16)
    agent.stop()


# --- IPMI 1.5 (driver lan) -------------------------------------------------------------


def test_lan_driver_own_password_longer_than_16_is_wrong_value(aworld):
    """An IPMI 1.5 session authenticates with 16 octets at most: such a
    password for the agent's own user is refused before the BMC is touched.
    Another user of the same BMC may get 20 octets."""
    alpha = aworld.sim("alpha", channels=1, sim_id=1)
    add_user(alpha, OPERATOR_UID, OPERATOR, OPERATOR_PW)
    lan = {"driver": "lan", "cipher_suite": None, "workarounds": None}
    agent = start_agent(aworld, [alpha, alpha.alias("alpha-op")], **{
        "alpha": lan, "alpha-op": dict(lan, password_user_id=OPERATOR_UID)})
    mark = log_mark(agent)

    for password in ("Admin-Seventeen-1", "Admin-Eighteen-123", OWN_20):
        assert 17 <= len(password) <= 20
        res = set_password(aworld, 1, password)
        assert res.status == "wrongValue", (password, res.stderr)
        assert res.failed_oid == aworld.oid("ipmiBmcPassword.1")
        assert not ipmi_login(alpha, "admin", password[:16])
    assert "Set User Password" not in log_since(agent, mark)  # nothing reached the BMC
    assert ipmi_login(alpha, "admin", OLD)
    assert counters(aworld, 1)["ipmiBmcSetsFailed"] == 0  # refused up front

    # another user: 20 octets are fine (ipmi_sim keeps 16 of them)
    res = set_password(aworld, 2, "Operator-Twenty-Pw-1")
    assert res.status == "noError", res.stderr
    assert ipmi_login(alpha, OPERATOR, "Operator-Twenty-Pw-1"[:16])
    assert "Test Password for user 3 (20-byte form)" in log_since(agent, mark)

    # 16 octets for the agent's own user: proven with a new IPMI 1.5 session
    mark = log_mark(agent)
    res = set_password(aworld, 1, OWN_16)
    assert res.status == "noError", res.stderr
    assert ipmi_login(alpha, "admin", OWN_16)
    alpha.admin_password = OWN_16
    assert "proving the new password of user 2 with a new session" in log_since(agent, mark)
    assert wait_bmc_applied(aworld, agent, mark, "alpha") == "password=(changed, user 2)"
    wait_good_refreshes(aworld, agent, 1, n=1)
    assert_never_logged(agent, OWN_16, OWN_20, "Operator-Twenty-Pw-1")
    agent.stop()


# --- a BMC that refuses: the fault relay (cipher suite 1) -------------------------------


@dataclass
class RelayEnv:
    w: World
    alpha: Sim
    relay: FaultRelay
    agent: Agent
    operator_passwords: list = field(default_factory=lambda: [OPERATOR_PW])


@pytest.fixture(scope="module")
def relay_env(request, agent_bin, mibdirs, source_dir):
    """One simulator behind a FaultRelay, as two BMC entries of the agent:
    alpha (ipmiBmcIndex 1) changes the agent's own password (user 2),
    alpha-op (2) the password of user 3 "operator"."""
    with module_world(request, agent_bin, mibdirs, source_dir) as w:
        alpha = w.sim("alpha", channels=1, sim_id=1)
        add_user(alpha, OPERATOR_UID, OPERATOR, OPERATOR_PW)
        relay = FaultRelay(alpha.port).start()
        try:
            via_relay = {"port": relay.port, "cipher_suite": 1}
            agent = w.start_agent([alpha, alpha.alias("alpha-op")], bmc_overrides={
                "alpha": via_relay,
                "alpha-op": dict(via_relay, password_user_id=OPERATOR_UID)})
            agent.wait_synced()
            yield RelayEnv(w, alpha, relay, agent)
            agent.stop()
        finally:
            relay.stop()


@pytest.fixture
def re_(request, relay_env):
    attach_world(request, relay_env.w)
    relay_env.relay.clear()
    yield relay_env
    relay_env.relay.clear()


def test_relay_sees_the_password_requests(re_):
    """No fault: another user's password is set and tested in the same size
    form, as the relay sees the requests (16 and 20 octets)."""
    w, relay = re_.w, re_.relay
    for password, form in (("Operator-pw-16ch", 16), ("Operator-pw-20-chars", 20)):
        assert len(password) == form, password
        since = relay.mark()
        res = set_password(w, 2, password)
        assert res.status == "noError", res.stderr
        re_.operator_passwords.append(password)
        assert relay.password_requests(since) == [
            PasswordRequest(OPERATOR_UID, OP_SET, form),
            PasswordRequest(OPERATOR_UID, OP_TEST, form)], [str(r) for r in relay.requests]
        assert ipmi_login(re_.alpha, OPERATOR, password[:16])
    assert relay.opaque == 0  # the sessions really are unprotected


@pytest.mark.parametrize("bmc, user, password", [
    (1, "admin", OLD),
    (2, OPERATOR, None),
], ids=["own-user", "other-user"])
def test_refused_password_is_commit_failed(re_, bmc, user, password):
    """The BMC refuses Set User Password (completion code 0xCC): nothing
    changed, commitFailed, the old password still logs in, the agent stays."""
    w, alpha, relay, agent = re_.w, re_.alpha, re_.relay, re_.agent
    old = password or re_.operator_passwords[-1]
    new = "Refused-Pw-16chr"
    assert len(new) == 16
    before = counters(w, bmc)
    other = counters(w, 3 - bmc)
    mark = log_mark(agent)
    relay.refuse(OP_SET, CC_INVALID_DATA)

    res = set_password(w, bmc, new)
    assert res.status == "commitFailed", res.stderr
    assert res.failed_oid == w.oid(f"ipmiBmcPassword.{bmc}")
    assert [(str(r), cc) for r, cc in relay.injected[-1:]] == [
        (f"set user {2 if bmc == 1 else OPERATOR_UID} (16-byte form)", CC_INVALID_DATA)]
    relay.clear()

    assert ipmi_login(alpha, user, old[:16])  # ipmi_sim keeps 16 octets
    assert not ipmi_login(alpha, user, new)
    assert bmc_applied_lines(agent, mark) == []
    assert counter_deltas(before, counters(w, bmc)).get("ipmiBmcSetsFailed") == 1
    assert counters(w, bmc)["ipmiBmcSetsApplied"] == before["ipmiBmcSetsApplied"]
    other_after = counters(w, 3 - bmc)
    assert (other_after["ipmiBmcSetsApplied"], other_after["ipmiBmcSetsFailed"]) == (
        other["ipmiBmcSetsApplied"], other["ipmiBmcSetsFailed"])
    wait_good_refreshes(w, agent, bmc, n=2)
    assert_never_logged(agent, new)


def test_failed_password_test_of_another_user_is_undo_failed(re_):
    """The BMC takes the new password of user 3, then fails its Test Password:
    the agent does not know the old password and cannot restore it: undoFailed,
    logged, and the agent stays reachable."""
    w, alpha, relay, agent = re_.w, re_.alpha, re_.relay, re_.agent
    new = "Untested-Pw-16ch"
    assert len(new) == 16
    before = counters(w, 2)
    mark = log_mark(agent)
    since = relay.mark()
    relay.refuse(OP_TEST, CC_PASSWORD_MISMATCH)

    res = set_password(w, 2, new)
    assert res.status == "undoFailed", res.stderr
    assert res.failed_oid == w.oid("ipmiBmcPassword.2")
    assert relay.password_requests(since) == [
        PasswordRequest(OPERATOR_UID, OP_SET, 16), PasswordRequest(OPERATOR_UID, OP_TEST, 16)]
    relay.clear()
    re_.operator_passwords.append(new)  # the BMC did take it

    assert ipmi_login(alpha, OPERATOR, new)
    warned = proof_warnings(agent, mark, "alpha-op")
    assert warned and all("could not be restored" in line for line in warned), warned
    assert bmc_applied_lines(agent, mark) == []
    assert counter_deltas(before, counters(w, 2)).get("ipmiBmcSetsFailed") == 1
    # the agent's own login was never at stake
    assert ipmi_login(alpha, "admin", OLD)
    wait_good_refreshes(w, agent, 2, n=2)
    assert w.snmpget("ipmiBmcReachable.1").value == TRUE
    assert_never_logged(agent, new)


def test_own_password_neither_proven_nor_restored_is_undo_failed(aworld):
    """The agent's own login, behind a relay that lets the change through,
    drops the new session that would prove it, and refuses the Set User
    Password that would put the old password back: undoFailed, and the BMC
    keeps the new password."""
    alpha = aworld.sim("alpha", channels=1, sim_id=1)
    relay = FaultRelay(alpha.port).start()
    try:
        agent = start_agent(aworld, [alpha], alpha={"port": relay.port, "cipher_suite": 1})
        mark = log_mark(agent)
        since = relay.mark()
        relay.block_sessions_after_set = True
        relay.refuse(OP_SET, CC_INVALID_DATA, skip=1)

        res = set_password(aworld, 1, OWN_16)
        assert res.status == "undoFailed", res.stderr
        assert res.failed_oid == aworld.oid("ipmiBmcPassword.1")
        # the change, then the restore ("secret": the 16-byte form)
        assert relay.password_requests(since) == [PasswordRequest(2, OP_SET, 16)] * 2
        assert relay.blocked_sessions >= 1 and len(relay.injected) == 1
        relay.clear()

        assert ipmi_login(alpha, "admin", OWN_16)
        assert not ipmi_login(alpha, "admin", OLD)
        alpha.admin_password = OWN_16
        warned = proof_warnings(agent, mark, "alpha")
        assert any("could not be restored" in line for line in warned), warned
        assert bmc_applied_lines(agent, mark) == []
        assert counters(aworld, 1)["ipmiBmcSetsFailed"] == 1
        assert agent.proc.running()
        assert_never_logged(agent, OWN_16)
        agent.stop()
    finally:
        relay.stop()


def test_relay_world_stayed_healthy(re_):
    """After the faults: both entries are read as before."""
    w = re_.w
    for bmc in (1, 2):
        wait_good_refreshes(w, re_.agent, bmc, n=1)
    assert w.snmpget("ipmiBmcIdentifyForce.1").value == FALSE
    assert_never_logged(re_.agent, *re_.operator_passwords[1:])
