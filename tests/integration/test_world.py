# SPDX-License-Identifier: GPL-3.0-or-later
"""The test world itself: the simulated BMC and the SNMP master, without the agent.

If these fail, every other integration test is meaningless, so they pin the
behaviour the others rely on (see /work/shared/ENVIRONMENT.md).
"""

import time

SEED = {
    1: {"IP Address Source": "Static Address", "IP Address": "192.0.2.10",
        "Subnet Mask": "255.255.255.0", "Default Gateway IP": "192.0.2.1",
        "MAC Address": "02:00:5e:01:01:01"},
    2: {"IP Address Source": "DHCP Address", "IP Address": "198.51.100.20",
        "Subnet Mask": "255.255.255.0", "Default Gateway IP": "198.51.100.1",
        "MAC Address": "02:00:5e:01:02:01"},
}


def lan_subset(sim, channel):
    lan = sim.lan_print(channel)
    return {k: lan[k] for k in SEED[1]}


def test_sim_serves_seeded_channels(world):
    sim = world.sim("bmc1", channels=2)
    assert lan_subset(sim, 1) == SEED[1]
    assert lan_subset(sim, 2) == SEED[2]
    assert sim.lan_print(1)["802.1q VLAN ID"] == "Disabled"
    info = sim.mc_info()
    assert info["Manufacturer ID"] == "4753"
    assert info["Firmware Revision"] == "9.08"
    assert info["IPMI Version"] == "2.0"


def test_second_sim_has_other_values(world):
    a = world.sim("a", channels=1, sim_id=1)
    b = world.sim("b", channels=1, sim_id=2)
    la, lb = a.lan_print(1), b.lan_print(1)
    assert la["IP Address"] == "192.0.2.10"
    assert lb["IP Address"] == "192.0.2.20"
    assert la["MAC Address"] != lb["MAC Address"]


def test_every_channel_port_answers(world):
    sim = world.sim("bmc1", channels=2)
    res = sim.ipmitool("lan", "print", 2, port=sim.ports[1])
    assert "198.51.100.20" in res.stdout


def test_ipmitool_lan_set_reaches_program(world):
    sim = world.sim("bmc1", channels=2)
    sim.clear_logs()
    sim.ipmitool("lan", "set", 1, "ipaddr", "192.0.2.77")
    assert sim.lancfg_sets(1) == [{"ip_addr": "192.0.2.77"}]
    assert sim.lan_state(1)["ip_addr"] == "192.0.2.77"
    assert sim.lan_print(1)["IP Address"] == "192.0.2.77"
    # channel 2 untouched
    assert sim.lan_state(2)["ip_addr"] == "198.51.100.20"


def raw_set(sim, channel, param, *data):
    sim.ipmitool("raw", "0x0c", "0x01", channel, param, *data)


def test_locked_transaction_arrives_as_one_set(world):
    """Set-in-progress lock, several writes, commit: ONE program call."""
    sim = world.sim("bmc1", channels=1)
    sim.clear_logs()
    raw_set(sim, 1, 0, 1)                       # set in progress
    raw_set(sim, 1, 3, 192, 0, 2, 55)           # IP
    raw_set(sim, 1, 6, 255, 255, 0, 0)          # netmask
    raw_set(sim, 1, 12, 192, 0, 2, 254)         # default gateway
    assert sim.lancfg_sets() == []              # nothing before the commit
    raw_set(sim, 1, 0, 2)                       # commit write
    raw_set(sim, 1, 0, 0)                       # set complete
    sets = sim.lancfg_sets(1)
    assert len(sets) == 1, sim.lancfg_log()
    assert sets[0]["ip_addr"] == "192.0.2.55"
    assert sets[0]["subnet_mask"] == "255.255.0.0"
    assert sets[0]["default_gw_ip_addr"] == "192.0.2.254"
    lan = sim.lan_print(1)
    assert lan["IP Address"] == "192.0.2.55"
    assert lan["Subnet Mask"] == "255.255.0.0"
    assert lan["Default Gateway IP"] == "192.0.2.254"


def test_uncommitted_writes_are_rolled_back(world):
    sim = world.sim("bmc1", channels=1)
    sim.clear_logs()
    raw_set(sim, 1, 0, 1)
    raw_set(sim, 1, 3, 192, 0, 2, 66)
    raw_set(sim, 1, 0, 0)                       # complete without commit
    assert sim.lancfg_sets() == []
    assert sim.lan_print(1)["IP Address"] == "192.0.2.10"


def test_vlan_is_kept_in_memory_only(world):
    sim = world.sim("bmc1", channels=1)
    sim.clear_logs()
    sim.ipmitool("lan", "set", 1, "vlan", "id", 42)
    sim.ipmitool("lan", "set", 1, "vlan", "priority", 3)
    lan = sim.lan_print(1)
    assert lan["802.1q VLAN ID"] == "42"
    assert lan["802.1q VLAN Priority"] == "3"
    assert sim.lancfg_sets() == []


def test_sim_restart_keeps_program_state(world):
    sim = world.sim("bmc1", channels=1)
    sim.ipmitool("lan", "set", 1, "ipaddr", "192.0.2.88")
    sim.kill()
    sim.start()
    assert sim.lan_print(1)["IP Address"] == "192.0.2.88"


def test_chassis_identify_reaches_program(world):
    sim = world.sim("bmc1", channels=1)
    sim.clear_logs()
    sim.ipmitool("chassis", "identify", 15)
    sim.ipmitool("chassis", "identify", "force")
    sim.ipmitool("chassis", "identify", 0)
    calls = [c[1:] for c in sim.chassis_log()]
    assert calls == [["set", "identify", "15 0"], ["set", "identify", "0 1"],
                     ["set", "identify", "0 0"]]


def test_master_serves_and_restarts(world):
    master = world.start_master()
    up = world.snmpget("SNMPv2-MIB::sysUpTime.0")
    assert up.type == "Timeticks"
    assert world.snmpget("IPMI-CHANNEL-MIB::ipmiBmcName.1").type == "noSuchObject"
    master.stop()
    assert not master.socket.exists()
    master.start()
    assert master.socket.exists()
    # sysUpTime restarted with the master
    assert world.snmpget("SNMPv2-MIB::sysUpTime.0").value < up.value + 500


def test_master_set_errors_are_parsed(world):
    world.start_master()
    res = world.snmpset(("SNMPv2-MIB::sysUpTime.0", "t", 5))
    assert res.status == "notWritable"
    assert res.failed_oid == "1.3.6.1.2.1.1.3.0"
    res = world.snmpset(("SNMPv2-MIB::sysContact.0", "s", "x"), community="public")
    assert res.status == "noAccess"


def test_free_ports_are_distinct(world):
    from world import free_port
    ports = {free_port() for _ in range(50)}
    assert len(ports) == 50


def test_wait_for_times_out_with_reason(world):
    import pytest
    from world import WorldError, wait_for

    t0 = time.monotonic()
    with pytest.raises(WorldError, match="never"):
        wait_for(lambda: False, 0.3, "never")
    assert time.monotonic() - t0 < 2


def test_parse_vars():
    from world import parse_vars

    text = (".1.3.6.1.2.1.1.1.0 = STRING: Linux box\n"
            ".1.3.6.1.2.1.1.3.0 = 30\n"
            ".1.3.6.1.4.1.1.1 = \"\"\n"
            ".1.3.6.1.4.1.1.2 = Hex-STRING: 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F\n"
            "10 11\n"
            ".1.3.6.1.4.1.1.3 = IpAddress: 192.0.2.1\n"
            ".1.3.6.1.4.1.1.4 = Gauge32: 4294967295\n"
            ".1.3.6.1.4.1.1.5 = INTEGER: 2\n"
            ".1.3.6.1.4.1.1.6 = STRING: \"quoted \\\"x\\\"\"\n"
            ".1.3.6.1.4.1.1.7 = No Such Instance currently exists at this OID\n"
            ".1.3.6.1.4.1.1.8 = No Such Object available on this agent at this OID\n")
    v = parse_vars(text)
    assert [x.type for x in v] == ["STRING", "Timeticks", "STRING", "Hex-STRING", "IpAddress",
                                   "Gauge32", "INTEGER", "STRING", "noSuchInstance",
                                   "noSuchObject"]
    assert v[0].value == "Linux box"
    assert v[1].value == 30
    assert v[2].value == ""
    assert v[3].value == bytes(range(18))
    assert v[4].value == "192.0.2.1"
    assert v[5].value == 4294967295
    assert v[7].value == 'quoted "x"'
    assert v[8].exception and v[8].value is None
    assert v[3].parts == (1, 3, 6, 1, 4, 1, 1, 2)


def test_parse_set_error():
    from world import parse_set_error

    assert parse_set_error(
        "Error in packet.\nReason: wrongValue (The set value is illegal or unsupported in "
        "some way)\nFailed object: .1.3.6.1.4.1.8072.9999.9999.623.1.2.1.7.1.1\n\n") == (
        "wrongValue", "1.3.6.1.4.1.8072.9999.9999.623.1.2.1.7.1.1")
    assert parse_set_error("Error in packet.\nReason: (genError) A general failure occured\n"
                           "Failed object: .1.3.6.1\n") == ("genErr", "1.3.6.1")
    assert parse_set_error("Error in packet.\nReason: commitFailed\n") == ("commitFailed", "")
    assert parse_set_error("Timeout: No Response from 127.0.0.1:1161\n") == (None, "")


def test_mac_bytes():
    from world import mac_bytes

    want = bytes([2, 0, 0x5e, 1, 1, 1])
    assert mac_bytes("02:00:5e:01:01:01") == want
    assert mac_bytes("2:0:5e:1:1:1") == want
    assert mac_bytes(want) == want
