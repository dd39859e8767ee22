# SPDX-License-Identifier: GPL-3.0-or-later
"""The network namespace world itself (netns.py), checked with ipmitool and
ip only (no agent): a BMC answers at its address from the agent's
namespace; a committed change of its address really moves it, with the
reply to the commit sent from the old address ("after") or lost
("before"); a move into a subnet behind a router; a DHCP lease from
dnsmasq on channel 2; a per-namespace hosts file changed in place; VLAN
settings never reaching the interface; and nothing left after close().
"""

import os
import subprocess
import time

import pytest

import netns
from netns import NetWorld, NetnsUnavailable, networld  # noqa: F401 - fixture
from world import wait_for

MGMT = "198.18.0.0/24"
AGENT = "198.18.0.1"
OLD, NEW = "198.18.0.10", "198.18.0.20"


def mgmt_bmc(w, timing="after", **kw):
    w.lan("mgmt", MGMT, agent_addr=AGENT)
    return w.bmc("b1", "mgmt", OLD, timing=timing, **kw)


def answers(w, addr, port=623):
    """mc info at addr from agent_ns, one try with a 1 s timeout."""
    return w.ipmitool_run(addr, ["mc", "info"], port=port, retries=1,
                          timeout=15).returncode == 0


def test_bmc_answers_at_its_address_in_agent_ns_only(networld):
    w = networld
    bmc = mgmt_bmc(w)
    assert bmc.iface_addr() == f"{OLD}/24"
    lan = bmc.lan_print(1)
    assert lan["IP Address"] == OLD
    assert lan["Subnet Mask"] == "255.255.255.0"
    assert lan["MAC Address"].lower() == bmc.mac()
    assert lan["IP Address Source"] == "Static Address"
    assert answers(w, OLD)
    assert not answers(w, "198.18.0.99")
    # The root namespace has no address or route of the test world.
    root = subprocess.run(["ip", "-4", "addr"], capture_output=True, text=True).stdout
    root += subprocess.run(["ip", "-4", "route"], capture_output=True, text=True).stdout
    assert "198.18." not in root and "203.0.113." not in root, root


@pytest.mark.parametrize("timing", ["after", "before"])
def test_ipmitool_lan_set_moves_the_bmc(networld, timing):
    w = networld
    bmc = mgmt_bmc(w, timing=timing)
    res = w.ipmitool_run(OLD, ["lan", "set", "1", "ipaddr", NEW], retries=1)
    if timing == "after":
        assert res.returncode == 0, res.stderr
    wait_for(lambda: bmc.iface_addr() == f"{NEW}/24", 5, "the kernel address to move")
    # In "before" the blackhole lasts 1.5 s: allow for it.
    wait_for(lambda: answers(w, NEW), 10, f"the BMC to answer at {NEW}")
    assert not answers(w, OLD)
    assert w.ipmitool(NEW, ["lan", "print", "1"]).count(f"IP Address              : {NEW}") == 1
    assert bmc.addr == NEW
    sets = bmc.lancfg_sets(1)
    assert sets == [{"ip_addr": NEW}], sets
    assert ("blackholed" in bmc.net_log()) == (timing == "before")


def udp_in(w, ns):
    """UDP datagrams that reached ns: (delivered to a socket, to no socket
    or in error), from its /proc/net/snmp."""
    lines = [ln.split() for ln in w.run(ns, ["cat", "/proc/net/snmp"], check=True)
             .stdout.splitlines() if ln.startswith("Udp:")]
    c = dict(zip(lines[0][1:], map(int, lines[1][1:])))
    return c["InDatagrams"], c["NoPorts"] + c["InErrors"]


def _raw(w, addr, *data, retries=1):
    return w.ipmitool_run(addr, ["raw", "0x0c", "0x01", "1", *map(str, data)],
                          retries=retries, timeout=20)


@pytest.mark.parametrize("timing", ["after", "before"])
def test_the_commit_reply_is_lost_only_before(networld, timing):
    """Lock, write the address and commit, each in its own ipmitool run: the
    lock and the write are answered in both timings; the commit is answered
    (from the old address) in "after" and never in "before", where the BMC
    has moved by the time it replies and the reply is blackholed. Counted
    in the agent namespace's UDP statistics: the commit's run gets fewer
    datagrams than an answered run, and none arrives for no socket (without
    the blackhole the reply would arrive from the NEW address, which a
    client that accepts replies from any address would see). Then
    the BMC answers at the new address, where Set Complete unlocks it."""
    w = networld
    bmc = mgmt_bmc(w, timing=timing)
    assert _raw(w, OLD, 0, 1).returncode == 0
    u0 = udp_in(w, w.agent_ns)
    assert _raw(w, OLD, 3, *NEW.split(".")).returncode == 0
    u1 = udp_in(w, w.agent_ns)
    t0 = time.monotonic()
    commit = _raw(w, OLD, 0, 2)
    u2 = udp_in(w, w.agent_ns)
    moved_at = bmc.iface_addr()
    blackholes = w.run(bmc.ns, ["ip", "route", "show", "type", "blackhole"]).stdout
    answered_run = u1[0] - u0[0]  # session, reply, close: all delivered
    assert answered_run >= 3 and u1[1] == u0[1]
    # Nothing stray (to no socket: a reply from another address) either way.
    assert u2[1] == u1[1], "a datagram reached the agent's namespace for no socket"
    if timing == "after":
        assert commit.returncode == 0, commit.stderr
        assert u2[0] - u1[0] == answered_run
        assert blackholes == ""
        # answered before the move (0.3 s later)
        assert moved_at == f"{OLD}/24" or time.monotonic() - t0 > 0.3
    else:
        assert commit.returncode != 0, commit.stdout
        assert "Unable to send RAW command" in commit.stderr, commit.stderr
        assert u2[0] - u1[0] < answered_run, "the commit's reply was delivered"
        assert moved_at == f"{NEW}/24"
        assert "blackholed 198.18.0.1" in bmc.net_log()
    wait_for(lambda: bmc.iface_addr() == f"{NEW}/24", 5, "the move")
    wait_for(lambda: answers(w, NEW), 10, f"the BMC to answer at {NEW}")
    assert _raw(w, NEW, 0, 0).returncode == 0  # Set Complete at the new address
    assert not answers(w, OLD)
    assert bmc.lancfg_sets(1) == [{"ip_addr": NEW}]


def test_move_into_a_subnet_behind_a_router(networld):
    """The BMC stays on the mgmt wire and is re-addressed (address and
    gateway in one commit) into 198.18.1.0/24, which the agent reaches only
    through the router."""
    w = networld
    w.lan("mgmt", MGMT, agent_addr=AGENT)
    w.lan("far", "198.18.1.0/24", segment="mgmt")
    w.router("r1", {"mgmt": "198.18.0.254", "far": "198.18.1.254"})
    bmc = w.bmc("b1", "mgmt", OLD)
    assert bmc.default_gw() == "198.18.0.254"
    far = "198.18.1.30"
    res = w.lan_set(OLD, 1, ip=far, gw="198.18.1.254")
    assert res.returncode == 0, res.stderr
    wait_for(lambda: bmc.iface_addr() == f"{far}/24", 5, "the move")
    assert bmc.default_gw() == "198.18.1.254"
    route = w.run(w.agent_ns, ["ip", "route", "get", far], check=True).stdout
    assert "via 198.18.0.254" in route, route
    wait_for(lambda: answers(w, far), 10, f"the BMC to answer at {far} through the router")
    lan = bmc.lan_print(1)
    assert (lan["IP Address"], lan["Default Gateway IP"]) == (far, "198.18.1.254")
    assert not answers(w, OLD)
    assert bmc.lancfg_sets(1) == [{"ip_addr": far, "default_gw_ip_addr": "198.18.1.254"}]


def test_dhcp_lease_on_channel_2(networld):
    w = networld
    w.lan("mgmt", MGMT, agent_addr=AGENT)
    w.lan("side", "203.0.113.0/24", agent_addr="203.0.113.1")
    dhcp = w.dhcp("side", "203.0.113.100", "203.0.113.120")
    bmc = w.bmc("b1", "mgmt", OLD, second_lan="side", second_addr="203.0.113.10")
    assert answers(w, "203.0.113.10", port=624)
    mac2 = bmc.mac(2)
    w.ipmitool(OLD, ["lan", "set", "2", "ipsrc", "dhcp"])
    lease = wait_for(lambda: [l for l in dhcp.leases() if l["mac"] == mac2], 15,
                     "a lease for channel 2's MAC", on_fail=w.log_tails)[0]
    assert netns.ipaddress.ip_address(lease["ip"]) in netns.ipaddress.ip_network(
        "203.0.113.96/27")
    wait_for(lambda: bmc.iface_addr(2) == f"{lease['ip']}/24", 10,
             "channel 2's interface to carry the lease")
    assert bmc.iface_addr(1) == f"{OLD}/24"  # channel 1 untouched
    lan2 = bmc.lan_print(2)
    assert (lan2["IP Address Source"], lan2["IP Address"]) == ("DHCP Address", lease["ip"])
    assert answers(w, lease["ip"], port=624)
    pidfile = bmc.dir / "udhcpc2.pid"
    pid = int(pidfile.read_text())
    assert netns._pid_alive(pid)
    # Back to static: the client stops.
    w.ipmitool(OLD, ["lan", "set", "2", "ipsrc", "static"])
    wait_for(lambda: not netns._pid_alive(pid), 5, "udhcpc to stop")
    assert not pidfile.exists()
    assert bmc.lan_print(2)["IP Address Source"] == "Static Address"


def test_hosts_file_of_a_namespace_changes_in_place(networld):
    w = networld
    w.lan("mgmt", MGMT, agent_addr=AGENT)
    path = w.hosts(w.agent_ns, {"bmc-a": OLD})
    got = w.run(w.agent_ns, ["getent", "hosts", "bmc-a"], check=True).stdout.split()
    assert got[0] == OLD
    # Not in the root namespace's /etc/hosts.
    assert subprocess.run(["getent", "hosts", "bmc-a"], capture_output=True).returncode != 0
    # A process already running in the namespace sees the new mapping.
    proc = subprocess.Popen(["ip", "netns", "exec", w.agent_ns, "sh", "-c",
                             "read x; getent hosts bmc-a"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(0.2)
        inode = path.stat().st_ino
        w.hosts(w.agent_ns, {"bmc-a": NEW})
        assert path.stat().st_ino == inode
        out, _ = proc.communicate("go\n", timeout=10)
    finally:
        proc.kill()
    assert out.split()[0] == NEW, out


def test_vlan_settings_do_not_reach_the_interface(networld):
    """ipmi_sim 2.0.33 keeps VLAN ID and priority (parameters 20, 21) in its
    memory and never passes them to the lan_config_program: the commit
    makes no set call, and no VLAN link appears. (If a later ipmi_sim
    passes them, this test fails and netlan.sh should apply them.)"""
    w = networld
    bmc = mgmt_bmc(w)
    w.ipmitool(OLD, ["lan", "set", "1", "vlan", "id", "42"])
    assert w.ipmitool(OLD, ["lan", "print", "1"]).count("802.1q VLAN ID          : 42") == 1
    assert [c for c in bmc.lan_log() if c[1] == "set"] == []
    links = w.run(bmc.ns, ["ip", "-o", "link"], check=True).stdout
    assert "vlan" not in links and "@eth0" not in links.replace("eth0@", ""), links


def test_close_leaves_nothing(tmp_path):
    root_links = subprocess.run(["ip", "-o", "link"], capture_output=True,
                                text=True).stdout
    root_links = {ln.split(":")[1].strip() for ln in root_links.splitlines()}
    try:
        w = NetWorld(tmp_path / "net")
    except NetnsUnavailable as exc:
        pytest.skip(f"network namespaces unavailable: {exc}")
    try:
        w.lan("mgmt", MGMT, agent_addr=AGENT)
        w.lan("side", "203.0.113.0/24")
        w.router("r1", {"mgmt": "198.18.0.254", "side": "203.0.113.254"})
        dhcp = w.dhcp("side", "203.0.113.100", "203.0.113.120")
        bmc = w.bmc("b1", "mgmt", OLD, second_lan="side", second_addr="203.0.113.10",
                    timing="before")
        w.hosts(w.agent_ns, {"bmc-a": OLD})
        w.ipmitool(OLD, ["lan", "set", "2", "ipsrc", "dhcp"])
        udhcpc = wait_for(lambda: int((bmc.dir / "udhcpc2.pid").read_text()), 5, "udhcpc")
        # and a background blackhole job of "before", still sleeping
        w.ipmitool_run(OLD, ["lan", "set", "1", "ipaddr", NEW], retries=1)
        made = list(w.namespaces)
        pids = [bmc.proc.pid, dhcp.proc.pid, udhcpc]
        inside = [p for ns in made for p in netns.ns_pids(ns)]
        assert len(made) == 5 and all(netns._pid_alive(p) for p in pids)
        assert set(pids) <= set(inside)
    finally:
        w.close()
    left = [ns for ns in netns.netns_list() if ns in made]
    assert not left
    assert not [p for p in inside if netns._pid_alive(p)]
    assert not any(os.path.exists(f"/etc/netns/{ns}") for ns in made)
    assert w.leftovers() == []
    now = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    assert {ln.split(":")[1].strip() for ln in now.splitlines()} == root_links
    assert subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True).stdout == b""


def test_sweeper_removes_only_dead_runs():
    try:
        netns._check_usable()
    except NetnsUnavailable as exc:
        pytest.skip(str(exc))
    gone = subprocess.Popen(["true"])
    gone.wait()
    dead = f"{netns.PREFIX}-{gone.pid}-1-sw"
    live = f"{netns.PREFIX}-{os.getpid()}-999-sw"
    other = f"iaxother-{gone.pid}-1-sw"
    made = []
    try:
        for ns in (dead, live, other):
            subprocess.run(["ip", "netns", "add", ns], check=True)
            made.append(ns)
        removed = netns.sweep_stale()
        assert dead in removed
        names = netns.netns_list()
        assert dead not in names and live in names and other in names
    finally:
        for ns in made:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
