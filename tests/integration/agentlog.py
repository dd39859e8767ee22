# SPDX-License-Identifier: GPL-3.0-or-later
"""The agent's log file, read from a mark on (tests and bench/).

- log_mark() and log_since(): a position in an Agent's log and what it
  wrote after it;
- the INFO "SET applied on BMC b channel c: ..." and "SET applied on BMC
  b: ..." lines (per channel, and per BMC for the password and the
  identify light), read or waited for;
- the Chassis Identify commands the agent's debug output names;
- the warning and error lines after a mark.
"""

import re

from world import wait_for


def log_mark(agent):
    """A position in the agent's log; log_since() reads what came after it."""
    try:
        return agent.proc.log.stat().st_size
    except OSError:
        return 0


def log_since(agent, mark=0):
    with open(agent.proc.log, "rb") as f:
        f.seek(mark)
        return f.read().decode("utf-8", "replace")


def log_problems(agent, mark):
    """The agent's warning and error lines written after `mark` (bytes)."""
    return [line for line in log_since(agent, mark).splitlines()
            if re.search(r" (error|warning): ", line)]


# --- what a SET did -----------------------------------------------------------


def applied_lines(agent, mark, bmc=None, channel=None):
    """The INFO "SET applied on BMC b channel c: ..." lines after mark."""
    lines = []
    for line in log_since(agent, mark).splitlines():
        m = re.search(r" info: SET applied on BMC (\S+) channel (\d+): (.*)$", line)
        if not m:
            continue
        if bmc is not None and m.group(1) != bmc:
            continue
        if channel is not None and int(m.group(2)) != channel:
            continue
        lines.append(m.group(3))
    return lines


def bmc_applied_lines(agent, mark, bmc=None):
    """The INFO "SET applied on BMC b: ..." lines (password, identify) after mark."""
    lines = []
    for line in log_since(agent, mark).splitlines():
        m = re.search(r" info: SET applied on BMC (\S+): (.*)$", line)
        if m and (bmc is None or m.group(1) == bmc):
            lines.append(m.group(2))
    return lines


def _wait_one(w, lines, timeout, what):
    """The one line lines() returns, waited for (on failure: w's log tails)."""
    found = wait_for(lines, timeout, what, on_fail=w.log_tails)
    assert len(found) == 1, found
    return found[0]


def wait_bmc_applied(w, agent, mark, bmc, timeout=5.0):
    """The fields of the one BMC-level "SET applied" line for bmc after mark."""
    return _wait_one(w, lambda: bmc_applied_lines(agent, mark, bmc), timeout,
                     f"'SET applied on BMC {bmc}:' in the agent log")


def wait_applied(w, agent, mark, bmc, channel, timeout=5.0):
    """The fields of the one "SET applied" line for (bmc, channel) after mark.

    COMMIT logs right after the master's answer, so the line may trail the
    snmpset's exit by a moment.
    """
    return _wait_one(w, lambda: applied_lines(agent, mark, bmc, channel), timeout,
                     f"'SET applied on BMC {bmc} channel {channel}' in the agent log")


def identify_commands(agent, mark, bmc):
    """The Chassis Identify commands the agent sent to bmc after mark, as its
    debug log names them: ["interval 30", "interval 0 force on", ...]."""
    return re.findall(rf" debug: bmc {re.escape(bmc)}: Chassis Identify (.*)$",
                      log_since(agent, mark), re.M)
