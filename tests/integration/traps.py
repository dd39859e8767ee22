# SPDX-License-Identifier: GPL-3.0-or-later
"""The manager's side of notifications: a trap receiver of the world.

- TrapReceiver: Net-SNMP snmptrapd on a free loopback port, accepting any
  v2c community, with every notification it receives parsed into
  (trap OID, [Var, ...]); its sink_line is the snmpd.conf line that sends
  a master's notifications to it (see world.master_with());
- the OIDs of the agent's notifications (IPMI-CHANNEL-MIB) and snmpTrapOID.
"""

import os
import shutil

from world import MIB_ROOT, Process, free_port, parse_vars, wait_for

NOTIFICATIONS = MIB_ROOT + ".0"
CONFIG_CHANGED = NOTIFICATIONS + ".1"
CONNECTION_LOST = NOTIFICATIONS + ".2"
CONNECTION_RESTORED = NOTIFICATIONS + ".3"
SNMP_TRAP_OID = "1.3.6.1.6.3.1.1.4.1.0"

# One line per notification: the separator between varbinds cannot occur in
# the values of this MIB (names, addresses, error texts).
_TRAP_PREFIX = "TRAP "
_VB_SEP = "\x1e"


class TrapReceiver:
    """snmptrapd on 127.0.0.1:port accepting any v2c community, logging each
    notification as one line of numeric varbinds."""

    def __init__(self, world, name="snmptrapd"):
        self.world = world
        self.dir = world.dir / name
        self.dir.mkdir()
        self.port = free_port()
        self.conf = self.dir / "snmptrapd.conf"
        self.conf.write_text("disableAuthorization yes\n"
                             "doNotRetainNotificationLogs yes\n")
        env = dict(os.environ, SNMP_PERSISTENT_DIR=str(self.dir / "persist"),
                   SNMPCONFPATH=str(self.dir))
        prog = shutil.which("snmptrapd") or "/usr/sbin/snmptrapd"
        self.proc = Process(name, [
            prog, "-f", "-Lo", "-C", "-c", self.conf, "-n", "-On", "-Oe", "-OU", "-Ot",
            "-M", world.mibdirs, "-m", "SNMPv2-MIB",
            "-F", f"{_TRAP_PREFIX}%V{_VB_SEP}%v\n",
            f"udp:127.0.0.1:{self.port}"], self.dir / "snmptrapd.log", env=env,
            cwd=self.dir)
        world.track(self.proc)

    @property
    def sink_line(self):
        """The snmpd.conf line that sends the master's notifications here."""
        return f"trap2sink 127.0.0.1:{self.port} public\n"

    def start(self):
        self.proc.start()
        wait_for(self._listening, 10, "snmptrapd to listen",
                 on_fail=lambda: self.proc.log_tail())
        return self

    def _listening(self):
        self.proc.check_running()
        return "NET-SNMP version" in self.proc.log.read_text(errors="replace")

    def traps(self):
        """Every notification so far: [(trap OID, [Var, ...]), ...]."""
        out = []
        text = self.proc.log.read_text(errors="replace")
        # Not splitlines(): it would also split at the separator.
        for line in text.split("\n"):
            if not line.startswith(_TRAP_PREFIX):
                continue
            parts = [p for p in line[len(_TRAP_PREFIX):].split(_VB_SEP) if p.strip()]
            vars_ = [v for p in parts for v in parse_vars(p.strip())]
            trap = next((v.value for v in vars_ if v.oid == SNMP_TRAP_OID), None)
            out.append((trap, vars_))
        return out

    def mark(self):
        """A position in the stream of notifications, for of(since=...)."""
        return len(self.traps())

    def of(self, trap_oid, since=0):
        """The varbinds ({oid: Var}) of each notification trap_oid after `since`."""
        return [{v.oid: v for v in vars_} for t, vars_ in self.traps()[since:]
                if t == trap_oid]
