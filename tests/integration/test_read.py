# SPDX-License-Identifier: GPL-3.0-or-later
"""The read path: what the agent serves is what the BMCs hold.

Two simulated BMCs: "alpha" with two LAN channels (ipmiBmcIndex 1) and
"beta" with one (ipmiBmcIndex 2). ipmitool is the independent witness.
"""

import pytest

from world import (AGENT_REFRESHES_LATE, AGENT_UPTIME, AGENT_VERSION, BMC_COLUMNS, BMC_ENTRY, CHANNEL_COLUMNS,
                   CHANNEL_ENTRY, FALSE, MIB_ROOT, TRUE, VOLATILE_COLUMNS, channel_row_from_lan,
                   comparable_row, mac_bytes, oid_key)

NO_READ_YET = 4294967295


@pytest.fixture
def two_bmcs(aworld):
    alpha = aworld.sim("alpha", channels=2, sim_id=1)
    beta = aworld.sim("beta", channels=1, sim_id=2)
    agent = aworld.start_agent([alpha, beta])
    agent.wait_synced()
    yield aworld, alpha, beta, agent
    agent.stop()


def expected_channels(alpha, beta):
    return {
        (1, 1): channel_row_from_lan(alpha.lan_print(1)),
        (1, 2): channel_row_from_lan(alpha.lan_print(2)),
        (2, 1): channel_row_from_lan(beta.lan_print(1)),
    }


def test_walk_rows_match_ipmitool(two_bmcs):
    w, alpha, beta, _ = two_bmcs
    rows = {k: comparable_row(v) for k, v in w.channel_rows().items()}
    assert rows == expected_channels(alpha, beta)
    # the seeds differ per channel and per BMC, so a swapped index shows
    assert rows[(1, 1)]["ipmiChannelIpAddress"] == "192.0.2.10"
    assert rows[(1, 2)]["ipmiChannelDhcp"] == TRUE
    assert rows[(2, 1)]["ipmiChannelIpAddress"] == "192.0.2.20"


def test_snmptable_matches_ipmitool(two_bmcs):
    w, alpha, beta, _ = two_bmcs
    table = {row["index"]: row for row in w.snmptable("ipmiChannelTable")}
    assert set(table) == {"1.1", "1.2", "2.1"}
    for (b, ch), want in expected_channels(alpha, beta).items():
        got = table[f"{b}.{ch}"]
        assert got["Dhcp"] == str(want["ipmiChannelDhcp"])
        assert got["IpAddress"] == want["ipmiChannelIpAddress"]
        assert got["Netmask"] == want["ipmiChannelNetmask"]
        assert got["Gateway"] == want["ipmiChannelGateway"]
        assert mac_bytes(got["MacAddress"]) == want["ipmiChannelMacAddress"]
        assert got["VlanId"] == str(want["ipmiChannelVlanId"])
        assert got["VlanPriority"] == str(want["ipmiChannelVlanPriority"])
        assert got["ManageUrl"] == want["ipmiChannelManageUrl"]
        # the columns that moved to ipmiBmcTable are gone from this one
        assert not {"Password", "Identify", "IdentifyForce"} & set(got)


def test_bmc_snmptable(two_bmcs):
    w, *_ = two_bmcs
    table = {row["index"]: row for row in w.snmptable("ipmiBmcTable")}
    assert set(table) == {"1", "2"}
    assert table["1"]["Name"] == "alpha" and table["2"]["Name"] == "beta"
    for row in table.values():
        assert row["PasswordUserId"] == "2"
        assert row["Password"] in ('""', "")
        assert row["Identify"] == "0"
        assert row["SetsApplied"] == "0" and row["SetsFailed"] == "0"


def test_bmc_table_matches_mc_info(two_bmcs):
    w, alpha, beta, agent = two_bmcs
    rows = w.bmc_rows()
    assert set(rows) == {1, 2}
    for idx, sim in ((1, alpha), (2, beta)):
        info = sim.mc_info()
        row = rows[idx]
        assert row["ipmiBmcName"] == sim.name
        assert row["ipmiBmcReachable"] == TRUE
        assert row["ipmiBmcManufacturerId"] == int(info["Manufacturer ID"])
        assert row["ipmiBmcFirmwareVersion"] == info["Firmware Revision"]
        assert row["ipmiBmcIpmiVersion"] == info["IPMI Version"]
        assert 0 <= row["ipmiBmcLastRefresh"] <= agent.refresh_interval + 2
        assert row["ipmiBmcLastError"] == ""
        # the password and identify columns after start-up
        assert row["ipmiBmcPasswordUserId"] == 2  # the default password_user_id
        assert row["ipmiBmcPassword"] == ""
        assert row["ipmiBmcIdentify"] == 0
        assert row["ipmiBmcIdentifyForce"] == FALSE
        # the counters: at least the read that made the row reachable
        assert row["ipmiBmcRefreshes"] >= 1
        assert row["ipmiBmcRefreshFailures"] == 0
        assert row["ipmiBmcSetsApplied"] == 0
        assert row["ipmiBmcSetsFailed"] == 0


def test_bmc_column_types(two_bmcs):
    w, *_ = two_bmcs
    names = [f"{name}.1" for name in BMC_COLUMNS.values()]
    types = {name: v.type for name, v in zip(BMC_COLUMNS.values(), w.snmpget(*names))}
    assert types["ipmiBmcPasswordUserId"] == "INTEGER"
    assert types["ipmiBmcPassword"] == "STRING"
    assert types["ipmiBmcIdentify"] == "INTEGER"
    assert types["ipmiBmcIdentifyForce"] == "INTEGER"
    for name in ("ipmiBmcRefreshes", "ipmiBmcRefreshFailures", "ipmiBmcSetsApplied",
                 "ipmiBmcSetsFailed"):
        assert types[name] == "Counter32", name
    assert types["ipmiBmcLastRefresh"] in ("Gauge32", "Unsigned32")


def expected_oids(bmcs, channel_rows):
    oids = []
    for col in sorted(BMC_COLUMNS):
        oids += [f"{BMC_ENTRY}.{col}.{b}" for b in sorted(bmcs)]
    for col in sorted(CHANNEL_COLUMNS):
        oids += [f"{CHANNEL_ENTRY}.{col}.{b}.{ch}" for b, ch in sorted(channel_rows)]
    return oids + [AGENT_VERSION, AGENT_UPTIME, AGENT_REFRESHES_LATE]


def test_walk_order_and_completeness(two_bmcs):
    w, *_ = two_bmcs
    walk = w.snmpwalk(MIB_ROOT)
    oids = [v.oid for v in walk]
    assert oids == expected_oids({1, 2}, {(1, 1), (1, 2), (2, 1)})
    keys = [oid_key(o) for o in oids]
    assert all(a < b for a, b in zip(keys, keys[1:])), "OIDs not increasing"
    assert not any(v.exception for v in walk)


def without_volatile(walk):
    """Drop what changes on its own between two walks (LastRefresh, the
    refresh counters, the agent's uptime)."""
    return [(v.oid, v.type, v.value) for v in walk if not v.oid.startswith(VOLATILE_COLUMNS)]


@pytest.mark.parametrize("reps", [1, 3, 10, 50])
def test_bulkwalk_equals_walk(two_bmcs, reps):
    w, *_ = two_bmcs
    walk = w.snmpwalk(MIB_ROOT)
    bulk = w.snmpbulkwalk(MIB_ROOT, max_repetitions=reps)
    assert [v.oid for v in bulk] == [v.oid for v in walk]
    assert without_volatile(bulk) == without_volatile(walk)


def test_walk_from_outside_the_module_enters_it(two_bmcs):
    """GETNEXT from the module's parent and from inside the entries."""
    w, *_ = two_bmcs
    first = w.snmpwalk(MIB_ROOT)[0]
    assert first.oid == f"{BMC_ENTRY}.2.1"
    # a walk of one column returns exactly that column's rows
    col = w.snmpwalk(f"{CHANNEL_ENTRY}.4")
    assert [v.oid for v in col] == [f"{CHANNEL_ENTRY}.4.{i}" for i in ("1.1", "1.2", "2.1")]
    # a walk of a partial index continues inside that BMC
    part = w.snmpwalk(f"{CHANNEL_ENTRY}.4.1")
    assert [v.oid for v in part] == [f"{CHANNEL_ENTRY}.4.1.1", f"{CHANNEL_ENTRY}.4.1.2"]


def test_get_of_each_cell(two_bmcs):
    w, alpha, beta, _ = two_bmcs
    want = expected_channels(alpha, beta)
    for (b, ch), row in want.items():
        names = [f"{name}.{b}.{ch}" for name in CHANNEL_COLUMNS.values()]
        got = w.snmpget(*names)
        values = {name: v.value for name, v in zip(CHANNEL_COLUMNS.values(), got)}
        assert comparable_row(values) == row
        types = {name: v.type for name, v in zip(CHANNEL_COLUMNS.values(), got)}
        assert types["ipmiChannelIpAddress"] == "IpAddress"
        assert types["ipmiChannelNetmask"] == "IpAddress"
        assert types["ipmiChannelGateway"] == "IpAddress"
        assert types["ipmiChannelDhcp"] == "INTEGER"
        assert types["ipmiChannelVlanId"] == "INTEGER"


def test_password_reads_empty(two_bmcs):
    w, *_ = two_bmcs
    for idx in ("1", "2"):
        v = w.snmpget(f"ipmiBmcPassword.{idx}")
        assert v.type == "STRING" and v.value == ""


def test_manage_url(two_bmcs):
    w, *_ = two_bmcs
    assert w.snmpget("ipmiChannelManageUrl.1.1").value == "https://192.0.2.10/"
    assert w.snmpget("ipmiChannelManageUrl.1.2").value == "https://198.51.100.20/"
    assert w.snmpget("ipmiChannelManageUrl.2.1").value == "https://192.0.2.20/"


def test_identify_reads_off(two_bmcs):
    w, *_ = two_bmcs
    assert w.snmpget("ipmiBmcIdentify.1").value == 0
    assert w.snmpget("ipmiBmcIdentifyForce.2").value == FALSE


@pytest.mark.parametrize("name", [
    "ipmiBmcName.3", "ipmiBmcName.0", "ipmiBmcReachable.99",
    "ipmiChannelIpAddress.1.3", "ipmiChannelIpAddress.2.2",
    "ipmiChannelIpAddress.3.1", "ipmiChannelIpAddress.1",
    "ipmiChannelIpAddress.1.1.1", "ipmiBmcPassword.0", "ipmiBmcPassword.1.1",
    "ipmiBmcIdentify.3", "ipmiBmcSetsFailed.0", "ipmiChannelManageUrl.1.3",
    "ipmiAgentVersion.1", "ipmiAgentUptime.0.0", "ipmiAgentVersion",
    # columns 10..12 of ipmiChannelTable are gone (revision 2)
    f"{CHANNEL_ENTRY}.10.1.1", f"{CHANNEL_ENTRY}.11.1.1", f"{CHANNEL_ENTRY}.12.1.1",
    # ipmiBmcTable ends at column 18, ipmiChannelTable at 13
    f"{BMC_ENTRY}.19.1", f"{CHANNEL_ENTRY}.14.1.1",
])
def test_get_of_missing_instances(two_bmcs, name):
    w, *_ = two_bmcs
    v = w.snmpget(name)
    assert v.type in ("noSuchInstance", "noSuchObject"), v


def test_ipmitool_change_shows_after_refresh(two_bmcs):
    w, alpha, beta, agent = two_bmcs
    alpha.ipmitool("lan", "set", 1, "ipaddr", "192.0.2.99")
    alpha.ipmitool("lan", "set", 1, "netmask", "255.255.0.0")
    alpha.ipmitool("lan", "set", 1, "defgw", "ipaddr", "192.0.2.254")
    alpha.ipmitool("lan", "set", 1, "vlan", "id", 42)
    alpha.ipmitool("lan", "set", 1, "vlan", "priority", 5)
    beta.ipmitool("lan", "set", 1, "ipsrc", "dhcp")
    want_alpha = channel_row_from_lan(alpha.lan_print(1))
    want_beta = channel_row_from_lan(beta.lan_print(1))
    assert want_alpha["ipmiChannelIpAddress"] == "192.0.2.99"
    assert want_alpha["ipmiChannelVlanId"] == 42

    def updated():
        rows = w.channel_rows()
        return (comparable_row(rows[(1, 1)]) == want_alpha
                and comparable_row(rows[(2, 1)]) == want_beta)

    w.wait_for(updated, 3 * agent.refresh_interval + 5,
               "the ipmitool changes to show in SNMP")
    # the untouched channel still reads as before
    assert comparable_row(w.channel_rows()[(1, 2)]) == channel_row_from_lan(alpha.lan_print(2))


def test_configured_channel_list(aworld):
    """channels: [2] serves channel 2 only, even though 1 exists too."""
    alpha = aworld.sim("alpha", channels=2, sim_id=1)
    agent = aworld.start_agent([alpha], bmc_overrides={"alpha": {"channels": [2]}})
    agent.wait_synced()
    rows = aworld.channel_rows()
    assert set(rows) == {(1, 2)}
    assert comparable_row(rows[(1, 2)]) == channel_row_from_lan(alpha.lan_print(2))
    agent.stop()


def test_config_order_defines_index(aworld):
    alpha = aworld.sim("alpha", channels=2, sim_id=1)
    beta = aworld.sim("beta", channels=1, sim_id=2)
    agent = aworld.start_agent([beta, alpha])
    agent.wait_synced()
    assert aworld.snmpget("ipmiBmcName.1").value == "beta"
    assert aworld.snmpget("ipmiBmcName.2").value == "alpha"
    assert set(aworld.channel_rows()) == {(1, 1), (2, 1), (2, 2)}
    assert aworld.snmpget("ipmiChannelIpAddress.1.1").value == "192.0.2.20"
    assert aworld.snmpget("ipmiChannelIpAddress.2.1").value == "192.0.2.10"
    agent.stop()


def test_ipmi15_lan_driver(aworld):
    """The same values through an IPMI 1.5 session (driver lan)."""
    alpha = aworld.sim("alpha", channels=2, sim_id=1)
    agent = aworld.start_agent([alpha], bmc_overrides={"alpha": {
        "driver": "lan", "cipher_suite": None, "workarounds": None}})
    agent.wait_synced()
    rows = {k: comparable_row(v) for k, v in aworld.channel_rows().items()}
    assert rows == {(1, 1): channel_row_from_lan(alpha.lan_print(1)),
                    (1, 2): channel_row_from_lan(alpha.lan_print(2))}
    agent.stop()


# NET-SNMP-AGENT-MIB::nsModuleTimeout, indexed by context, registration point, priority.
NS_MODULE_TIMEOUT = "1.3.6.1.4.1.8072.1.2.1.1.6"


def test_objects_registered_with_the_configured_region_timeout(aworld):
    """The master lists each registration with the timeout the subagent asked
    for (nsModuleTable): whatever regions the module's objects are registered
    as, each carries agentx.timeout, and together they cover both tables and
    the agent's scalars."""
    alpha = aworld.sim("alpha", channels=1, sim_id=1)
    agent = aworld.start_agent([alpha], agentx_timeout=17)
    agent.wait_synced()
    ours = {}
    for v in aworld.snmpwalk(NS_MODULE_TIMEOUT):
        index = v.oid[len(NS_MODULE_TIMEOUT) + 1:]
        # index: context length (0), OID length, OID arcs..., priority
        parts = [int(x) for x in index.split(".")]
        point = ".".join(map(str, parts[2:2 + parts[1]]))
        if point.startswith(MIB_ROOT):
            ours[point] = v.value
    assert ours and set(ours.values()) == {17}, ours
    for obj in (BMC_ENTRY, CHANNEL_ENTRY, AGENT_VERSION, AGENT_UPTIME):
        assert any(obj == p or obj.startswith(p + ".") for p in ours), (obj, ours)
    agent.stop()
