# SPDX-License-Identifier: GPL-3.0-or-later
"""The shipped access policy, conf/snmpd.conf.example, enforced by snmpd.

The master runs that very file; only agentAddress and agentXSocket are
replaced (a free loopback port, the world's socket). snmpd's persistent
directory is the world's, where createUser's user is stored.

  - the SNMPv2c community "ipmi-monitor" reads IPMI-CHANNEL-MIB and the
    system group, nothing else, and cannot write (noAccess from snmpd;
    the agent never sees the request, the BMC is untouched);
  - the SNMPv3 user "ipmi-admin" (SHA-256 / AES, the example's pass
    phrases) writes at authPriv, and the BMC changes;
  - the same user at a lower security level, or with a wrong pass phrase,
    is refused; the well-known communities do not exist.
"""

import re
from dataclasses import dataclass

import pytest

from agentlog import log_mark, log_since
from bmcside import BmcWitness
from world import (AGENT_REFRESHES_LATE, CHANNEL_ENTRY, MIB_ROOT, Agent, Sim, World, attach_world,
                   channel_row_from_lan, comparable_row, master_with, module_world, parse_set_error,
                   parse_vars, run_client, wait_master_socket)

MONITOR = "ipmi-monitor"
ADMIN = "ipmi-admin"
AUTH_PHRASE = "change-this-auth-phrase"
PRIV_PHRASE = "change-this-priv-phrase"
SNMP_IN_PKTS = "1.3.6.1.2.1.11.1.0"  # SNMPv2-MIB, outside the example's view


def example_config(source_dir):
    """The shipped file as a function of a Master (port, socket)."""
    text = (source_dir / "conf" / "snmpd.conf.example").read_text()

    def config(master):
        out, n = re.subn(r"(?m)^agentAddress .*$",
                         f"agentAddress udp:127.0.0.1:{master.port}", text)
        assert n == 1, "agentAddress not found in the example"
        out, n = re.subn(r"(?m)^agentXSocket .*$", f"agentXSocket {master.socket}", out)
        assert n == 1, "agentXSocket not found in the example"
        return out

    return config


@dataclass
class AccessEnv:
    w: World
    alpha: Sim
    agent: Agent


@pytest.fixture(scope="module")
def env(request, agent_bin, mibdirs, source_dir):
    with module_world(request, agent_bin, mibdirs, source_dir) as w:
        master = master_with(w, config=example_config(source_dir))
        wait_master_socket(master)
        alpha = w.sim("alpha", channels=1, sim_id=1)
        agent = Agent(w, master, [alpha])
        w.agent = agent.start(wait=False)
        # world's readiness checks read as "public", which this policy lacks
        w.wait_for(lambda: (1, 1) in w.channel_rows(
            w.snmpwalk(CHANNEL_ENTRY, community=MONITOR)), 20, "the agent to serve alpha")
        yield AccessEnv(w, alpha, agent)
        agent.stop()


@pytest.fixture
def ae(request, env):
    attach_world(request, env.w)
    return env


def snmpv3(w, prog, level, *args, auth=AUTH_PHRASE, priv=PRIV_PHRASE, timeout=2):
    """A Net-SNMP client as ipmi-admin at `level`; the CompletedProcess."""
    argv = [prog, "-v3", "-u", ADMIN, "-l", level]
    if level in ("authNoPriv", "authPriv"):
        argv += ["-a", "SHA-256", "-A", auth]
    if level == "authPriv":
        argv += ["-x", "AES", "-X", priv]
    argv += ["-M", w.mibdirs, "-m", "SNMPv2-MIB:IPMI-CHANNEL-MIB", "-t", str(timeout),
             "-r", "0", "-On", "-Oe", "-OU", "-Ot", w.master.address]
    return run_client(w, argv + [str(a) for a in args])


def v3_set_args(w, *triples):
    args = []
    for oid, typ, value in triples:
        args += [w.oid(oid), typ, value]
    return args


def assert_untouched(ae, before, mark):
    """Nothing reached the agent or the BMC."""
    assert BmcWitness([ae.alpha]).differences(before, BmcWitness([ae.alpha]).snapshot()) == {}
    assert "SET" not in log_since(ae.agent, mark)


# --- the read-only community -----------------------------------------------------


def test_monitor_reads_the_table(ae):
    walk = ae.w.snmpwalk(MIB_ROOT, community=MONITOR)
    # The view ends with this module (its last objects are the agent's
    # scalars): the walk ends with endOfMibView, which snmpwalk prints
    # against the last OID it asked for.
    assert walk[-1].type == "endOfMibView"
    assert walk[-2].oid == AGENT_REFRESHES_LATE
    rows = ae.w.channel_rows(walk[:-1])
    assert set(rows) == {(1, 1)}
    assert comparable_row(rows[(1, 1)]) == channel_row_from_lan(ae.alpha.lan_print(1))


def test_monitor_sees_only_its_view(ae):
    w = ae.w
    assert not w.snmpget("SNMPv2-MIB::sysUpTime.0", community=MONITOR).exception
    assert w.snmpget(SNMP_IN_PKTS, community=MONITOR).type == "noSuchObject"


@pytest.mark.parametrize("community", ["public", "private"])
def test_no_default_community(ae, community):
    w = ae.w
    res = run_client(w, ["snmpget", "-v2c", "-c", community, "-t", "1", "-r", "0",
                         w.master.address, w.oid("ipmiBmcName.1")])
    assert res.returncode != 0 and "Timeout" in res.stderr, res.stderr


@pytest.mark.parametrize("triples", [
    [("ipmiChannelVlanId.1.1", "i", 42)],
    [("ipmiBmcPassword.1", "s", "Monitor-pw-1")],
    [("ipmiBmcIdentify.1", "i", 10)],
    [("ipmiChannelIpAddress.1.1", "a", "192.0.2.66")],
], ids=["vlan", "password", "identify", "address"])
def test_monitor_cannot_set(ae, triples):
    w = ae.w
    before = BmcWitness([ae.alpha]).snapshot()
    mark = log_mark(ae.agent)
    res = w.snmpset(*triples, community=MONITOR)
    assert res.status == "noAccess", res.stderr
    assert res.failed_oid == w.oid(triples[0][0])
    assert_untouched(ae, before, mark)


# --- the SNMPv3 administrator ---------------------------------------------------------


def test_admin_reads_and_sets_at_auth_priv(ae):
    w, alpha = ae.w, ae.alpha
    res = snmpv3(w, "snmpget", "authPriv", w.oid("ipmiChannelIpAddress.1.1"))
    assert res.returncode == 0, res.stderr
    assert parse_vars(res.stdout)[0].value == alpha.lan_print(1)["IP Address"]

    res = snmpv3(w, "snmpset", "authPriv", *v3_set_args(
        w, ("ipmiChannelVlanId.1.1", "i", 55), ("ipmiChannelVlanPriority.1.1", "i", 4)),
        timeout=15)
    assert res.returncode == 0, res.stderr
    lan = alpha.lan_print(1)
    assert lan["802.1q VLAN ID"] == "55"
    assert lan["802.1q VLAN Priority"] == "4"
    got = w.snmpget("ipmiChannelVlanId.1.1", "ipmiChannelVlanPriority.1.1", community=MONITOR)
    assert [v.value for v in got] == [55, 4]


@pytest.mark.parametrize("level", ["authNoPriv", "noAuthNoPriv"])
def test_admin_below_auth_priv_is_refused(ae, level):
    w = ae.w
    before = BmcWitness([ae.alpha]).snapshot()
    mark = log_mark(ae.agent)
    res = snmpv3(w, "snmpset", level, *v3_set_args(w, ("ipmiChannelVlanId.1.1", "i", 66)))
    assert res.returncode != 0
    status, _ = parse_set_error(res.stderr)
    assert status == "authorizationError", res.stderr
    assert_untouched(ae, before, mark)


@pytest.mark.parametrize("auth, priv, error", [
    ("wrong-auth-phrase", PRIV_PHRASE, "Authentication failure"),
    # a wrong privacy key decrypts to garbage: snmpd drops the request
    (AUTH_PHRASE, "wrong-priv-phrase", "Timeout"),
], ids=["auth", "priv"])
def test_admin_with_wrong_pass_phrase_is_refused(ae, auth, priv, error):
    w = ae.w
    before = BmcWitness([ae.alpha]).snapshot()
    mark = log_mark(ae.agent)
    res = snmpv3(w, "snmpset", "authPriv", *v3_set_args(w, ("ipmiChannelVlanId.1.1", "i", 77)),
                 auth=auth, priv=priv, timeout=1)
    assert res.returncode != 0
    assert error in res.stderr, res.stderr
    assert_untouched(ae, before, mark)
