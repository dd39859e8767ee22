# SPDX-License-Identifier: GPL-3.0-or-later
"""Secrets stay secret: BMC passwords never reach a log or an SNMP reader.

The agent runs with every Net-SNMP debug token (-D ALL), and again with the
tokens that trace a SET through AgentX and the table helper; its log then
holds the PDUs, their varbinds and hex dumps. Passwords set over SNMP (16
and 20 characters, alone and together with other columns) and the
configured login password must not appear there in any form: as text, as
hex (upper or lower case, with or without blanks), not even in part. Reads
of ipmiBmcPassword give a zero-length string whatever the request.

A configuration that holds a password must be private (mode 600), and so
must a password_file: the agent refuses to start otherwise and says which
file to fix.
"""

import subprocess
from pathlib import Path

import pytest

from agentlog import log_mark, log_since
from bmcside import add_user, ipmi_login
from world import BMC_ENTRY, Agent, attach_world, module_world

OPERATOR_UID = 3
CONFIG_PASSWORD = "secret"  # the sims' admin password, in the agent's config
PASSWORDS = ["Zebra#Quill7Mxw!", "Zq9$Lumen&Orbit+Fox2"]  # 16 and 20 characters
PASSWORD_COLUMN = BMC_ENTRY + ".10"
# Fragments this long cannot turn up in a log by chance (pointers, OIDs).
TEXT_FRAGMENT = 6
HEX_FRAGMENT = 6  # octets


def forms(secret):
    """Every way a debug log could print `secret`: text and hex dumps."""
    octets = secret.encode()
    return {
        "text": secret,
        "HEX": octets.hex().upper(),
        "hex": octets.hex(),
        "HEX spaced": " ".join(f"{b:02X}" for b in octets),
        "hex spaced": " ".join(f"{b:02x}" for b in octets),
    }


def fragments(secret):
    """Parts of each form, so that a secret split over two dump lines shows."""
    out = {}
    octets = secret.encode()
    for i in range(len(secret) - TEXT_FRAGMENT + 1):
        out[secret[i:i + TEXT_FRAGMENT]] = "text"
    for i in range(len(octets) - HEX_FRAGMENT + 1):
        part = octets[i:i + HEX_FRAGMENT]
        out[part.hex()] = "hex"
        out[part.hex().upper()] = "HEX"
        out[" ".join(f"{b:02x}" for b in part)] = "hex spaced"
        out[" ".join(f"{b:02X}" for b in part)] = "HEX spaced"
    return out


def leaks(text, secret):
    """The forms and fragments of `secret` found in `text`."""
    found = [name for name, form in forms(secret).items() if form in text]
    found += [f"{kind} fragment {frag!r}" for frag, kind in fragments(secret).items()
              if frag in text]
    return found


# --- passwords set over SNMP, traced by Net-SNMP ------------------------------------


@pytest.fixture(scope="module", params=["ALL", "agentx,snmp_agent,helper,results"],
                ids=["D-ALL", "D-set-path"])
def env(request, agent_bin, mibdirs, source_dir):
    with module_world(request, agent_bin, mibdirs, source_dir) as w:
        alpha = w.sim("alpha", channels=1, sim_id=1)
        add_user(alpha, OPERATOR_UID, "operator", "Operator-pw-0")
        agent = w.start_agent([alpha], extra_args=["-D", request.param],
                              bmc_overrides={"alpha": {"password_user_id": OPERATOR_UID}})
        agent.wait_synced()
        yield w, alpha, agent, request.param
        agent.stop()


@pytest.fixture
def se(request, env):
    attach_world(request, env[0])
    return env


def test_passwords_are_set(se):
    """The SETs whose traces the other tests search (they run after this)."""
    w, alpha, agent, _ = se
    mark = log_mark(agent)
    res = w.snmpset(("ipmiBmcPassword.1", "s", PASSWORDS[0]))
    assert res.ok, res.stderr
    assert ipmi_login(alpha, "operator", PASSWORDS[0])
    # with other columns in the same PDU
    res = w.snmpset(("ipmiChannelVlanId.1.1", "i", 9),
                    ("ipmiBmcPassword.1", "s", PASSWORDS[1]),
                    ("ipmiChannelVlanPriority.1.1", "i", 3))
    assert res.ok, res.stderr
    assert ipmi_login(alpha, "operator", PASSWORDS[1][:16])  # ipmi_sim keeps 16 bytes
    assert alpha.lan_print(1)["802.1q VLAN ID"] == "9"
    # the SET's varbinds went through the debug output (and were redacted)
    traced = log_since(agent, mark)
    assert "623.1.1.1.10.1 = " in traced, "the SET was not traced"


@pytest.mark.parametrize("reader", ["snmpget", "snmpwalk", "snmpbulkwalk"])
def test_password_reads_zero_length(se, reader):
    w = se[0]
    if reader == "snmpget":
        got = [w.snmpget("ipmiBmcPassword.1")]
    elif reader == "snmpwalk":
        got = w.snmpwalk(PASSWORD_COLUMN)
    else:
        got = w.snmpbulkwalk(PASSWORD_COLUMN, max_repetitions=5)
    assert [(v.oid, v.type, v.value) for v in got] == [
        (PASSWORD_COLUMN + ".1", "STRING", "")]


def test_no_password_in_the_logs(se):
    w, _, agent, tokens = se
    text = agent.log()
    # the debug output is there: the search below means something
    assert text.count("net-snmp: ") > (1000 if tokens == "ALL" else 200), tokens
    for secret in [*PASSWORDS, CONFIG_PASSWORD]:
        assert leaks(text, secret) == [], f"{secret!r} in {agent.proc.log}"
        assert leaks(w.master.proc.log.read_text(errors="replace"), secret) == []


# --- file modes --------------------------------------------------------------------

BMC = """\
agentx:
  socket: {socket}
bmcs:
  - name: node1
    driver: lanplus
    host: 127.0.0.1
    port: 623
    username: admin
"""


def write(path, text, mode):
    path = Path(path)
    path.write_text(text)
    path.chmod(mode)
    return path


def run(agent_bin, *args, timeout=10):
    return subprocess.run([agent_bin, *map(str, args)], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=timeout)


def assert_refused(agent_bin, config, named, secret):
    """--check-config and a real start both exit 2, naming the file to fix."""
    for args in (["--check-config", "-c", config], ["-f", "-c", config]):
        res = run(agent_bin, *args)
        assert res.returncode == 2, (args, res.stdout, res.stderr)
        assert str(named) in res.stderr, res.stderr
        assert "chmod 600" in res.stderr, res.stderr
        assert secret not in res.stderr + res.stdout


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604], ids=oct)
def test_config_with_password_must_be_private(agent_bin, tmpdir_short, mode):
    secret = "Cfg-Secret-77"
    text = BMC.format(socket=tmpdir_short / "none.sock") + f"    password: {secret}\n"
    config = write(tmpdir_short / "agent.yaml", text, mode)
    assert_refused(agent_bin, config, config, secret)
    config.chmod(0o600)
    res = run(agent_bin, "--check-config", "-c", config)
    assert res.returncode == 0, res.stderr


@pytest.mark.parametrize("mode", [0o644, 0o640], ids=oct)
def test_password_file_must_be_private(agent_bin, tmpdir_short, mode):
    secret = "File-Secret-88"
    pwfile = write(tmpdir_short / "node1.pw", secret + "\n", mode)
    text = BMC.format(socket=tmpdir_short / "none.sock") + "    password_file: node1.pw\n"
    # the configuration itself holds no password: it may be world-readable
    config = write(tmpdir_short / "agent.yaml", text, 0o644)
    assert_refused(agent_bin, config, pwfile, secret)
    pwfile.chmod(0o600)
    res = run(agent_bin, "--check-config", "-c", config)
    assert res.returncode == 0, res.stderr


def test_private_password_file_logs_in(aworld):
    """The accepted password_file's password is the one the agent logs in
    with, and it never reaches the log either."""
    alpha = aworld.sim("alpha", channels=1, sim_id=1)
    master = aworld.start_master()
    agent = Agent(aworld, master, [alpha], bmc_overrides={
        "alpha": {"password": None, "password_file": "alpha.pw"}})
    write(agent.dir / "alpha.pw", CONFIG_PASSWORD + "\n", 0o600)
    agent.config.chmod(0o644)
    aworld.agent = agent.start()
    agent.wait_synced()
    assert aworld.snmpget("ipmiChannelIpAddress.1.1").value == "192.0.2.10"
    agent.stop()
    assert leaks(agent.log(), CONFIG_PASSWORD) == []
