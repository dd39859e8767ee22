# SPDX-License-Identifier: GPL-3.0-or-later
"""The simulated BMCs seen from their own side, not through the agent.

What a SET (or its refusal) did to a BMC is judged here with ipmitool and
the simulator's call logs, never with the agent's answers:

- BmcWitness: everything a SET could have changed on the simulated BMCs
  (`ipmitool lan print` of every channel, the lan_config_program and
  chassis_control call counts), to prove that a refused SET changed nothing;
- extra BMC users and logins, for password changes verified by ipmitool;
- the identify requests that reached chassis_control;
- the set-in-progress state of a channel, read raw.
"""

import concurrent.futures
import subprocess

from world import WorldError


class BmcWitness:
    """What the BMCs hold and what they were asked to do, for before/after."""

    def __init__(self, sims):
        self.sims = list(sims)

    def snapshot(self):
        prints = [(sim, ch) for sim in self.sims for ch in sim.channels]
        # one ipmitool process per channel, side by side: each takes ~0.1 s
        with concurrent.futures.ThreadPoolExecutor(len(prints)) as pool:
            lans = list(pool.map(lambda p: p[0].lan_print(p[1]), prints))
        snap = {(sim.name, "lan", ch): lan for (sim, ch), lan in zip(prints, lans)}
        for sim in self.sims:
            snap[(sim.name, "lancfg sets")] = len(sim.lancfg_sets())
            snap[(sim.name, "chassis calls")] = len(sim.chassis_log())
        return snap

    @staticmethod
    def differences(before, after):
        return {k: (before.get(k), after.get(k)) for k in set(before) | set(after)
                if before.get(k) != after.get(k)}


def ipmi_login(sim, user, password, channel=1):
    """True when an IPMI 2.0 session with these credentials opens (mc info)."""
    port = sim.ports[sim.channels.index(channel)]
    argv = ["ipmitool", "-I", "lanplus", "-C", "3", "-U", user, "-P", password,
            "-L", "ADMINISTRATOR", "-H", "127.0.0.1", "-p", str(port),
            "-N", "1", "-R", "1", "mc", "info"]
    res = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    return res.returncode == 0


def add_user(sim, uid, name, password):
    """An enabled administrator `name` on every LAN channel of sim.

    ipmi_sim keeps users in its state directory, so this survives a restart.
    """
    sim.ipmitool("user", "set", "name", uid, name)
    sim.ipmitool("user", "set", "password", uid, password)
    for ch in sim.channels:
        sim.ipmitool("channel", "setaccess", ch, uid, "callin=on", "ipmi=on",
                     "link=on", "privilege=4")
    sim.ipmitool("user", "enable", uid)
    if not ipmi_login(sim, name, password):
        raise WorldError(f"user {name} ({uid}) cannot log in to {sim.name}")


def identify_calls(sim, since=0):
    """The identify requests chassis_control got: ["INTERVAL FORCE", ...],
    a request repeated at once counted once: libfreeipmi retransmits a
    request after timeout_ms / 8 without an answer, and ipmi_sim runs
    chassis_control again for the copy (a loaded machine can make the first
    run slower than that). agentlog.identify_commands() tells what the agent
    sent."""
    calls = [c[3] for c in sim.chassis_log()[since:]
             if len(c) >= 4 and c[1] == "set" and c[2] == "identify"]
    return [c for i, c in enumerate(calls) if i == 0 or calls[i - 1] != c]


def set_in_progress_state(sim, channel=1):
    """LAN parameter 0 of a channel read raw: 0 complete, 1 in progress, 2 commit."""
    res = sim.ipmitool("raw", "0x0c", "0x02", channel, 0, 0, 0)
    octets = res.stdout.split()
    # The reply after the completion code: parameter revision, then the data.
    if len(octets) < 2:
        raise WorldError(f"unexpected Get LAN parameter 0 reply: {res.stdout!r}")
    return int(octets[1], 16) & 0x03
