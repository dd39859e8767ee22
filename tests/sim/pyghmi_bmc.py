#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A second simulated BMC, independent of OpenIPMI: pyghmi's RMCP+ server.

Built on Debian's python3-pyghmi (`pyghmi.ipmi.bmc.Bmc`, the BMC server
OpenStack's VirtualBMC uses). Sessions are pyghmi's own RMCP+ code (IPMI 2.0,
cipher suite 3 only: HMAC-SHA1 authentication, HMAC-SHA1-96 integrity,
AES-CBC-128 confidentiality); everything a LAN management tool needs is
added here, in memory:

- LAN configuration parameters per LAN channel: set in progress (0), IP
  address (3), IP address source (4), MAC (5), netmask (6), default gateway
  IP (12) and MAC (13), backup gateway (14, 15), VLAN ID with its enable bit
  (20), VLAN priority (21), plus the read-only or cosmetic ones `ipmitool lan
  print` asks for (1, 2, 7, 10, 11, 16, 17, 22, 23, 24). Set In Progress
  has the spec's semantics: "set in progress" (1) while not "set complete"
  answers 0x81; writes made while in progress are staged; "commit write" (2)
  applies them; "set complete" (0) without a commit discards them (rollback).
  A write made while not in progress applies at once. A Get while writes
  are staged returns the staged value (ipmitool reads a write back before
  it commits).
- users 1..10: Set/Get User Name, Set User Password (disable, enable, set,
  test; 16- and 20-byte forms; Test Password answers 0x80 for a wrong
  password, 0x81 for the wrong size form), Get/Set User Access. A new
  session authenticates with the user's password as it is at that moment.
- Get Channel Info: 802.3 LAN for the LAN channels, IPMB for channel 0,
  system interface for 15, completion code 0xCC (configurable) for others;
  channel 14 means the channel of the request (the first LAN channel).
- Get Device ID (spec layout by default), Chassis Identify, Get Chassis
  Status (with the identify state), Chassis Control (accepted, no effect).

All LAN channels are served on one UDP port (pyghmi has one socket per BMC).

Usage:
  pyghmi_bmc.py --dir DIR --port PORT [--address 127.0.0.1] [--channels 1,2]
                [--sim-id N] [--user UID:NAME:PASSWORD ...]
                [--manufacturer-id N] [--product-id N] [--firmware 2.13]
                [--control FILE] [--log FILE]

Seeds for --sim-id n (as tests/sim/make-sim.sh seeds ipmi_sim, but the MACs
start 02:00:5f instead of 02:00:5e):
  channel 1: static 192.0.2.(10n)/24, gateway 192.0.2.1
  channel 2: dhcp   198.51.100.(20n)/24, gateway 198.51.100.1
  channel k: static 203.0.113.(10n+k)/24, gateway 203.0.113.1 (k >= 3)
  MAC of channel k: 02:00:5f:0n:0k:01; VLAN off, priority 0
Default user: 2 "admin" / "secret", enabled, administrator.

Files in DIR:
  commands.log  one JSON object per line for every command received, and
                for the session steps: {"t", "client", "name", "netfn",
                "cmd", "data" (hex; never a password), "cc", "session"};
                events have "event" instead of "name": "lan_applied"
                (channel, params {name: text}), "lan_staged",
                "lan_discarded", "password" (uid, op, form, outcome),
                "identify" (interval, force), "open_session" (outcome),
                "rakp1" (user, outcome), "rakp3" (outcome),
                "session_expired". A command's line is written once it
                was answered, after the events it caused.
  state.json    the BMC's state after every change (LAN parameters active
                and staged, set-in-progress state, users without
                passwords, identify, open sessions).
  control.json  the behaviour switches (below), read again whenever the
                file changes (write a new file and rename it over the old).

The control file (all keys optional; numbers may be JSON ints or "0x.."
strings):
  "missing": [command, ...]      answer 0xC1 (invalid command)
  "cc": {command: code}          answer with this completion code (e.g.
                                 0xD4, 0xC0) instead of handling it
  "cc_once": {command: n}        ... only for the next n requests of the
                                 command (counted from when the file was
                                 read), then handle it again
  "unsupported_params": [13, 21] Get/Set LAN parameter answers 0x80
  "set_in_progress": false       parameter 0 answers 0x80; writes apply at once
  "commit_write_cc": 0xCC        "commit write" answers this code, nothing
                                 applied
  "apply_on_complete": true      "set complete" applies staged writes
                                 instead of discarding them (a BMC without
                                 rollback)
  "ignore_writes": [20]          Set LAN parameter answers 0 but changes
                                 nothing (a write that does not stick)
  "device_id": "pyghmi"          Get Device ID in pyghmi's own layout (14
                                 bytes: manufacturer and product 4 bytes
                                 each); default "spec" (11 bytes + aux)
  "device_id_aux": false         spec layout without the 4 auxiliary bytes
  "delay": seconds               sleep before answering each command in a
                                 session (the whole BMC stalls, as pyghmi
                                 serves one request at a time)
  "delay_commands": [command]    ... only these commands
  "open_session": "no-slot"      every Open Session Request answered with
                                 status 0x01 (no free session slot)
  "session_slots": n             at most n sessions (idle ones expire after
                                 "session_idle_timeout", default 60 s)
  "password_truncate": 16        a 20-byte password is stored as its first
                                 16 bytes (as ipmi_sim does)
  "refuse_logins_after_password_set": true
                                 after a Set User Password (set) every new
                                 session fails to authenticate, whatever
                                 the password, until the next Set User
                                 Password (set), or for at most
                                 "refuse_logins_seconds" if given
  "refuse_logins": true          every new session fails to authenticate
  "test_password_always_ok": true   Test Password never fails
  "absent_channel_cc": 0xCB      Get Channel Info of a channel that does
                                 not exist (default 0xCC)
Command names: get_device_id, get_channel_info, get_user_access,
set_user_access, get_user_name, set_user_name, set_user_password,
get_lan_config, set_lan_config, get_chassis_status, chassis_control,
chassis_identify, set_session_privilege, close_session,
get_channel_auth_capabilities.
"""

import argparse
import hashlib
import hmac
import json
import os
import struct
import sys
import time
import traceback
import uuid

import pyghmi.ipmi.bmc as pyghmi_bmc
import pyghmi.ipmi.private.constants as constants
import pyghmi.ipmi.private.serversession as serversession
import pyghmi.ipmi.private.session as ipmisession

COMMANDS = {
    (0x06, 0x01): "get_device_id",
    (0x06, 0x38): "get_channel_auth_capabilities",
    (0x06, 0x3B): "set_session_privilege",
    (0x06, 0x3C): "close_session",
    (0x06, 0x42): "get_channel_info",
    (0x06, 0x43): "set_user_access",
    (0x06, 0x44): "get_user_access",
    (0x06, 0x45): "set_user_name",
    (0x06, 0x46): "get_user_name",
    (0x06, 0x47): "set_user_password",
    (0x06, 0x54): "get_channel_cipher_suites",
    (0x00, 0x01): "get_chassis_status",
    (0x00, 0x02): "chassis_control",
    (0x00, 0x04): "chassis_identify",
    (0x0C, 0x01): "set_lan_config",
    (0x0C, 0x02): "get_lan_config",
}
NAME_OF = {v: k for k, v in COMMANDS.items()}

CC_OK = 0x00
CC_PARAM_UNSUPPORTED = 0x80     # LAN parameters; Test Password: wrong password
CC_SET_IN_PROGRESS = 0x81       # LAN parameter 0; Test Password: wrong size form
CC_READ_ONLY = 0x82
CC_INVALID_COMMAND = 0xC1
CC_LENGTH = 0xC7
CC_INVALID_DATA = 0xCC
CC_UNSPECIFIED = 0xFF

MEDIUM_IPMB, MEDIUM_LAN, MEDIUM_SYSTEM = 0x01, 0x04, 0x0C
IPMI_FORUM_IANA = b"\xf2\x1b\x00"
MAX_USERS = 10

# LAN configuration parameters: number -> (name, length, writable)
LAN_PARAMS = {
    0: ("set_in_progress", 1, True),
    1: ("auth_type_support", 1, False),
    2: ("auth_type_enables", 5, True),
    3: ("ip_addr", 4, True),
    4: ("ip_addr_src", 1, True),
    5: ("mac_addr", 6, True),
    6: ("subnet_mask", 4, True),
    7: ("ipv4_header_params", 3, True),
    10: ("bmc_generated_arp_control", 1, True),
    11: ("gratuitous_arp_interval", 1, True),
    12: ("default_gw_ip_addr", 4, True),
    13: ("default_gw_mac_addr", 6, True),
    14: ("backup_gw_ip_addr", 4, True),
    15: ("backup_gw_mac_addr", 6, True),
    16: ("community_string", 18, True),
    17: ("number_of_destinations", 1, False),
    20: ("vlan_id", 2, True),
    21: ("vlan_priority", 1, True),
    22: ("cipher_suite_entry_support", 1, False),
    23: ("cipher_suite_entries", 2, False),
    24: ("cipher_suite_privilege_levels", 9, True),
}
IP_SOURCES = {0: "unspecified", 1: "static", 2: "dhcp", 3: "bios", 4: "other"}


def ip_bytes(text):
    return bytes(int(x) for x in text.split("."))


def render_param(param, value):
    """A LAN parameter's value as text, for the log and state.json."""
    if param in (3, 6, 12, 14):
        return ".".join(str(b) for b in value)
    if param in (5, 13, 15):
        return ":".join(f"{b:02x}" for b in value)
    if param == 4:
        return IP_SOURCES.get(value[0] & 0x0F, f"reserved-{value[0] & 0x0F}")
    if param == 20:
        vid = value[0] | ((value[1] & 0x0F) << 8)
        return str(vid) if value[1] & 0x80 else f"off({vid})"
    if param == 21:
        return str(value[0] & 0x07)
    return value.hex()


def parse_int(value):
    if isinstance(value, str):
        return int(value, 0)
    return int(value)


class LanChannel:
    def __init__(self, number, sim_id):
        n, k = sim_id, number
        if k == 1:
            src, ip, gw = 1, f"192.0.2.{10 * n}", "192.0.2.1"
        elif k == 2:
            src, ip, gw = 2, f"198.51.100.{20 * n}", "198.51.100.1"
        else:
            src, ip, gw = 1, f"203.0.113.{10 * n + k}", "203.0.113.1"
        self.number = number
        self.state = 0  # set in progress: 0 complete, 1 in progress
        self.staged = {}
        self.active = {
            1: bytes([0x00]),
            2: bytes(5),
            3: ip_bytes(ip),
            4: bytes([src]),
            5: bytes([0x02, 0x00, 0x5F, n, k, 0x01]),
            6: ip_bytes("255.255.255.0"),
            7: bytes([0x40, 0x40, 0x10]),
            10: bytes([0x02]),
            11: bytes([0x04]),
            12: ip_bytes(gw),
            13: bytes([0x02, 0x00, 0x5F, n, k, 0xFE]),
            14: bytes(4),
            15: bytes(6),
            16: b"public".ljust(18, b"\0"),
            17: bytes([0]),
            20: bytes(2),
            21: bytes([0]),
            22: bytes([1]),
            23: bytes([0x00, 0x03]),
            24: bytes([0x00, 0x00, 0x40, 0, 0, 0, 0, 0, 0]),
        }

    def value(self, param):
        return self.staged.get(param, self.active[param])

    def describe(self):
        def named(values):
            return {LAN_PARAMS[p][0]: render_param(p, v) for p, v in sorted(values.items())}

        return {"set_in_progress": self.state, "active": named(self.active),
                "staged": named(self.staged)}


class User:
    def __init__(self, name=b"", password=None, enabled=False):
        self.name = name.ljust(16, b"\0")[:16]
        self.password = password  # bytes in its size form, or None
        self.form = 20 if password is not None and len(password) > 16 else 16
        self.enabled = enabled
        self.privilege = 4

    @property
    def login_key(self):
        # RAKP's Kuid: the password without its NUL padding (HMAC pads keys
        # with zeros, so both spellings are the same key)
        return (self.password or b"").rstrip(b"\0")


class Control:
    """The behaviour switches of control.json, re-read when the file changes."""

    def __init__(self, path):
        self.path = path
        self.sig = None
        self.data = {}
        self.once = {}

    def reload(self):
        try:
            st = os.stat(self.path)
            sig = (st.st_ino, st.st_mtime_ns, st.st_size)
        except OSError:
            sig = None
        if sig == self.sig:
            return
        self.sig = sig
        data = {}
        if sig is not None:
            try:
                with open(self.path) as f:
                    data = json.load(f)
            except (OSError, ValueError) as exc:
                print(f"pyghmi_bmc: bad control file {self.path}: {exc}", file=sys.stderr)
                data = {}
        self.data = data
        self.once = {k: parse_int(v) for k, v in data.get("cc_once", {}).items()}

    def get(self, key, default=None):
        return self.data.get(key, default)

    def forced_cc(self, name):
        """The completion code the control file imposes on command `name`, or None."""
        if name in self.data.get("missing", ()):
            return CC_INVALID_COMMAND
        if name in self.once and self.once[name] > 0:
            self.once[name] -= 1
            return parse_int(self.data.get("cc", {}).get(name, CC_INVALID_COMMAND))
        if name in self.data.get("cc", {}) and name not in self.data.get("cc_once", {}):
            return parse_int(self.data["cc"][name])
        return None


class SimSession(serversession.ServerSession):
    """pyghmi's server session with real failures (RAKP status codes instead of
    silence), a fresh session for a client that opens another from the same
    address, and every command handed to the BMC's dispatcher."""

    def __init__(self, authdata, kg, clientaddr, netsocket, request, uuid_, bmc):
        self.k1 = None
        self.kuid = None
        self.Rc = None
        self.established = False
        self.closed = False
        self.username = b""
        self.clientpriv = 4
        self.maxpriv = 4
        self.last_active = time.monotonic()
        self.last_cc = None
        super().__init__(authdata, kg, clientaddr, netsocket, request, uuid_, bmc)

    def _got_rmcp_openrequest(self, data):
        # A new session from an address that had one: a new session object
        # (pyghmi would reuse this one with its sequence numbers).
        self.bmc.open_session(self.sockaddr, data)

    def _got_rakp1(self, data):
        clienttag = data[0]
        self.Rm = bytes(data[8:24])
        self.rolem = data[24]
        self.maxpriv = self.rolem & 0x07 or 4
        namelen = data[27]
        self.username = bytes(data[28:28 + namelen])
        name = self.username.decode("latin-1")
        outcome, key = self.bmc.login_key(name)
        self.bmc.log_event("rakp1", self.sockaddr, user=name, outcome=outcome)
        if key is None:
            # RMCP+ status 0x0D: unauthorized name
            self.send_payload(bytearray([clienttag, 0x0D, 0, 0]) + self.clientsessionid,
                              constants.payload_types["rakp2"], retry=False)
            return
        self.kuid = key
        self.kg = self.bmc.kg if self.bmc.kg is not None else key
        self.uuiddata = self.uuid.bytes
        self.Rc = os.urandom(16)
        hmacdata = (bytes(self.clientsessionid) + bytes(self.managedsessionid) + self.Rm
                    + self.Rc + self.uuiddata + bytes([self.rolem, len(self.username)])
                    + self.username)
        authcode = hmac.new(self.kuid, hmacdata, hashlib.sha1).digest()
        payload = (bytearray([clienttag, 0, 0, 0]) + self.clientsessionid + self.Rc
                   + self.uuiddata + authcode)
        self.send_payload(payload, constants.payload_types["rakp2"], retry=False)

    def _got_rakp3(self, data):
        if self.kuid is None or self.Rc is None:
            return
        clienttag = data[0]
        if data[1] != 0:
            self.bmc.log_event("rakp3", self.sockaddr, outcome=f"client-status-{data[1]:#x}")
            return
        namebits = bytes([self.rolem, len(self.username)]) + self.username
        expected = hmac.new(self.kuid, self.Rc + bytes(self.clientsessionid) + namebits,
                            hashlib.sha1).digest()
        if bytes(data[8:]) != expected:
            self.bmc.log_event("rakp3", self.sockaddr, outcome="bad-auth-code")
            # RMCP+ status 0x0F: invalid integrity check value
            self.send_payload(bytearray([clienttag, 0x0F, 0, 0]) + self.clientsessionid,
                              constants.payload_types["rakp4"], retry=False)
            return
        self.sik = hmac.new(self.kg, self.Rm + self.Rc + namebits, hashlib.sha1).digest()
        self.k1 = hmac.new(self.sik, b"\x01" * 20, hashlib.sha1).digest()
        self.k2 = hmac.new(self.sik, b"\x02" * 20, hashlib.sha1).digest()
        self.aeskey = self.k2[0:16]
        self.localsid = struct.unpack("<I", bytes(self.managedsessionid))[0]
        self.ipmicallback = self.handle_client_request
        self._send_rakp4(clienttag, 0)
        self.established = True
        self.last_active = time.monotonic()
        self.bmc.log_event("rakp3", self.sockaddr, outcome="ok",
                           user=self.username.decode("latin-1"))
        self.bmc.save_state()

    def handle_client_request(self, request):
        self.last_active = time.monotonic()
        self.bmc.handle_command(request, self)

    def send_ipmi_response(self, data=(), code=0):
        self.last_cc = code
        self._send_ipmi_net_payload(data=data, code=code)

    def close(self):
        self.closed = True
        handlers = ipmisession.Session.bmc_handlers.get(self.sockaddr)
        if handlers is not None and handlers.get(self.bmc.port) is self:
            del handlers[self.bmc.port]
            if not handlers:
                del ipmisession.Session.bmc_handlers[self.sockaddr]


class AuthData:
    """pyghmi looks users up here (by name, at RAKP 1): the current table."""

    def __init__(self, bmc):
        self.bmc = bmc

    def __contains__(self, name):
        return self.bmc.login_key(name)[1] is not None

    def __getitem__(self, name):
        key = self.bmc.login_key(name)[1]
        if key is None:
            raise KeyError(name)
        return key.decode("latin-1")

    def get(self, name, default=None):
        try:
            return self[name]
        except KeyError:
            return default


class SimBmc(pyghmi_bmc.Bmc):
    def __init__(self, args):
        self.dir = os.path.abspath(args.dir)
        os.makedirs(self.dir, exist_ok=True)
        self.log_path = args.log or os.path.join(self.dir, "commands.log")
        self.state_path = os.path.join(self.dir, "state.json")
        self.control = Control(args.control or os.path.join(self.dir, "control.json"))
        self.control.reload()
        self.logf = open(self.log_path, "a", buffering=1)
        self.t0 = time.monotonic()
        self.channels = {ch: LanChannel(ch, args.sim_id) for ch in args.channels}
        self.users = {uid: User() for uid in range(1, MAX_USERS + 1)}
        for spec in args.user or ["2:admin:secret"]:
            uid, name, password = spec.split(":", 2)
            self.users[int(uid)] = User(name.encode(), password.encode(), enabled=True)
        self.manufacturer_id = args.manufacturer_id
        self.product_id = args.product_id
        major, _, minor = args.firmware.partition(".")
        self.fw_major = int(major)
        self.fw_minor_bcd = int(minor or "0", 16)  # "13" -> 0x13
        self.identify = {"interval": 0, "force": False, "since": None, "calls": 0}
        self.sessions = {}
        self.refusing_until = None  # refuse_logins_after_password_set
        super().__init__(AuthData(self), port=args.port, address=args.address,
                         bmcuuid=uuid.UUID(int=0x5059_4748_4D49 << 64 | args.sim_id))
        # pyghmi's own Get Device ID (the "pyghmi" layout) sends these
        self.deviceid = 0x20
        self.revision = 0x01
        self.firmwaremajor = self.fw_major
        self.firmwareminor = self.fw_minor_bcd
        self.ipmiversion = 0x02
        self.additionaldevices = 0x80
        self.mfgid = self.manufacturer_id
        self.prodid = self.product_id
        self.save_state()

    # --- log and state ---------------------------------------------------------------

    def _write_log(self, entry):
        entry = dict({"t": round(time.monotonic() - self.t0, 4)}, **entry)
        self.logf.write(json.dumps(entry, sort_keys=True) + "\n")

    def log_event(self, event, client=None, **fields):
        entry = {"event": event}
        if client is not None:
            entry["client"] = f"{client[0]}:{client[1]}"
        entry.update(fields)
        self._write_log(entry)

    def save_state(self):
        state = {
            "channels": {str(ch): c.describe() for ch, c in self.channels.items()},
            "users": {str(uid): {"name": u.name.rstrip(b"\0").decode("latin-1"),
                                 "enabled": u.enabled, "form": u.form,
                                 "has_password": u.password is not None}
                      for uid, u in self.users.items()},
            "identify": {k: v for k, v in self.identify.items() if k != "since"},
            "sessions": sum(1 for s in self.sessions.values() if s.established and not s.closed),
        }
        tmp = self.state_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(state, f, indent=1, sort_keys=True)
        os.replace(tmp, self.state_path)

    # --- sessions --------------------------------------------------------------------

    def login_key(self, name):
        """(outcome, key) for a login as `name` now: key None refuses the name,
        a random key fails the authentication."""
        ctl = self.control
        ctl.reload()
        user = None
        for uid in sorted(self.users):
            u = self.users[uid]
            if u.enabled and u.password is not None and \
                    u.name.rstrip(b"\0").decode("latin-1") == name:
                user = u
                break
        if user is None:
            return "unknown-user", None
        if ctl.get("refuse_logins"):
            return "refused", os.urandom(20)
        if self.refusing_until is not None:
            if time.monotonic() < self.refusing_until:
                return "refused-after-password-set", os.urandom(20)
            self.refusing_until = None
        return "ok", user.login_key

    def _live_sessions(self):
        timeout = float(self.control.get("session_idle_timeout", 60))
        now = time.monotonic()
        live = []
        for addr, s in list(self.sessions.items()):
            if s.closed:
                del self.sessions[addr]
            elif s.established and now - s.last_active > timeout:
                s.close()
                del self.sessions[addr]
                self.log_event("session_expired", addr)
            elif s.established:
                live.append(s)
        return live

    def open_session(self, sockaddr, request):
        self.control.reload()
        old = self.sessions.pop(sockaddr, None)
        if old is not None:
            old.close()
        refuse = self.control.get("open_session") == "no-slot"
        slots = self.control.get("session_slots")
        if not refuse and slots is not None:
            refuse = len(self._live_sessions()) >= int(slots)
        if refuse:
            self.log_event("open_session", sockaddr, outcome="no-slot")
            self._send_open_session_error(sockaddr, bytes(request), 0x01)
            return
        self.log_event("open_session", sockaddr, outcome="ok")
        self.sessions[sockaddr] = SimSession(self.authdata, self.kg, sockaddr,
                                             self.serversocket, request, self.uuid, bmc=self)

    def _send_open_session_error(self, sockaddr, request, status):
        payload = bytes([request[0], status, 0, 0]) + request[4:8]
        ptype = constants.payload_types["rmcpplusopenresponse"]
        packet = (b"\x06\x00\xff\x07" + bytes([0x06, ptype]) + bytes(8)
                  + struct.pack("<H", len(payload)) + payload)
        ipmisession._io_sendto(self.serversocket, packet, sockaddr)

    def sessionless_data(self, data, sockaddr):
        self.control.reload()
        raw = bytearray(data)
        if len(raw) < 22 or raw[0] != 6 or raw[2:4] != b"\xff\x07":
            return
        if raw[4] == 6:
            if raw[5] & 0x3F == constants.payload_types["rmcpplusopenreq"]:
                return self.open_session(sockaddr, raw[16:])
            if raw[5] & 0xC0 or raw[5] & 0x3F != 0:
                return  # a session's message without a session, or not IPMI
            msg = raw[16:]
        else:
            msg = raw[14:]
        if len(msg) >= 6:
            netfn, cmd = msg[1] >> 2, msg[5]
            self._write_log({"client": f"{sockaddr[0]}:{sockaddr[1]}", "session": False,
                             "netfn": netfn, "cmd": cmd,
                             "name": COMMANDS.get((netfn, cmd), "unknown"),
                             "data": bytes(msg[6:-1]).hex()})
        super().sessionless_data(data, sockaddr)

    def serve(self):
        while True:
            try:
                ipmisession.Session.wait_for_rsp(timeout=1)
            except Exception:  # noqa: BLE001 - a bad packet must not stop the BMC
                traceback.print_exc()

    # --- commands --------------------------------------------------------------------

    def handle_command(self, request, session):
        ctl = self.control
        ctl.reload()
        netfn, cmd = request["netfn"], request["command"]
        data = bytes(request["data"])
        name = COMMANDS.get((netfn, cmd), "unknown")
        delay = float(ctl.get("delay", 0) or 0)
        if delay and (not ctl.get("delay_commands") or name in ctl.get("delay_commands")):
            time.sleep(delay)
        session.last_cc = None
        forced = ctl.forced_cc(name)
        try:
            if forced is not None:
                session.send_ipmi_response(code=forced)
            else:
                handler = getattr(self, "cmd_" + name, None)
                if handler is None:
                    session.send_ipmi_response(code=CC_INVALID_COMMAND)
                else:
                    handler(data, session)
        except Exception:  # noqa: BLE001
            traceback.print_exc()
            session.send_ipmi_response(code=CC_UNSPECIFIED)
        shown = data.hex()
        if name == "set_user_password" and len(data) > 2:
            shown = data[:2].hex() + f"+{len(data) - 2}"  # never the password
        self._write_log({"client": f"{session.sockaddr[0]}:{session.sockaddr[1]}",
                         "session": True, "netfn": netfn, "cmd": cmd, "name": name,
                         "data": shown, "cc": session.last_cc,
                         "user": session.username.decode("latin-1")})

    # session management

    def cmd_set_session_privilege(self, data, session):
        if not data:
            return session.send_ipmi_response(code=CC_LENGTH)
        want = data[0] & 0x0F
        if want == 0:
            return session.send_ipmi_response(data=[session.clientpriv])
        if want > session.maxpriv or want > 5:
            return session.send_ipmi_response(code=0x81)
        session.clientpriv = want
        session.send_ipmi_response(data=[want])

    def cmd_close_session(self, data, session):
        session.send_ipmi_response()
        session.close()
        self.sessions.pop(session.sockaddr, None)
        self.save_state()

    def cmd_get_channel_auth_capabilities(self, data, session):
        session.send_ipmi_response(data=list(self.authcap))

    # device

    def cmd_get_device_id(self, data, session):
        if self.control.get("device_id", "spec") == "pyghmi":
            return self.send_device_id(session)  # pyghmi's own 14 bytes
        mfg = self.manufacturer_id & 0x0FFFFF
        reply = [0x20, 0x01, self.fw_major & 0x7F, self.fw_minor_bcd, 0x02, 0x80,
                 mfg & 0xFF, (mfg >> 8) & 0xFF, mfg >> 16,
                 self.product_id & 0xFF, (self.product_id >> 8) & 0xFF]
        if self.control.get("device_id_aux", True):
            reply += [0x00, 0x00, 0x00, 0x00]
        session.send_ipmi_response(data=reply)

    def _channel(self, number):
        if number == 0x0E:
            return min(self.channels)
        return number

    def cmd_get_channel_info(self, data, session):
        if len(data) != 1:
            return session.send_ipmi_response(code=CC_LENGTH)
        ch = self._channel(data[0] & 0x0F)
        active = len(self._live_sessions()) & 0x3F
        if ch in self.channels:
            reply = [ch, MEDIUM_LAN, 0x01, 0x80 | active, *IPMI_FORUM_IANA, 0, 0]
        elif ch == 0:
            reply = [0, MEDIUM_IPMB, 0x01, 0x00, *IPMI_FORUM_IANA, 0, 0]
        elif ch == 0x0F:
            reply = [0x0F, MEDIUM_SYSTEM, 0x05, 0x00, *IPMI_FORUM_IANA, 0, 0]
        else:
            cc = parse_int(self.control.get("absent_channel_cc", CC_INVALID_DATA))
            return session.send_ipmi_response(code=cc)
        session.send_ipmi_response(data=reply)

    # users

    def _user(self, uid):
        return self.users.get(uid & 0x3F)

    def cmd_get_user_access(self, data, session):
        if len(data) != 2:
            return session.send_ipmi_response(code=CC_LENGTH)
        user = self._user(data[1])
        if user is None:
            return session.send_ipmi_response(code=CC_INVALID_DATA)
        enabled = sum(1 for u in self.users.values() if u.enabled)
        reply = [MAX_USERS, (0x40 if user.enabled else 0x80) | enabled, 1,
                 0x30 | user.privilege]
        session.send_ipmi_response(data=reply)

    def cmd_set_user_access(self, data, session):
        if len(data) not in (3, 4):
            return session.send_ipmi_response(code=CC_LENGTH)
        user = self._user(data[1])
        if user is None:
            return session.send_ipmi_response(code=CC_INVALID_DATA)
        if data[2] & 0x0F != 0x0F:
            user.privilege = data[2] & 0x0F
        session.send_ipmi_response()
        self.save_state()

    def cmd_get_user_name(self, data, session):
        if len(data) != 1:
            return session.send_ipmi_response(code=CC_LENGTH)
        user = self._user(data[0])
        if user is None or data[0] & 0x3F == 0:
            return session.send_ipmi_response(code=CC_INVALID_DATA)
        session.send_ipmi_response(data=list(user.name))

    def cmd_set_user_name(self, data, session):
        if len(data) != 17:
            return session.send_ipmi_response(code=CC_LENGTH)
        uid = data[0] & 0x3F
        user = self._user(uid)
        if user is None or uid <= 1:
            return session.send_ipmi_response(code=CC_INVALID_DATA)
        user.name = data[1:17]
        session.send_ipmi_response()
        self.save_state()

    def cmd_set_user_password(self, data, session):
        if len(data) < 2:
            return session.send_ipmi_response(code=CC_LENGTH)
        uid, form, op = data[0] & 0x3F, 20 if data[0] & 0x80 else 16, data[1] & 0x03
        user = self._user(uid)
        opname = ("disable", "enable", "set", "test")[op]
        if user is None or uid == 0:
            return session.send_ipmi_response(code=CC_INVALID_DATA)
        if op in (2, 3) and len(data) != 2 + form:
            return session.send_ipmi_response(code=CC_LENGTH)
        ctl = self.control
        cc = CC_OK
        if op == 0:
            user.enabled = False
        elif op == 1:
            user.enabled = True
        elif op == 2:
            password, stored_form = data[2:2 + form], form
            keep = ctl.get("password_truncate")
            if keep and form > int(keep):
                password, stored_form = password[:int(keep)], int(keep)
            user.password, user.form = bytes(password), stored_form
            if ctl.get("refuse_logins_after_password_set"):
                if self.refusing_until is not None:
                    self.refusing_until = None  # this set ends the refusal
                else:
                    seconds = ctl.get("refuse_logins_seconds")
                    self.refusing_until = time.monotonic() + (
                        float(seconds) if seconds is not None else 1e9)
            else:
                self.refusing_until = None
        else:
            if ctl.get("test_password_always_ok"):
                cc = CC_OK
            elif user.password is None:
                cc = CC_PARAM_UNSUPPORTED
            elif form != user.form:
                cc = CC_SET_IN_PROGRESS  # 0x81: wrong password size
            elif bytes(data[2:2 + form]) != user.password.ljust(form, b"\0"):
                cc = CC_PARAM_UNSUPPORTED  # 0x80: password test failed
        self.log_event("password", session.sockaddr, uid=uid, op=opname, form=form,
                       outcome=f"{cc:#04x}")
        session.send_ipmi_response(code=cc)
        self.save_state()

    # chassis

    def cmd_get_chassis_status(self, data, session):
        ident = self.identify
        state = 0
        if ident["force"]:
            state = 2
        elif ident["since"] is not None and \
                time.monotonic() - ident["since"] < ident["interval"]:
            state = 1
        session.send_ipmi_response(data=[0x01, 0x00, 0x40 | (state << 4)])

    def cmd_chassis_control(self, data, session):
        session.send_ipmi_response()

    def cmd_chassis_identify(self, data, session):
        if len(data) > 2:
            return session.send_ipmi_response(code=CC_LENGTH)
        interval = data[0] if len(data) >= 1 else 15
        force = bool(data[1] & 1) if len(data) >= 2 else False
        self.identify.update(interval=interval, force=force, since=time.monotonic(),
                             calls=self.identify["calls"] + 1)
        self.log_event("identify", session.sockaddr, interval=interval, force=force)
        session.send_ipmi_response()
        self.save_state()

    # LAN configuration parameters

    def _lan_target(self, data, session):
        """(channel object, param) of a Get/Set LAN request, or None after
        answering the error."""
        ch = self._channel(data[0] & 0x0F)
        chan = self.channels.get(ch)
        if chan is None:
            session.send_ipmi_response(code=CC_INVALID_DATA)
            return None
        param = data[1]
        unsupported = {parse_int(p) for p in self.control.get("unsupported_params", ())}
        if param not in LAN_PARAMS or param in unsupported or (
                param == 0 and self.control.get("set_in_progress", True) is False):
            session.send_ipmi_response(code=CC_PARAM_UNSUPPORTED)
            return None
        return chan, param

    def cmd_get_lan_config(self, data, session):
        if len(data) != 4:
            return session.send_ipmi_response(code=CC_LENGTH)
        target = self._lan_target(data, session)
        if target is None:
            return
        chan, param = target
        if data[0] & 0x80:  # parameter revision only
            return session.send_ipmi_response(data=[0x11])
        value = bytes([chan.state]) if param == 0 else chan.value(param)
        session.send_ipmi_response(data=[0x11, *value])

    def _apply(self, chan, params):
        if not params:
            return
        for p, v in params.items():
            chan.active[p] = v
        self.log_event("lan_applied", channel=chan.number,
                       params={LAN_PARAMS[p][0]: render_param(p, v) for p, v in params.items()})

    def cmd_set_lan_config(self, data, session):
        if len(data) < 3:
            return session.send_ipmi_response(code=CC_LENGTH)
        target = self._lan_target(data, session)
        if target is None:
            return
        chan, param = target
        value = bytes(data[2:])
        _, length, writable = LAN_PARAMS[param]
        if not writable:
            return session.send_ipmi_response(code=CC_READ_ONLY)
        if len(value) != length:
            return session.send_ipmi_response(code=CC_LENGTH)
        ctl = self.control
        if param == 0:
            return self._set_in_progress(chan, value[0], session)
        if (param == 4 and value[0] > 4) or (param == 20 and value[1] & 0x70) or (
                param == 21 and value[0] > 7):
            return session.send_ipmi_response(code=CC_INVALID_DATA)
        ignored = {parse_int(p) for p in ctl.get("ignore_writes", ())}
        if param in ignored:
            self.log_event("lan_ignored", channel=chan.number, param=LAN_PARAMS[param][0])
        elif chan.state == 1:
            chan.staged[param] = value
            self.log_event("lan_staged", channel=chan.number,
                           params={LAN_PARAMS[param][0]: render_param(param, value)})
        else:
            self._apply(chan, {param: value})
        session.send_ipmi_response()
        self.save_state()

    def _set_in_progress(self, chan, value, session):
        ctl = self.control
        want = value & 0x03
        if value & 0xFC or want == 3:
            return session.send_ipmi_response(code=CC_INVALID_DATA)
        if want == 1:
            if chan.state != 0:
                return session.send_ipmi_response(code=CC_SET_IN_PROGRESS)
            chan.state, chan.staged = 1, {}
        elif want == 2:
            cc = parse_int(ctl.get("commit_write_cc", 0))
            if cc:
                return session.send_ipmi_response(code=cc)
            self._apply(chan, chan.staged)
            chan.staged = {}
        else:
            if chan.staged:
                if ctl.get("apply_on_complete"):
                    self._apply(chan, chan.staged)
                else:
                    self.log_event("lan_discarded", channel=chan.number,
                                   params={LAN_PARAMS[p][0]: render_param(p, v)
                                           for p, v in chan.staged.items()})
            chan.state, chan.staged = 0, {}
        session.send_ipmi_response()
        self.save_state()


def parse_args(argv):
    ap = argparse.ArgumentParser(description="A simulated IPMI 2.0 BMC on pyghmi")
    ap.add_argument("--dir", required=True, help="directory for the log, state and control")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--address", default="127.0.0.1")
    ap.add_argument("--channels", default="1",
                    type=lambda s: sorted({int(x) for x in s.split(",")}),
                    help="LAN channel numbers, comma-separated (default 1)")
    ap.add_argument("--sim-id", type=int, default=1, help="1..9, seeds addresses and MACs")
    ap.add_argument("--user", action="append", help="UID:NAME:PASSWORD (repeatable)")
    ap.add_argument("--manufacturer-id", type=lambda s: int(s, 0), default=20974)
    ap.add_argument("--product-id", type=lambda s: int(s, 0), default=0x0123)
    ap.add_argument("--firmware", default="2.13", help="MAJOR.MINOR (minor as BCD digits)")
    ap.add_argument("--control", help="control file (default DIR/control.json)")
    ap.add_argument("--log", help="command log (default DIR/commands.log)")
    args = ap.parse_args(argv)
    if not 1 <= args.sim_id <= 9:
        ap.error("--sim-id must be 1..9")
    if not args.channels or any(not 1 <= c <= 11 for c in args.channels):
        ap.error("--channels must be in 1..11")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    bmc = SimBmc(args)
    print(f"pyghmi_bmc: listening on {args.address}:{args.port}, LAN channels "
          f"{','.join(map(str, args.channels))}", flush=True)
    bmc.serve()


if __name__ == "__main__":
    main()
