# SPDX-License-Identifier: GPL-3.0-or-later
"""A second, independently written BMC: pyghmi (tests/sim/pyghmi_bmc.py).

Every other test talks to OpenIPMI's ipmi_sim, so the agent could come to
rely on its accidents. This module runs against pyghmi's RMCP+ BMC server
(Debian's python3-pyghmi, the code OpenStack's VirtualBMC uses) with our
LAN parameters, users and channels added in memory:

(a) the simulator itself, checked with ipmitool (-I lanplus -C 3) alone:
    lan print and lan set under set-in-progress (staged writes, commit,
    rollback, the lock's 0x81), users and passwords in both size forms,
    Chassis Identify, Get Device ID in both layouts, and each switch of its
    control file;
(b) representative read and SET tests run against both implementations
    (ipmi_sim and pyghmi with the spec's Device ID), checked on the BMC side
    with ipmitool and the simulators' own logs;
(c) never locking itself out (issue 13, item 2): the BMC cannot say whose
    password it is (Get User Name answers 0xC1 or 0xD4); the agent must
    prove the new password in a way that is right either way, on both
    implementations: pyghmi's Get User Name is switched off, ipmi_sim's is
    refused by a relay on a cipher-suite-1 session (the password checked,
    the messages in the clear);
(d) pyghmi's own 14-byte Get Device ID (issue 13, item 6).

Each behaviour is verified from the BMC side (ipmitool logins and lan
print, the simulator's command log), never through the agent alone.
"""

import time
from dataclasses import dataclass, field

import pytest

from agentlog import bmc_applied_lines, log_mark, wait_applied, wait_bmc_applied
from bmcside import BmcWitness, add_user, identify_calls, ipmi_login
from pyghmi_world import agent_overrides, pyghmi_available, start_pyghmi
from relays import FaultRelay, checksum, ipmi_message_span
from world import (FALSE, TRUE, World, attach_world, channel_row_from_lan, comparable_row,
                   counters, module_world, stable_walk, wait_for)

pytestmark = pytest.mark.skipif(not pyghmi_available(),
                                reason="python3-pyghmi is not installed")

OLD = "secret"                 # the agent's login, user 2 "admin"
OPERATOR, OPERATOR_UID, OPERATOR_PW = "operator", 3, "Operator-pw-0"
MANUFACTURER = 20974           # pyghmi_bmc.py's default manufacturer ID
REFRESH = 1                    # seconds: short, so that refreshes can be awaited


def wait_good_refreshes(w, agent, bmc, n=2):
    """Until n more reads of the BMC succeeded, reachable with no error at
    every look in between (a lock-out shows as a failed read)."""
    def health():
        got = w.snmpget(f"ipmiBmcReachable.{bmc}", f"ipmiBmcLastError.{bmc}",
                        f"ipmiBmcRefreshes.{bmc}")
        return tuple(v.value for v in got)

    start = health()[2]

    def done():
        reachable, error, refreshes = health()
        assert (reachable, error) == (TRUE, ""), (reachable, error, agent.proc.log_tail())
        return refreshes >= start + n

    w.wait_for(done, n * (agent.refresh_interval + 2) + 5,
               f"{n} more successful reads of BMC {bmc}")


# --- (a) the simulator, through ipmitool only --------------------------------------------


@pytest.fixture
def pg(world):
    return start_pyghmi(world, "pg", channels=2, sim_id=1)


def test_sim_lan_print_and_mc_info(pg):
    lan1, lan2 = pg.lan_print(1), pg.lan_print(2)
    assert lan1["Set in Progress"] == "Set Complete"
    assert (lan1["IP Address Source"], lan1["IP Address"], lan1["Subnet Mask"],
            lan1["Default Gateway IP"]) == ("Static Address", "192.0.2.10", "255.255.255.0",
                                            "192.0.2.1")
    assert (lan2["IP Address Source"], lan2["IP Address"]) == ("DHCP Address", "198.51.100.20")
    assert lan1["MAC Address"] == "02:00:5f:01:01:01"
    assert lan2["MAC Address"] == "02:00:5f:01:02:01"
    assert lan1["Default Gateway MAC"] == "02:00:5f:01:01:fe"
    assert lan1["802.1q VLAN ID"] == "Disabled" and lan1["802.1q VLAN Priority"] == "0"
    info = pg.mc_info()
    assert (info["Manufacturer ID"], info["Firmware Revision"], info["IPMI Version"]) == (
        str(MANUFACTURER), "2.13", "2.0")
    # Get Channel Info: 802.3 LAN for 1 and 2, IPMB for 0, nothing at 3
    assert pg.raw(0x06, 0x42, 1)[1][:2] == bytes([1, 0x04])
    assert pg.raw(0x06, 0x42, 2)[1][:2] == bytes([2, 0x04])
    assert pg.raw(0x06, 0x42, 0)[1][:2] == bytes([0, 0x01])
    assert pg.raw(0x06, 0x42, 3, check=False)[0] == 0xCC
    pg.control(absent_channel_cc=0xCB)
    assert pg.raw(0x06, 0x42, 3, check=False)[0] == 0xCB


def test_sim_lan_set_goes_through_set_in_progress(pg):
    since = pg.mark()
    pg.ipmitool("lan", "set", 1, "ipaddr", "192.0.2.99")
    pg.ipmitool("lan", "set", 1, "vlan", "id", 42)
    pg.ipmitool("lan", "set", 1, "vlan", "priority", 5)
    lan = pg.lan_print(1)
    assert (lan["IP Address"], lan["802.1q VLAN ID"], lan["802.1q VLAN Priority"]) == (
        "192.0.2.99", "42", "5")
    # ipmitool locks, writes (staged), commits, completes: one apply per lan set
    assert pg.lancfg_sets(1)[-3:] == [{"ip_addr": "192.0.2.99"}, {"vlan_id": "42"},
                                      {"vlan_priority": "5"}]
    sip = [e["data"][4:] for e in pg.commands("set_lan_config", since)
           if e["data"].startswith("0100")]
    assert sip == ["01", "02", "00"] * 3, sip
    assert [e["params"] for e in pg.events("lan_staged", since)] == pg.lancfg_sets(1)[-3:]
    assert pg.lan_print(2)["IP Address"] == "198.51.100.20"  # the other channel


def test_sim_set_in_progress_semantics(pg):
    ip = (0x0C, 0x01, 1, 3)  # Set LAN parameter 3 (IP) of channel 1
    get_ip = (0x0C, 0x02, 1, 3, 0, 0)
    lock, commit, complete = (0x0C, 0x01, 1, 0, 1), (0x0C, 0x01, 1, 0, 2), (0x0C, 0x01, 1, 0, 0)
    # lock; a second lock answers 0x81; a write is staged and reads back staged
    assert pg.raw(*lock)[0] == 0
    assert pg.raw(*lock, check=False)[0] == 0x81
    assert pg.raw(0x0C, 0x02, 1, 0, 0, 0)[1] == bytes([0x11, 1])
    assert pg.raw(*ip, 192, 0, 2, 77)[0] == 0
    assert pg.raw(*get_ip)[1] == bytes([0x11, 192, 0, 2, 77])
    assert pg.state()["channels"]["1"]["active"]["ip_addr"] == "192.0.2.10"
    # set complete without commit: rolled back
    assert pg.raw(*complete)[0] == 0
    assert pg.lan_print(1)["IP Address"] == "192.0.2.10"
    assert pg.events("lan_discarded")[-1]["params"] == {"ip_addr": "192.0.2.77"}
    # lock, write, commit, complete: applied
    for rq in (lock, ip + (192, 0, 2, 78), commit, complete):
        assert pg.raw(*rq)[0] == 0, rq
    assert pg.lan_print(1)["IP Address"] == "192.0.2.78"
    # a refused commit write applies nothing; set complete then rolls back,
    # or applies when the BMC has no rollback
    pg.control(commit_write_cc=0xCC)
    for apply_on_complete, addr in ((False, "192.0.2.78"), (True, "192.0.2.79")):
        pg.control(apply_on_complete=apply_on_complete)
        assert pg.raw(*lock)[0] == 0
        assert pg.raw(*ip, 192, 0, 2, 79)[0] == 0
        assert pg.raw(*commit, check=False)[0] == 0xCC
        assert pg.raw(*complete)[0] == 0
        assert pg.lan_print(1)["IP Address"] == addr, apply_on_complete
    # no set-in-progress at all: parameter 0 is unsupported, writes apply at once
    pg.control(replace=True, set_in_progress=False)
    assert pg.raw(0x0C, 0x02, 1, 0, 0, 0, check=False)[0] == 0x80
    assert pg.raw(*lock, check=False)[0] == 0x80
    assert pg.raw(*ip, 192, 0, 2, 80)[0] == 0
    assert pg.lan_print(1)["IP Address"] == "192.0.2.80"
    # a write the BMC acknowledges but does not keep; reserved values refused
    pg.control(replace=True, ignore_writes=[20])
    pg.raw(0x0C, 0x01, 1, 20, 42, 0x80)
    assert pg.lan_print(1)["802.1q VLAN ID"] == "Disabled"
    assert pg.raw(0x0C, 0x01, 1, 21, 8, check=False)[0] == 0xCC
    assert pg.raw(0x0C, 0x01, 1, 4, 9, check=False)[0] == 0xCC
    assert pg.raw(0x0C, 0x01, 1, 22, 1, check=False)[0] == 0x82  # read-only


def test_sim_users_and_passwords(pg):
    pw16, pw20 = "Sixteen-chars-01", "Twenty-characters-XY"
    add_user(pg, OPERATOR_UID, OPERATOR, OPERATOR_PW)
    assert pg.raw(0x06, 0x46, OPERATOR_UID)[1].rstrip(b"\0") == OPERATOR.encode()
    for password, form in ((pw16, 16), (pw20, 20)):
        pg.ipmitool("user", "set", "password", OPERATOR_UID, password, form)
        assert pg.login(OPERATOR, password)
        assert not pg.login(OPERATOR, OPERATOR_PW)
        good = pg.ipmitool("user", "test", OPERATOR_UID, form, password, check=False)
        assert good.returncode == 0, good.stderr
        wrong = pg.ipmitool("user", "test", OPERATOR_UID, form, "Not-the-password", check=False)
        assert wrong.returncode != 0 and "incorrect" in wrong.stdout + wrong.stderr
        other = 36 - form
        size = pg.ipmitool("user", "test", OPERATOR_UID, other, password, check=False)
        assert size.returncode != 0 and "wrong password size" in size.stdout + size.stderr
    # a 20-byte password on a BMC that keeps 16 of them
    pg.control(password_truncate=16)
    pg.ipmitool("user", "set", "password", OPERATOR_UID, pw20, 20)
    assert not pg.login(OPERATOR, pw20)
    assert pg.login(OPERATOR, pw20[:16])
    # every login refused for a while after a password change
    pg.control(password_truncate=None, refuse_logins_after_password_set=True,
               refuse_logins_seconds=3)
    pg.ipmitool("user", "set", "password", OPERATOR_UID, pw16, 16)
    t0 = time.monotonic()
    assert not pg.login(OPERATOR, pw16)
    assert not pg.login("admin", OLD)
    assert [e["outcome"] for e in pg.events("rakp1")[-2:]] == ["refused-after-password-set"] * 2
    deadline = 20
    wait_for(lambda: pg.login(OPERATOR, pw16), deadline, "logins to be accepted again")
    assert time.monotonic() - t0 >= 2.5
    # no password in the simulator's log
    text = (pg.dir / "commands.log").read_text()
    for password in (pw16, pw20, OPERATOR_PW, OLD):
        assert password not in text and password.encode().hex() not in text


def test_sim_identify_and_missing_commands(pg):
    pg.ipmitool("chassis", "identify", 10)
    pg.ipmitool("chassis", "identify", "force")
    pg.ipmitool("chassis", "identify", 0)
    assert pg.identify_calls() == ["10 0", "0 1", "0 0"]
    names = ("get_user_name", "get_channel_info", "get_lan_config", "set_lan_config",
             "chassis_identify", "set_user_password")
    pg.control(missing=list(names))
    requests = {"get_user_name": (0x06, 0x46, 2), "get_channel_info": (0x06, 0x42, 1),
                "get_lan_config": (0x0C, 0x02, 1, 3, 0, 0),
                "set_lan_config": (0x0C, 0x01, 1, 21, 3),
                "chassis_identify": (0x00, 0x04, 5),
                "set_user_password": (0x06, 0x47, 3, 1)}
    for name in names:
        assert pg.raw(*requests[name], check=False)[0] == 0xC1, name
    assert pg.ipmitool("lan", "print", 1, check=False).returncode != 0
    assert pg.identify_calls() == ["10 0", "0 1", "0 0"]
    pg.control(replace=True, cc={"get_user_name": "0xd4"})
    assert pg.raw(0x06, 0x46, 2, check=False)[0] == 0xD4
    pg.control(replace=True, cc={"get_user_name": 0xC0}, cc_once={"get_user_name": 1})
    assert pg.raw(0x06, 0x46, 2, check=False)[0] == 0xC0
    assert pg.raw(0x06, 0x46, 2)[0] == 0  # only once
    # every command above reached the BMC and was logged with its answer
    got = {(e["name"], e.get("cc")) for e in pg.commands()}
    assert {(n, 0xC1) for n in names} <= got
    assert ("get_user_name", 0xD4) in got


def test_sim_optional_parameters(pg):
    pg.control(unsupported_params=[13, 21])
    assert pg.raw(0x0C, 0x02, 1, 13, 0, 0, check=False)[0] == 0x80
    assert pg.raw(0x0C, 0x02, 1, 21, 0, 0, check=False)[0] == 0x80
    assert pg.raw(0x0C, 0x01, 1, 21, 3, check=False)[0] == 0x80
    lan = pg.lan_print(1)
    assert "802.1q VLAN Priority" not in lan and lan["802.1q VLAN ID"] == "Disabled"


@pytest.mark.parametrize("layout, aux, length", [
    ("spec", True, 15), ("spec", False, 11), ("pyghmi", True, 14),
])
def test_sim_device_id_layouts(pg, layout, aux, length):
    pg.control(device_id=layout, device_id_aux=aux)
    cc, reply = pg.raw(0x06, 0x01)
    assert cc == 0 and len(reply) == length, reply.hex()
    if layout == "pyghmi":
        assert reply[6:10] == MANUFACTURER.to_bytes(4, "little")
    else:
        assert reply[6:9] == MANUFACTURER.to_bytes(3, "little")
    info = pg.mc_info()
    assert info["Manufacturer ID"] == str(MANUFACTURER)
    assert info["Firmware Revision"] == "2.13"


def test_sim_sessions_delay_and_log(pg):
    pg.control(open_session="no-slot")
    assert not pg.login("admin", OLD)
    assert pg.events("open_session")[-1]["outcome"] == "no-slot"
    pg.control(replace=True, session_slots=0)
    assert not pg.login("admin", OLD)
    pg.control(replace=True, delay=0.4, delay_commands=["get_device_id"])
    t0 = time.monotonic()
    assert pg.raw(0x06, 0x01)[0] == 0
    assert time.monotonic() - t0 >= 0.4
    pg.control(replace=True)
    assert pg.login("admin", OLD)
    # a wrong password: the client refuses RAKP 2 and sends no RAKP 3
    since = pg.mark()
    assert not pg.login("admin", "wrong-password")
    assert [(e["event"], e.get("outcome")) for e in pg.events(since=since)
            if e["event"] in ("rakp1", "rakp3")] == [("rakp1", "ok")]
    since = pg.mark()
    assert not pg.login("nobody", OLD)
    assert [(e["user"], e["outcome"]) for e in pg.events("rakp1", since)] == [
        ("nobody", "unknown-user")]


# --- (b) read and SET tests on both implementations ---------------------------------------


@dataclass
class Impl:
    kind: str
    w: World
    bmc: object           # world.Sim or PyghmiSim
    agent: object
    operator_passwords: list = field(default_factory=lambda: [OPERATOR_PW])

    @property
    def truncates(self):
        """ipmi_sim keeps 16 octets of a 20-octet password."""
        return self.kind == "ipmi_sim"

    def identify_calls(self, since=0):
        if self.kind == "pyghmi":
            return self.bmc.identify_calls(since)
        return identify_calls(self.bmc, since)


def start_bmc(w, kind, name, channels, sim_id=1, control=None):
    """(bmc, the agent's overrides for it) of either implementation."""
    if kind == "pyghmi":
        return start_pyghmi(w, name, channels=channels, sim_id=sim_id,
                            control=control), agent_overrides()
    return w.sim(name, channels=channels, sim_id=sim_id), {}


@pytest.fixture(scope="module", params=["ipmi_sim", "pyghmi"])
def impl_env(request, agent_bin, mibdirs, source_dir):
    """alpha, 3 LAN channels, user 3 "operator"; the agent changes user 3's
    password (password_user_id 3).
      1.1 address, netmask, gateway    1.2 (DHCP) to static in one PDU
      1.3 VLAN, DHCP on                identify; operator's password"""
    with module_world(request, agent_bin, mibdirs, source_dir) as w:
        bmc, over = start_bmc(w, request.param, "alpha", 3)
        add_user(bmc, OPERATOR_UID, OPERATOR, OPERATOR_PW)
        # 2 s between reads: ipmi_sim forks its lan_config_program for each
        # parameter of each channel, which a busy 2-core machine feels
        agent = w.start_agent([bmc], refresh_interval=2, timeout_ms=2000, bmc_overrides={
            "alpha": dict(over, password_user_id=OPERATOR_UID)})
        agent.wait_synced()
        yield Impl(request.param, w, bmc, agent)
        agent.stop()


@pytest.fixture
def im(request, impl_env):
    attach_world(request, impl_env.w)
    return impl_env


def test_both_rows_match_ipmitool(im):
    w, bmc = im.w, im.bmc
    rows = {k: comparable_row(v) for k, v in w.channel_rows().items()}
    assert rows == {(1, ch): channel_row_from_lan(bmc.lan_print(ch)) for ch in (1, 2, 3)}
    assert rows[(1, 2)]["ipmiChannelDhcp"] == TRUE
    info = bmc.mc_info()
    row = w.bmc_rows()[1]
    assert row["ipmiBmcReachable"] == TRUE and row["ipmiBmcLastError"] == ""
    assert row["ipmiBmcManufacturerId"] == int(info["Manufacturer ID"])
    assert row["ipmiBmcFirmwareVersion"] == info["Firmware Revision"]
    assert row["ipmiBmcIpmiVersion"] == info["IPMI Version"]
    if im.kind == "pyghmi":
        assert row["ipmiBmcManufacturerId"] == MANUFACTURER


def test_both_ipmitool_change_shows_after_refresh(im):
    w, bmc = im.w, im.bmc
    bmc.ipmitool("lan", "set", 3, "vlan", "priority", 6)
    want = channel_row_from_lan(bmc.lan_print(3))
    assert want["ipmiChannelVlanPriority"] == 6
    wait = 3 * im.agent.refresh_interval + 5
    w.wait_for(lambda: comparable_row(w.channel_rows()[(1, 3)]) == want, wait,
               "the ipmitool change to show in SNMP")
    bmc.ipmitool("lan", "set", 3, "vlan", "priority", 0)
    w.wait_for(lambda: w.snmpget("ipmiChannelVlanPriority.1.3").value == 0, wait,
               "the change back to show in SNMP")


@pytest.mark.parametrize("triples, status", [
    ([("ipmiChannelGateway.1.1", "a", "10.9.9.9")], "inconsistentValue"),
    ([("ipmiChannelVlanId.1.1", "i", 4095)], "wrongValue"),
    ([("ipmiChannelIpAddress.1.2", "a", "198.51.100.99")], "inconsistentValue"),  # DHCP stays on
    ([("ipmiChannelVlanId.1.1", "i", 7), ("ipmiChannelVlanPriority.1.1", "i", 8)],
     "wrongValue"),
    ([("ipmiBmcIdentify.1", "i", 256)], "wrongValue"),
    ([("ipmiBmcPassword.1", "s", "Short7!")], "wrongValue"),
], ids=["gateway-outside", "vlan-4095", "ip-while-dhcp", "bad-priority", "identify-256",
        "short-password"])
def test_both_bad_input_leaves_the_bmc_unchanged(im, triples, status):
    w, bmc, agent = im.w, im.bmc, im.agent
    witness = BmcWitness([bmc])
    before = witness.snapshot()
    walk = stable_walk(w)
    since = bmc.mark() if im.kind == "pyghmi" else None
    res = w.snmpset(*triples)
    assert res.status == status, res.stderr
    assert BmcWitness.differences(before, witness.snapshot()) == {}
    assert stable_walk(w) == walk
    if since is not None:  # not one write of any kind reached the BMC
        writes = {"set_lan_config", "set_user_password", "chassis_identify", "set_user_name"}
        assert [e for e in bmc.commands(since=since) if e["name"] in writes] == []
    assert agent.proc.running()


@pytest.mark.parametrize("column, value, parm, printed", [
    ("ipmiChannelIpAddress", "192.0.2.77", "ip_addr", "IP Address"),
    ("ipmiChannelNetmask", "255.255.0.0", "subnet_mask", "Subnet Mask"),
    ("ipmiChannelGateway", "192.0.2.254", "default_gw_ip_addr", "Default Gateway IP"),
], ids=["ip", "netmask", "gateway"])
def test_both_address_column(im, column, value, parm, printed):
    w, bmc, agent = im.w, im.bmc, im.agent
    assert bmc.lan_print(1)[printed] != value
    sets = len(bmc.lancfg_sets())
    mark = log_mark(agent)
    res = w.snmpset((f"{column}.1.1", "a", value))
    assert res.status == "noError", res.stderr
    assert w.snmpget(f"{column}.1.1").value == value
    assert bmc.lan_print(1)[printed] == value
    # one commit on the BMC, of this parameter alone
    assert bmc.lancfg_sets()[sets:] == [{parm: value}]
    assert wait_applied(w, agent, mark, "alpha", 1).startswith(
        {"ip_addr": "ip=", "subnet_mask": "netmask=", "default_gw_ip_addr": "gateway="}[parm])


def test_both_dhcp_to_static_is_one_commit(im):
    w, bmc = im.w, im.bmc
    assert bmc.lan_print(2)["IP Address Source"] == "DHCP Address"
    sets = len(bmc.lancfg_sets())
    res = w.snmpset(("ipmiChannelDhcp.1.2", "i", FALSE),
                    ("ipmiChannelIpAddress.1.2", "a", "198.51.100.50"),
                    ("ipmiChannelNetmask.1.2", "a", "255.255.255.128"),
                    ("ipmiChannelGateway.1.2", "a", "198.51.100.1"))
    assert res.status == "noError", res.stderr
    assert bmc.lancfg_sets()[sets:] == [{
        "ip_addr_src": "static", "ip_addr": "198.51.100.50",
        "subnet_mask": "255.255.255.128", "default_gw_ip_addr": "198.51.100.1"}]
    lan = bmc.lan_print(2)
    assert (lan["IP Address Source"], lan["IP Address"], lan["Subnet Mask"]) == (
        "Static Address", "198.51.100.50", "255.255.255.128")
    if im.kind == "pyghmi":
        # under the lock: set in progress, the writes, commit write, set complete
        sip = [e["data"][4:] for e in bmc.commands("set_lan_config")
               if e["data"].startswith("0200")]
        assert sip[-3:] == ["01", "02", "00"], sip


def test_both_vlan_and_dhcp_on(im):
    w, bmc, agent = im.w, im.bmc, im.agent
    mark = log_mark(agent)
    res = w.snmpset(("ipmiChannelVlanId.1.3", "i", 100), ("ipmiChannelVlanPriority.1.3", "i", 5))
    assert res.status == "noError", res.stderr
    lan = bmc.lan_print(3)
    assert (lan["802.1q VLAN ID"], lan["802.1q VLAN Priority"]) == ("100", "5")
    assert wait_applied(w, agent, mark, "alpha", 3) == "vlan=100 priority=5"
    if im.kind == "pyghmi":  # byte order and the enable bit, as the BMC holds them
        assert bmc.raw(0x0C, 0x02, 3, 20, 0, 0)[1] == bytes([0x11, 100, 0x80])
    res = w.snmpset(("ipmiChannelVlanId.1.3", "i", 0), ("ipmiChannelDhcp.1.3", "i", TRUE))
    assert res.status == "noError", res.stderr
    lan = bmc.lan_print(3)
    assert (lan["802.1q VLAN ID"], lan["IP Address Source"]) == ("Disabled", "DHCP Address")
    assert w.snmpget("ipmiChannelVlanId.1.3").value == 0
    assert w.snmpget("ipmiChannelDhcp.1.3").value == TRUE


def test_both_identify(im):
    w, agent = im.w, im.agent
    since = len(im.identify_calls())
    mark = log_mark(agent)
    assert w.snmpset(("ipmiBmcIdentify.1", "i", 30)).status == "noError"
    assert w.snmpset(("ipmiBmcIdentifyForce.1", "i", TRUE)).status == "noError"
    assert w.snmpset(("ipmiBmcIdentify.1", "i", 0)).status == "noError"
    assert im.identify_calls(since) == ["30 0", "0 1", "0 0"]
    assert w.snmpget("ipmiBmcIdentifyForce.1").value == FALSE
    assert "identify=off" in bmc_applied_lines(agent, mark, "alpha")


@pytest.mark.parametrize("password", ["Sixteen-chars-01", "Twenty-characters-XY"],
                         ids=["16", "20"])
def test_both_other_users_password(im, password):
    """User 3 is not the agent's login: set, proven with Test Password in
    the same size form, and the new password logs in (ipmitool)."""
    w, bmc, agent = im.w, im.bmc, im.agent
    mark = log_mark(agent)
    res = w.snmpset(("ipmiBmcPassword.1", "s", password))
    assert res.status == "noError", res.stderr
    im.operator_passwords.append(password)
    kept = password[:16] if im.truncates else password
    assert ipmi_login(bmc, OPERATOR, kept)
    assert not ipmi_login(bmc, OPERATOR, im.operator_passwords[-2][:16])
    assert ipmi_login(bmc, "admin", OLD)  # the agent's own login untouched
    assert wait_bmc_applied(w, agent, mark, "alpha") == f"password=(changed, user {OPERATOR_UID})"
    if im.kind == "pyghmi":
        ops = [(e["uid"], e["op"], e["form"], e["outcome"])
               for e in bmc.events("password")[-2:]]
        assert ops == [(3, "set", len(password), "0x00"), (3, "test", len(password), "0x00")]
    assert password not in agent.log()


# --- (c) never locked out: the BMC cannot say whose password it is ------------------------


CC_INVALID_COMMAND, CC_DESTINATION_UNAVAILABLE = 0xC1, 0xD4
NETFN_APP_RS, CMD_GET_USER_NAME = 0x07, 0x46


class UserNameRelay(FaultRelay):
    """A FaultRelay that also answers every Get User Name with `user_name_cc`
    instead of the simulator's reply: ipmi_sim has no switch for that. The
    reply is cut to the completion code.

    The agent talks to it with cipher suite 1 (RAKP-HMAC-SHA1, no integrity,
    no confidentiality): the messages are in the clear, so the relay can
    rewrite them, but unlike cipher suite 0 the login checks the password.
    Over cipher suite 0 a new session opens with any password at all, and so
    proves nothing about one."""

    def __init__(self, target_port, cc):
        super().__init__(target_port)
        self.user_name_cc = cc
        self.user_names_refused = 0

    def _from_target(self, client, data):
        span = ipmi_message_span(data)
        if span is not None:
            off, length = span
            msg = data[off:off + length]
            if msg[1] >> 2 == NETFN_APP_RS and msg[5] == CMD_GET_USER_NAME:
                new = bytearray(msg[:6]) + bytes([self.user_name_cc])
                new.append(checksum(new[3:]))
                if data[4] == 0x06:  # RMCP+: a 2-octet payload length before it
                    size = len(new).to_bytes(2, "little")
                    data = data[:off - 2] + size + new + data[off + length:]
                else:                # IPMI 1.5: 1 octet
                    data = data[:off - 1] + bytes([len(new)]) + new + data[off + length:]
                self.user_names_refused += 1
        super()._from_target(client, data)


@dataclass
class LockEnv:
    kind: str
    w: World
    bmc: object
    agent: object
    relay: object = None

    def user_names_refused(self):
        if self.relay is not None:
            return self.relay.user_names_refused
        return sum(1 for e in self.bmc.commands("get_user_name")
                   if e["cc"] in (CC_INVALID_COMMAND, CC_DESTINATION_UNAVAILABLE))

    def password_ops(self, since):
        """[(uid, "set"/"test")] that reached the BMC after `since`."""
        if self.relay is not None:
            return [(r.uid, {2: "set", 3: "test"}.get(r.op, r.op))
                    for r in self.relay.password_requests(since)]
        return [(e["uid"], e["op"]) for e in self.bmc.events("password", since)]

    def mark(self):
        return self.relay.mark() if self.relay is not None else self.bmc.mark()


@pytest.fixture
def lockout(aworld):
    """lockout(kind, cc, password_user_id=2, cipher_suite=None, **control):
    a BMC of either implementation whose Get User Name answers `cc`, with an
    agent reading it every REFRESH seconds. `control` adds pyghmi switches;
    cipher_suite replaces the relay's 1 (ipmi_sim)."""
    relays = []

    def make(kind, cc, password_user_id=2, cipher_suite=None, **control):
        if kind == "pyghmi":
            bmc, over = start_bmc(aworld, kind, "alpha", 1,
                                  control=dict(control, cc={"get_user_name": cc}))
            relay = None
        else:
            bmc, over = start_bmc(aworld, kind, "alpha", 1)
            relay = UserNameRelay(bmc.port, cc).start()
            relays.append(relay)
            over = {"port": relay.port, "cipher_suite": 1}
        if password_user_id != 2:
            add_user(bmc, password_user_id, OPERATOR, OPERATOR_PW)
        if kind == "ipmi_sim" and cipher_suite is not None:
            over["cipher_suite"] = cipher_suite
        agent = aworld.start_agent([bmc], refresh_interval=REFRESH, bmc_overrides={
            "alpha": dict(over, password_user_id=password_user_id)})
        agent.wait_synced()
        env = LockEnv(kind, aworld, bmc, agent, relay)
        assert env.user_names_refused() >= 1  # the agent did ask, and was refused
        return env

    yield make
    for relay in relays:
        relay.stop()


BOTH = pytest.mark.parametrize("kind", ["ipmi_sim", "pyghmi"])


@BOTH
@pytest.mark.parametrize("cc", [CC_INVALID_COMMAND, CC_DESTINATION_UNAVAILABLE],
                         ids=["c1", "d4"])
def test_own_password_without_get_user_name_is_adopted(lockout, kind, cc):
    """password_user_id 2 is the agent's own login, but the BMC will not say
    so. The new password must be proven by a new session and adopted: the
    BMC really has it, and the agent keeps reading the BMC with it."""
    env = lockout(kind, cc)
    w, bmc, agent = env.w, env.bmc, env.agent
    new = "Admin-New-Pw-16c"
    res = w.snmpset(("ipmiBmcPassword.1", "s", new))
    assert res.status == "noError", res.stderr
    assert ipmi_login(bmc, "admin", new)
    assert not ipmi_login(bmc, "admin", OLD)
    bmc.admin_password = new
    # reads after the change: each opens a new session, with the new password
    wait_good_refreshes(w, agent, 1, n=2)
    assert counters(w, 1)["ipmiBmcSetsApplied"] == 1
    assert new not in agent.log()


def test_own_20_octet_password_without_get_user_name_on_pyghmi(lockout):
    """pyghmi keeps all 20 octets: the 20-byte form is proven and adopted."""
    env = lockout("pyghmi", CC_INVALID_COMMAND)
    w, bmc, agent = env.w, env.bmc, env.agent
    new = "Admin-Twenty-Chars-X"
    res = w.snmpset(("ipmiBmcPassword.1", "s", new))
    assert res.status == "noError", res.stderr
    assert ipmi_login(bmc, "admin", new)
    assert not ipmi_login(bmc, "admin", new[:16])
    bmc.admin_password = new
    wait_good_refreshes(w, agent, 1, n=2)


@BOTH
def test_other_users_password_without_get_user_name(lockout, kind):
    """password_user_id 3 "operator", not the agent's login, and the BMC will
    not say whose it is: the agent's own login still works with its old
    password, so user 3 is another user, whom Test Password proves."""
    env = lockout(kind, CC_INVALID_COMMAND, password_user_id=OPERATOR_UID)
    w, bmc, agent = env.w, env.bmc, env.agent
    new = "Operator-New-16c"
    since = env.mark()
    res = w.snmpset(("ipmiBmcPassword.1", "s", new))
    assert res.status == "noError", res.stderr
    assert ipmi_login(bmc, OPERATOR, new)
    assert not ipmi_login(bmc, OPERATOR, OPERATOR_PW)
    assert ipmi_login(bmc, "admin", OLD)  # the agent's own login, untouched
    assert env.password_ops(since) == [(OPERATOR_UID, "set"), (OPERATOR_UID, "test")]
    wait_good_refreshes(w, agent, 1, n=2)
    assert new not in agent.log()


@pytest.mark.parametrize("kind, password, control", [
    ("ipmi_sim", "Admin-Twenty-Chars-X", {}),                       # keeps 16 octets
    ("pyghmi", "Admin-Twenty-Chars-X", {"password_truncate": 16}),  # the same, switched on
    ("pyghmi", "Admin-New-Pw-16c", {"refuse_logins_after_password_set": True}),
], ids=["ipmi_sim-truncates", "pyghmi-truncates", "pyghmi-refuses-logins"])
def test_own_password_proven_neither_way_is_restored(lockout, kind, password, control):
    """After the change the agent logs in with neither the new nor the old
    password (the BMC truncated the new one, or refuses every login for a
    while): the old password is put back, commitFailed, and it works."""
    env = lockout(kind, CC_INVALID_COMMAND, **control)
    w, bmc, agent = env.w, env.bmc, env.agent
    mark = log_mark(agent)
    res = w.snmpset(("ipmiBmcPassword.1", "s", password))
    assert res.status == "commitFailed", res.stderr
    assert res.failed_oid == w.oid("ipmiBmcPassword.1")
    assert ipmi_login(bmc, "admin", OLD)
    assert not ipmi_login(bmc, "admin", password)
    assert not ipmi_login(bmc, "admin", password[:16])
    assert bmc_applied_lines(agent, mark) == []
    assert counters(w, 1)["ipmiBmcSetsFailed"] == 1
    wait_good_refreshes(w, agent, 1, n=2)
    assert password not in agent.log()


def consistent_with_answer(status, new_works, old_works):
    """The password contract (IPMI-CHANNEL-MIB, ipmiBmcPassword): noError
    means the new password works, commitFailed that the old one does,
    undoFailed that the agent could not tell which."""
    if status == "noError":
        return new_works
    if status == "commitFailed":
        return old_works and not new_works
    return status == "undoFailed" and (new_works or old_works)


@pytest.mark.parametrize("uid", [2, OPERATOR_UID], ids=["own-user", "other-user"])
def test_proof_without_a_free_session_slot(lockout, uid):
    """The BMC takes the new password, then has no free session slot for the
    proof's new sessions ("BMC busy"): the logins that fail say nothing
    about any password. Whatever the answer, the BMC must match it, and the
    agent must never write its own password into another user's account."""
    env = lockout("pyghmi", CC_INVALID_COMMAND, password_user_id=uid)
    w, bmc, agent = env.w, env.bmc, env.agent
    user, old = ("admin", OLD) if uid == 2 else (OPERATOR, OPERATOR_PW)
    new = "Slotless-Pw-16ch"
    since = bmc.mark()
    bmc.control(session_slots=1)  # the agent's own session for the SET takes it
    res = w.snmpset(("ipmiBmcPassword.1", "s", new))
    bmc.control(session_slots=None)
    assert "no-slot" in [e["outcome"] for e in bmc.events("open_session", since)]
    new_works, old_works = ipmi_login(bmc, user, new), ipmi_login(bmc, user, old)
    if uid != 2:
        assert not ipmi_login(bmc, OPERATOR, OLD), \
            "the agent's own password was written into user 3"
        assert ipmi_login(bmc, "admin", OLD)
    assert consistent_with_answer(res.status, new_works, old_works), (
        res.status, new_works, old_works)
    if uid == 2 and new_works:
        bmc.admin_password = new
    wait_good_refreshes(w, agent, 1, n=2)


def test_cipher_suite_0_login_proves_no_password(lockout):
    """Over cipher suite 0 (no authentication) a new session opens whatever
    the password: that the agent's login works with the new password of user
    3 does not make user 3 its own. A noError must still rest on Test
    Password (or the change is refused before the BMC is touched)."""
    env = lockout("ipmi_sim", CC_INVALID_COMMAND, password_user_id=OPERATOR_UID,
                  cipher_suite=0)
    w, bmc, agent = env.w, env.bmc, env.agent
    new = "Operator-Cs0-16c"
    since = env.mark()
    res = w.snmpset(("ipmiBmcPassword.1", "s", new))
    ops = env.password_ops(since)
    if res.status == "noError":
        assert ops == [(OPERATOR_UID, "set"), (OPERATOR_UID, "test")], ops
        assert ipmi_login(bmc, OPERATOR, new)
    else:
        assert ops == [], (res.status, ops)
        assert ipmi_login(bmc, OPERATOR, OPERATOR_PW)
    assert ipmi_login(bmc, "admin", OLD)
    wait_good_refreshes(w, agent, 1, n=2)


# --- (d) pyghmi's own Get Device ID ---------------------------------------------------


def test_pyghmi_device_id_layout_is_reachable(aworld):
    """14 data bytes, manufacturer and product 4 bytes each: ipmitool reads
    it, and so must the agent (lenient Get Device ID, issue 13 item 6)."""
    bmc = start_pyghmi(aworld, "alpha", channels=1, control={"device_id": "pyghmi"})
    assert len(bmc.raw(0x06, 0x01)[1]) == 14
    assert bmc.mc_info()["Manufacturer ID"] == str(MANUFACTURER)
    agent = aworld.start_agent([bmc], refresh_interval=REFRESH,
                               bmc_overrides={"alpha": agent_overrides()})
    agent.wait_synced(timeout=10)
    row = aworld.bmc_rows()[1]
    assert (row["ipmiBmcReachable"], row["ipmiBmcLastError"]) == (TRUE, "")
    assert row["ipmiBmcManufacturerId"] == MANUFACTURER
    assert row["ipmiBmcFirmwareVersion"] == "2.13"
    assert row["ipmiBmcIpmiVersion"] == "2.0"
    wait_good_refreshes(aworld, agent, 1, n=2)


def test_pyghmi_no_free_session_slot_is_unreachable_then_recovers(aworld):
    """A BMC with no free session slot cannot be read: unreachable with a
    reason; once a slot is free again it is read as before."""
    bmc = start_pyghmi(aworld, "alpha", channels=1)
    agent = aworld.start_agent([bmc], refresh_interval=REFRESH,
                               bmc_overrides={"alpha": agent_overrides()})
    agent.wait_synced()
    bmc.control(open_session="no-slot")
    since = bmc.mark()

    def refused():
        row = aworld.bmc_rows()[1]
        return row["ipmiBmcReachable"] == FALSE and row["ipmiBmcLastError"] != ""

    aworld.wait_for(refused, 4 * REFRESH + 10, "the BMC to read as unreachable")
    assert [e["outcome"] for e in bmc.events("open_session", since)][:1] == ["no-slot"]
    # said in words an operator can act on, not only libfreeipmi's
    error = aworld.bmc_rows()[1]["ipmiBmcLastError"]
    assert "no free session slot" in error, error
    bmc.control(open_session=None)
    agent.wait_synced(timeout=4 * REFRESH + 10)
    assert comparable_row(aworld.channel_rows()[(1, 1)]) == channel_row_from_lan(bmc.lan_print(1))
