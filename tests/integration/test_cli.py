# SPDX-License-Identifier: GPL-3.0-or-later
"""The command line contract of ipmi-agentx.

  ipmi-agentx -c FILE [-f|--foreground] [-d|--debug] [-x|--agentx-socket ADDR]
              [--check-config] [--help] [--version]

--check-config exits 0 for a good file and 2 for a bad one, naming
file:line:col: key: on stderr; starting with a bad file exits 2 the same way;
SIGTERM exits 0.
"""

import re
import subprocess
import time
from pathlib import Path

import pytest

GOOD = """\
agentx:
  socket: /tmp/does-not-matter.sock
  timeout: 10
  ping_interval: 5
refresh_interval: 30
password_policy:
  min_length: 8
bmcs:
  - name: node1
    driver: lanplus
    host: 127.0.0.1
    port: 623
    username: admin
    password: secret
    privilege: admin
    cipher_suite: 3
    workarounds: [opensesspriv]
    timeout_ms: 1000
    channels: [1, 2]
  - name: node2
    driver: lan
    host: 127.0.0.1
    port: 624
    channels: auto
"""


def run(agent_bin, *args, timeout=10):
    return subprocess.run([agent_bin, *map(str, args)], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=timeout)


def write(dirpath, text, name="ipmi-agentx.yaml", mode=0o600):
    path = Path(dirpath) / name
    path.write_text(text)
    path.chmod(mode)
    return path


def project_version(source_dir):
    text = (Path(source_dir) / "CMakeLists.txt").read_text()
    return re.search(r"project\(\S+\s+VERSION\s+([0-9.]+)", text).group(1)


def test_help(agent_bin):
    res = run(agent_bin, "--help")
    assert res.returncode == 0
    for opt in ("-c", "--foreground", "--debug", "--agentx-socket", "--check-config",
                "--version"):
        assert opt in res.stdout
    assert run(agent_bin, "-h").returncode == 0


def test_version(agent_bin, source_dir):
    res = run(agent_bin, "--version")
    assert res.returncode == 0
    assert project_version(source_dir) in res.stdout
    assert run(agent_bin, "-V").stdout == res.stdout


@pytest.mark.parametrize("args", [[], ["--no-such-option"], ["-c"], ["-c", "x", "extra"]])
def test_usage_errors(agent_bin, args):
    res = run(agent_bin, *args)
    assert res.returncode == 2
    assert res.stderr.strip()


def test_check_config_good(agent_bin, tmpdir_short):
    path = write(tmpdir_short, GOOD)
    res = run(agent_bin, "-c", path, "--check-config")
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""
    # the password never appears, whatever is printed
    assert "secret" not in res.stdout


def test_shipped_example_config_is_valid(agent_bin, source_dir, tmpdir_short):
    example = Path(source_dir) / "conf" / "ipmi-agentx.yaml"
    if not example.exists():
        pytest.skip("conf/ipmi-agentx.yaml not written yet")
    path = write(tmpdir_short, example.read_text())
    res = run(agent_bin, "-c", path, "--check-config")
    assert res.returncode == 0, res.stderr


def test_check_config_empty_file_means_defaults(agent_bin, tmpdir_short):
    path = write(tmpdir_short, "# nothing but a comment\n")
    assert run(agent_bin, "--check-config", "-c", path).returncode == 0


def line_col(text, marker):
    """1-based line and column of the first occurrence of marker, or of
    marker[1] inside the first occurrence of marker[0]."""
    if isinstance(marker, tuple):
        pos = text.index(marker[0]) + marker[0].index(marker[1])
    else:
        pos = text.index(marker)
    before = text[:pos]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


# (name, the GOOD text with one edit, key path, text marking the blamed spot)
BAD = [
    ("port-not-integer", GOOD.replace("port: 623", 'port: "x"'), "bmcs[0].port", '"x"'),
    ("port-zero", GOOD.replace("port: 624", "port: 0"), "bmcs[1].port",
     ("port: 0\n", "0")),
    ("port-too-big", GOOD.replace("port: 623", "port: 65536"), "bmcs[0].port", "65536"),
    ("unknown-top-key", GOOD + "colour: red\n", "colour", "colour"),
    ("unknown-bmc-key", GOOD.replace("    timeout_ms: 1000\n",
                                     "    timeout_ms: 1000\n    hostname: x\n"),
     "bmcs[0].hostname", "hostname"),
    ("refresh-zero", GOOD.replace("refresh_interval: 30", "refresh_interval: 0"),
     "refresh_interval", ("refresh_interval: 0", "0")),
    ("agentx-timeout", GOOD.replace("timeout: 10", "timeout: 256"), "agentx.timeout", "256"),
    ("driver", GOOD.replace("driver: lan\n", "driver: telnet\n"), "bmcs[1].driver", "telnet"),
    ("privilege", GOOD.replace("privilege: admin", "privilege: root"), "bmcs[0].privilege",
     "root"),
    ("workaround", GOOD.replace("[opensesspriv]", "[opensesspriv, bogus]"),
     "bmcs[0].workarounds[1]", "bogus"),
    ("channel", GOOD.replace("[1, 2]", "[1, 16]"), "bmcs[0].channels[1]", "16]"),
    # LAN channels are 1..11 (LANCONF_CHANNEL_MIN..MAX, the MIB's ipmiChannelNumber)
    ("channel-12", GOOD.replace("[1, 2]", "[12]"), "bmcs[0].channels[0]", "12]"),
    ("channel-0", GOOD.replace("[1, 2]", "[0, 2]"), "bmcs[0].channels[0]", "0, 2]"),
    ("channel-14-after-11", GOOD.replace("[1, 2]", "[11, 14]"), "bmcs[0].channels[1]",
     "14]"),
    ("duplicate-name", GOOD.replace("name: node2", "name: node1"), "bmcs[1].name",
     ("node1\n    driver: lan\n", "node1")),
    ("duplicate-key", GOOD.replace("    timeout_ms: 1000\n",
                                   "    timeout_ms: 1000\n    timeout_ms: 900\n"),
     "bmcs[0].timeout_ms", "timeout_ms: 900"),
    ("timeout-ms-range", GOOD.replace("timeout_ms: 1000", "timeout_ms: 99"),
     "bmcs[0].timeout_ms", "99"),
    ("cipher-suite-for-lan", GOOD.replace("    channels: auto\n",
                                          "    channels: auto\n    cipher_suite: 3\n"),
     "bmcs[1].cipher_suite", ("auto\n    cipher_suite", "cipher_suite")),
    ("policy", GOOD.replace("min_length: 8", "min_length: 21"),
     "password_policy.min_length", "21"),
    ("bmcs-not-a-list", GOOD.split("bmcs:")[0] + "bmcs: node1\n", "bmcs", "node1"),
]


@pytest.mark.parametrize("name,text,key,marker", BAD, ids=[b[0] for b in BAD])
def test_check_config_bad(agent_bin, tmpdir_short, name, text, key, marker):
    path = write(tmpdir_short, text)
    line, col = line_col(text, marker)
    # the key itself may be blamed instead of its value: accept either column
    key_col = len(text.splitlines()[line - 1]) - len(text.splitlines()[line - 1].lstrip()) + 1
    if text.splitlines()[line - 1].lstrip().startswith("- "):
        key_col += 2
    for args in (["--check-config", "-c", path], ["-c", path, "-f"]):
        res = run(agent_bin, *args)
        assert res.returncode == 2, (args, res.stdout, res.stderr)
        m = re.search(rf"{re.escape(str(path))}:(\d+):(\d+): {re.escape(key)}: \S",
                      res.stderr)
        assert m, f"no '{path}:{line}:{col}: {key}:' in {res.stderr!r}"
        assert int(m.group(1)) == line, res.stderr
        assert int(m.group(2)) in (col, key_col), res.stderr
        assert len(res.stderr.strip().splitlines()) == 1, res.stderr
        assert "secret" not in res.stderr


@pytest.mark.parametrize("channels", ["[11]", "[1, 11]", "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]"])
def test_check_config_highest_channel(agent_bin, tmpdir_short, channels):
    """Channel 11 is the last LAN channel number, and all eleven may be listed."""
    path = write(tmpdir_short, GOOD.replace("[1, 2]", channels))
    res = run(agent_bin, "--check-config", "-c", path)
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""


def test_check_config_yaml_syntax(agent_bin, tmpdir_short):
    text = GOOD.replace("channels: [1, 2]", "channels: [1, 2")
    path = write(tmpdir_short, text)
    res = run(agent_bin, "--check-config", "-c", path)
    assert res.returncode == 2
    assert re.search(rf"{re.escape(str(path))}:\d+:\d+: ", res.stderr), res.stderr


def test_password_in_readable_file_is_refused(agent_bin, tmpdir_short):
    path = write(tmpdir_short, GOOD, mode=0o644)
    line, _ = line_col(GOOD, "password: secret")
    res = run(agent_bin, "--check-config", "-c", path)
    assert res.returncode == 2
    assert re.search(rf"{re.escape(str(path))}:{line}:\d+: bmcs\[0\]\.password: ",
                     res.stderr), res.stderr
    assert "secret" not in res.stderr


def test_missing_config_file(agent_bin, tmpdir_short):
    res = run(agent_bin, "--check-config", "-c", tmpdir_short / "absent.yaml")
    assert res.returncode == 2
    assert "absent.yaml" in res.stderr


def test_sigterm_exits_zero(aworld):
    alpha = aworld.sim("alpha", channels=1)
    agent = aworld.start_agent([alpha])
    agent.wait_synced()
    took = agent.stop(timeout=5)
    assert took < 3
    # it said goodbye to the master: nothing of the module is served any more
    assert aworld.snmpget("ipmiBmcName.1").exception


def test_sigterm_right_after_start(aworld):
    alpha = aworld.sim("alpha", channels=1)
    agent = aworld.start_agent([alpha], wait=False)
    time.sleep(0.05)
    agent.stop(timeout=5)


def test_agentx_socket_option_overrides_config(aworld):
    from world import Agent

    alpha = aworld.sim("alpha", channels=1)
    master = aworld.start_master()
    agent = Agent(aworld, master, [alpha], socket="/nonexistent/agentx.sock",
                  extra_args=["-x", str(master.socket)])
    agent.start()
    agent.wait_synced()
    assert aworld.snmpget("ipmiChannelIpAddress.1.1").value == "192.0.2.10"
    agent.stop()


def test_debug_flag_adds_debug_lines(aworld):
    from world import Agent

    alpha = aworld.sim("alpha", channels=1)
    master = aworld.start_master()
    quiet = Agent(aworld, master, [alpha], debug=False).start()
    quiet.wait_synced()
    quiet.stop()
    assert " debug: " not in quiet.log()
    loud = Agent(aworld, master, [alpha], debug=True).start()
    loud.wait_synced()
    loud.stop()
    assert " debug: " in loud.log()
