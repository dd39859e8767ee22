# SPDX-License-Identifier: GPL-3.0-or-later
"""UDP relays between a client (the agent, ipmitool) and one ipmi_sim port.

- UdpRelay: relays datagrams on a thread, one upstream socket per client,
  so replies find the session they belong to; the others build on it;
- DelayProxy: every datagram `delay` seconds late, to make a BMC slow
  without touching the simulator (and a count of the client's datagrams);
- FaultRelay: a BMC that refuses on request, as follows;
- HostileRelay: a BMC whose replies are truncated, extended, bit-flipped,
  given odd completion codes, duplicated, dropped, delayed or replayed, at
  random from a seed, on an IPMI 1.5 session (see its docstring).

ipmi_sim accepts every Set User Password a client may send (it only refuses
user 0 or a short request) and answers its Test Password operation without
checking. To see what the agent does when a BMC refuses a password or fails
the test of one, FaultRelay sits between the agent and one ipmi_sim port
and refuses the Set User Password requests whose operation is named in
`faults`: a request that would change something (set, enable, disable) is
turned into a harmless Test Password before it reaches the simulator, and
the reply gets the completion code of `faults`; the messages' checksums are
fixed. So the BMC really is left as it was, as a refusing BMC leaves it.

That only works for messages without integrity data: an RMCP+ session of
cipher suite 0 or 1 (no integrity, no confidentiality; suite 1 still checks
the password at login), or an IPMI 1.5 session of authentication type none.
Everything else passes through untouched and is counted in `opaque`, so a test can tell a relay
that saw nothing from one that could not read what it saw.

The relay records each Set User Password request it relays as
PasswordRequest(uid, op, form), never the password itself: a witness of
what reached the BMC and in which size form.

With block_sessions_after_set, the relay also drops every RMCP+ Open Session
Request between a Set User Password that it let through and the next Set
User Password request: the agent's proof of a new password (a new session)
then fails, while the session it already has keeps working.
"""

import collections
import heapq
import random
import select
import socket
import threading
import time
from dataclasses import dataclass

from world import free_port


# --- relaying ----------------------------------------------------------------


class UdpRelay:
    """Relays UDP datagrams between clients and 127.0.0.1:target on a thread.

    Every client address gets its own upstream socket, so replies find the
    session they belong to. Subclasses decide what happens to a datagram:
    _from_client(client, data) and _from_target(client, data); _send_later()
    holds one back for a while (a slow or late network).
    """

    def __init__(self, target_port, port=None, name="udp-relay"):
        self.target = ("127.0.0.1", target_port)
        self.port = port or free_port()
        self._listen = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._listen.bind(("127.0.0.1", self.port))
        self._upstream = {}   # client address -> socket towards the target
        self._client_of = {}  # upstream socket -> client address
        self._later = []      # (due, seq, socket, data, address), a heap
        self._later_seq = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(5)
        for s in [self._listen, *self._upstream.values()]:
            s.close()

    def _upstream_for(self, client):
        sock = self._upstream.get(client)
        if sock is None:
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind(("127.0.0.1", 0))
            self._upstream[client] = sock
            self._client_of[sock] = client
        return sock

    @staticmethod
    def _send(sock, data, addr):
        try:
            sock.sendto(data, addr)
        except OSError:
            pass  # e.g. the target is down

    def _from_client(self, client, data):
        self._send(self._upstream_for(client), data, self.target)

    def _from_target(self, client, data):
        self._send(self._listen, data, client)

    def _send_later(self, sock, data, addr, delay):
        if delay <= 0:
            self._send(sock, data, addr)
            return
        self._later_seq += 1
        heapq.heappush(self._later, (time.monotonic() + delay, self._later_seq, sock, data, addr))

    def _wait(self):
        if self._later:
            return max(0.0, min(0.05, self._later[0][0] - time.monotonic()))
        return 0.05

    def _tick(self):
        now = time.monotonic()
        while self._later and self._later[0][0] <= now:
            _, _, sock, data, addr = heapq.heappop(self._later)
            self._send(sock, data, addr)

    def _receive(self, sock):
        try:
            data, addr = sock.recvfrom(65536)
        except OSError:
            return  # e.g. ICMP port unreachable from a target that is down
        if sock is self._listen:
            self._from_client(addr, data)
        else:
            self._from_target(self._client_of[sock], data)

    def _run(self):
        while not self._stop.is_set():
            socks = [self._listen, *self._upstream.values()]
            readable, _, _ = select.select(socks, [], [], self._wait())
            for sock in readable:
                self._receive(sock)
            self._tick()


class DelayProxy(UdpRelay):
    """Relays UDP datagrams to 127.0.0.1:target, each `delay` seconds late.

    Both directions are delayed, so a round trip costs 2 * delay more.
    `packets` counts the datagrams from clients.
    """

    def __init__(self, target_port, delay, port=None):
        super().__init__(target_port, port, name="delay-proxy")
        self.delay = delay
        self.packets = 0

    def _schedule(self, sock, data, addr):
        self._send_later(sock, data, addr, self.delay)

    def _from_client(self, client, data):
        self.packets += 1
        self._schedule(self._upstream_for(client), data, self.target)

    def _from_target(self, client, data):
        self._schedule(self._listen, data, client)


# --- a BMC that refuses (FaultRelay) --------------------------------------------

NETFN_APP_RQ = 0x06
NETFN_APP_RS = 0x07
CMD_SET_USER_PASSWORD = 0x47
PAYLOAD_OPEN_SESSION_REQUEST = 0x10  # RMCP+ payload type

# Set User Password operations (IPMI 2.0, 22.30: request byte 2, bits 1:0).
OP_DISABLE, OP_ENABLE, OP_SET, OP_TEST = 0, 1, 2, 3
OP_NAMES = {OP_DISABLE: "disable", OP_ENABLE: "enable", OP_SET: "set", OP_TEST: "test"}

CC_INVALID_DATA = 0xCC
# Test Password failures (IPMI 2.0, 22.30).
CC_PASSWORD_MISMATCH = 0x80     # the password does not match the stored one
CC_PASSWORD_WRONG_SIZE = 0x81   # the stored password has the other size form


@dataclass(frozen=True)
class PasswordRequest:
    uid: int
    op: int     # OP_*
    form: int   # 16 or 20 (the size form of the request)

    def __str__(self):
        return f"{OP_NAMES[self.op]} user {self.uid} ({self.form}-byte form)"


def ipmi_message_span(data):
    """(offset, length) of the IPMI message in one RMCP datagram when it can
    be read and rewritten (no integrity data, no encryption), else None."""
    if len(data) < 5 or data[0] != 0x06 or (data[3] & 0x1F) != 0x07:
        return None  # not RMCP class IPMI (e.g. an ASF ping)
    auth = data[4]
    if auth == 0x06:  # RMCP+: payload type, session ID, sequence, length
        if len(data) < 16 or (data[5] & 0xC0) or (data[5] & 0x3F) != 0x00:
            return None  # encrypted, authenticated, or not an IPMI message
        off, length = 16, int.from_bytes(data[14:16], "little")
    elif auth == 0x00:  # IPMI 1.5 without authentication: no auth code
        if len(data) < 14:
            return None
        off, length = 14, data[13]
    else:
        return None
    if length < 7 or off + length > len(data):
        return None
    return off, length


def checksum(octets):
    return (-sum(octets)) & 0xFF


class FaultRelay(UdpRelay):
    """Relays UDP datagrams to 127.0.0.1:target and back, refusing Set User
    Password requests per `faults` {op: completion code}.

    Every client address gets its own upstream socket, so replies find the
    session they belong to (the agent opens a second session to prove a new
    password while the first stays open).

    refuse(op, cc, skip=n) lets the first n requests of op through and
    refuses the ones after them.
    """

    def __init__(self, target_port, port=None):
        super().__init__(target_port, port, name="fault-relay")
        self.faults = {}
        self.requests = []   # PasswordRequest, in the order relayed
        self.injected = []   # (PasswordRequest, cc) rewritten
        self.opaque = 0      # datagrams that could not be inspected
        self.block_sessions_after_set = False
        self.blocked_sessions = 0  # Open Session Requests dropped
        self._blocking = False
        self._skip = {}      # op -> requests still to let through
        self._lock = threading.Lock()
        self._pending = {}   # (client, rqSeq) -> (PasswordRequest, cc or None)

    def refuse(self, op, cc, skip=0):
        """From now on (after `skip` more requests of op), requests of
        operation op are refused with completion code cc."""
        with self._lock:
            self.faults[op] = cc
            self._skip[op] = skip

    def clear(self):
        with self._lock:
            self.faults.clear()
            self._skip.clear()
            self.block_sessions_after_set = False
            self._blocking = False

    def password_requests(self, since=0):
        with self._lock:
            return list(self.requests[since:])

    def mark(self):
        with self._lock:
            return len(self.requests)

    # the relay thread (see UdpRelay)

    def _filter_request(self, client, data):
        """Note a Set User Password request; neutralize it when refused.
        Returns the datagram to send on."""
        if (len(data) > 5 and data[4] == 0x06
                and data[5] & 0x3F == PAYLOAD_OPEN_SESSION_REQUEST):
            with self._lock:
                if self._blocking:
                    self.blocked_sessions += 1
                    return None
            return data
        span = ipmi_message_span(data)
        if span is None:
            if len(data) > 5 and data[4] == 0x06 and data[5] & 0xC0:
                self.opaque += 1  # an RMCP+ session with integrity or encryption
            return data
        off, length = span
        msg = bytearray(data[off:off + length])
        if msg[1] >> 2 != NETFN_APP_RQ or msg[5] != CMD_SET_USER_PASSWORD or length < 9:
            return data
        req = PasswordRequest(uid=msg[6] & 0x3F, op=msg[7] & 0x03,
                              form=20 if msg[6] & 0x80 else 16)
        with self._lock:
            cc = self.faults.get(req.op)
            if cc is not None and self._skip.get(req.op, 0) > 0:
                self._skip[req.op] -= 1
                cc = None
            self.requests.append(req)
            self._pending[(client, msg[4] >> 2)] = (req, cc)
            self._blocking = (self.block_sessions_after_set and req.op == OP_SET
                              and cc is None)
        if cc is None or req.op == OP_TEST:
            return data
        msg[7] = (msg[7] & ~0x03) | OP_TEST  # ipmi_sim answers a test, changing nothing
        msg[-1] = checksum(msg[3:-1])
        return data[:off] + bytes(msg) + data[off + length:]

    def _rewrite_reply(self, client, data):
        span = ipmi_message_span(data)
        if span is None:
            return data
        off, length = span
        msg = bytearray(data[off:off + length])
        if msg[1] >> 2 != NETFN_APP_RS or msg[5] != CMD_SET_USER_PASSWORD:
            return data
        with self._lock:
            req, cc = self._pending.pop((client, msg[4] >> 2), (None, None))
            if cc is None:
                return data
            self.injected.append((req, cc))
        msg[6] = cc
        msg[-1] = checksum(msg[3:-1])
        return data[:off] + bytes(msg) + data[off + length:]

    def _from_client(self, client, data):
        data = self._filter_request(client, data)
        if data is not None:
            super()._from_client(client, data)

    def _from_target(self, client, data):
        super()._from_target(client, self._rewrite_reply(client, data))


# --- a BMC that lies (HostileRelay) ----------------------------------------------

AUTH_NONE = 0x00
AUTH_MD5 = 0x02

# Completion codes a hostile or unwell BMC may answer with (IPMI 2.0, 5.2 and
# the command-specific ones the agent meets: 0x80/0x81 of Get/Set LAN
# Configuration Parameters, 0x81 "set in progress").
ODD_COMPLETION_CODES = (0xC0, 0xC1, 0xC3, 0xCC, 0xD2, 0xD4, 0xD5, 0xFF, 0x80, 0x81)

# What HostileRelay does to a reply it picks (see its docstring).
HOSTILE_KINDS = ("truncate", "extend", "bitflip", "ccode",
                 "duplicate", "drop", "late", "stale")
# The kinds that rewrite the IPMI message, and so need an auth code the
# relay can rebuild; the others only move whole datagrams.
REWRITING_KINDS = ("truncate", "extend", "bitflip", "ccode")


def ipmi15_layout(data):
    """(auth type, offset of the auth code or None, offset of the IPMI
    message, its length) of an IPMI 1.5 session datagram (RMCP class IPMI,
    authentication type not 0x06), else None."""
    if len(data) < 14 or data[0] != 0x06 or (data[3] & 0x1F) != 0x07:
        return None
    auth = data[4]
    if auth == 0x06:
        return None  # RMCP+ (IPMI 2.0)
    if auth == AUTH_NONE:
        code_off, off = None, 14
    else:
        if len(data) < 30:
            return None
        code_off, off = 13, 30
    length = data[off - 1]
    if length < 7 or off + length > len(data):
        return None
    return auth, code_off, off, length


def ipmi15_md5_auth_code(password, data, off, msg):
    """The MD5 auth code of an IPMI 1.5 session datagram `data` carrying the
    IPMI message `msg` (IPMI 2.0, 22.17.1): MD5(password + session ID +
    message + session sequence number + password), the password padded with
    zeros to 16 bytes, the session ID and sequence number as in the header."""
    import hashlib

    pw = password.encode()[:16].ljust(16, b"\0")
    seq, sid = data[5:9], data[9:13]
    return hashlib.md5(pw + sid + bytes(msg) + seq + pw).digest()


@dataclass(frozen=True)
class HostileReply:
    """One reply HostileRelay mutated, for the report and for the test's
    bookkeeping of values a forged reply may have made the agent believe."""

    n: int             # the reply's number among all the relay saw (from 0)
    at: float          # time.monotonic() when it was mutated
    kind: str          # one of HOSTILE_KINDS
    netfn: int         # of the reply (odd: a response), -1 when unreadable
    cmd: int           # -1 when unreadable
    request: bytes     # the request's data bytes (after the command), b"" if unknown
    before: bytes      # the IPMI message as the BMC sent it (b"" if unreadable)
    after: bytes       # the IPMI message the agent got instead (b"": nothing new)
    detail: str

    @property
    def forged(self):
        """True when the agent got a message the BMC never sent."""
        return self.kind in REWRITING_KINDS and self.after != b""

    def __str__(self):
        what = (f"netfn 0x{self.netfn:02x} cmd 0x{self.cmd:02x}"
                if self.netfn >= 0 else "unreadable datagram")
        text = f"#{self.n} {self.kind} ({what}"
        if self.request:
            text += f", request {self.request.hex(' ')}"
        text += f"): {self.detail}"
        if self.forged:
            text += f"; {self.before.hex(' ')} -> {self.after.hex(' ')}"
        return text


class HostileRelay(UdpRelay):
    """Relays an IPMI 1.5 session between the agent and one ipmi_sim port,
    mutating a seeded random fraction (`rate`) of the BMC's replies while
    `active`:

    - truncate: the reply loses 1 or more of its last bytes (completion code
      and data), the message stays well formed (length, checksum, auth
      code); one time in four the datagram is cut raw instead;
    - extend: 1..8 random bytes after the data;
    - bitflip: 1..3 bits flipped in the data after the completion code (in
      the completion code when there is no data);
    - ccode: the completion code replaced by one of ODD_COMPLETION_CODES,
      the data dropped or (half the time) kept;
    - duplicate: delivered, and again 0..300 ms later;
    - drop: never delivered;
    - late: delivered `late` (a (min, max) range in seconds, past the
      agent's retransmission interval) later;
    - stale: an earlier reply of the same client replayed, instead of this
      one or (half the time) before it.

    A rewritten message gets its checksum and, on an MD5 session, its auth
    code rebuilt with `password`, so the agent's libfreeipmi accepts it as
    the BMC's: what reaches the agent's own parsing is exactly the hostile
    reply. A reply whose auth code the relay cannot reproduce (another
    authentication type, a password it does not know) is only ever moved
    whole (duplicate, drop, late, stale) and counted in `opaque`.

    Every decision comes from random.Random(seed) in the order replies
    arrive, so a seed replays the same mutations for the same traffic.
    force() mutates one chosen reply on purpose (a regression test of what
    the random run found).
    `mutations` lists what was done (HostileReply), `replies` counts the
    replies seen, `authenticated` those whose MD5 auth code verified.
    """

    def __init__(self, target_port, password, seed, rate=0.08, late=(0.2, 1.5),
                 kinds=HOSTILE_KINDS, port=None):
        super().__init__(target_port, port, name="hostile-relay")
        self.password = password
        self.seed = seed
        self.rate = rate
        self.late = late
        self.kinds = tuple(kinds)
        self.active = False
        self.replies = 0
        self.authenticated = 0
        self.opaque = 0
        self.mutations = []     # HostileReply, in order
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._requests = {}     # (client, rqSeq, cmd) -> request data bytes
        self._history = {}      # client -> [datagram, ...] (the last 32 replies)
        # the last datagrams both ways: (time, "rq" or "rs", client port, bytes)
        self.trace = collections.deque(maxlen=5000)
        self._forced = []       # (netfn, cmd, request prefix, kind, value), see force()

    def set_active(self, on):
        with self._lock:
            self.active = bool(on)

    def pending(self):
        """Datagrams still held back (late or duplicate copies)."""
        with self._lock:
            return len(self._later)

    def summary(self):
        with self._lock:
            counts = {}
            for m in self.mutations:
                counts[m.kind] = counts.get(m.kind, 0) + 1
            return (f"seed {self.seed}: {len(self.mutations)} of {self.replies} replies "
                    f"mutated ({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))}); "
                    f"{self.authenticated} MD5-authenticated, {self.opaque} opaque")

    def mutated(self):
        with self._lock:
            return list(self.mutations)

    def trace_lines(self):
        """The last datagrams relayed, both ways, one line each (the BMC's
        replies as it sent them, before any mutation)."""
        with self._lock:
            trace = list(self.trace)
        lines = []
        for at, way, port, data in trace:
            lay = ipmi15_layout(data)
            if lay is None:
                lines.append(f"{at:.4f} {way} {port} {data.hex(' ')}")
                continue
            auth, _, off, length = lay
            msg = data[off:off + length]
            lines.append(f"{at:.4f} {way} {port} auth {auth} seq {data[5:9].hex()} "
                         f"sid {data[9:13].hex()} netfn 0x{msg[1] >> 2:02x} rqseq {msg[4] >> 2} "
                         f"cmd 0x{msg[5]:02x}: {msg[6:-1].hex(' ')}")
        return lines

    # the relay thread (see UdpRelay)

    def _from_client(self, client, data):
        lay = ipmi15_layout(data)
        if lay is not None:
            _, _, off, length = lay
            msg = data[off:off + length]
            with self._lock:
                self._requests[(client, msg[4] >> 2, msg[5])] = bytes(msg[6:-1])
                self.trace.append((time.monotonic(), "rq", client[1], bytes(data)))
                if len(self._requests) > 512:
                    self._requests.pop(next(iter(self._requests)))
        super()._from_client(client, data)

    def _deliver(self, client, data, delay=0.0):
        self._send_later(self._listen, data, client, delay)

    def _readable(self, data):
        """(layout, message) when the datagram can be rewritten and re-signed,
        (layout, None) when it can only be read, (None, None) otherwise."""
        lay = ipmi15_layout(data)
        if lay is None:
            return None, None
        auth, code_off, off, length = lay
        msg = bytes(data[off:off + length])
        if auth == AUTH_NONE:
            return lay, msg
        if auth == AUTH_MD5 and ipmi15_md5_auth_code(self.password, data, off, msg) == \
                data[code_off:code_off + 16]:
            self.authenticated += 1
            return lay, msg
        return lay, None

    def _rebuild(self, data, lay, msg):
        """The datagram `data` carrying `msg` instead: length, checksum and auth code redone."""
        auth, code_off, off, length = lay
        msg = bytearray(msg)
        if len(msg) >= 4:
            msg[-1] = checksum(msg[3:-1])
        out = bytearray(data[:off - 1]) + bytes([len(msg)]) + msg + data[off + length:]
        if auth == AUTH_MD5:
            out[code_off:code_off + 16] = ipmi15_md5_auth_code(self.password, out, off, msg)
        return bytes(out)

    def _rewrite(self, kind, data, lay, msg):
        """(new datagram, new message, detail) for a rewriting kind."""
        rng = self._rng
        head, body = msg[:6], msg[6:-1]   # body: completion code + data
        if kind == "truncate":
            if rng.random() < 0.25:
                cut = rng.randrange(1, len(data))
                return data[:cut], b"", f"datagram cut to {cut} of {len(data)} bytes"
            keep = rng.randrange(0, len(body)) if body else 0
            new = head + body[:keep] + b"\0"
            return (self._rebuild(data, lay, new), new,
                    f"{len(body) - keep} of {len(body)} byte(s) after the header dropped")
        if kind == "extend":
            extra = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
            new = head + body + extra + b"\0"
            return self._rebuild(data, lay, new), new, f"{len(extra)} byte(s) appended"
        if kind == "bitflip":
            body = bytearray(body)
            if not body:
                return data, b"", "no payload to flip"
            first = 1 if len(body) > 1 else 0
            bits = rng.sample(range(first * 8, len(body) * 8),
                              min(rng.randint(1, 3), (len(body) - first) * 8))
            flips = []
            for b in sorted(bits):
                body[b // 8] ^= 1 << (b % 8)
                flips.append(f"byte {b // 8} bit {b % 8}")
            new = head + bytes(body) + b"\0"
            return self._rebuild(data, lay, new), new, "flipped " + ", ".join(flips)
        if kind == "ccode":
            cc = rng.choice(ODD_COMPLETION_CODES)
            keep = body[1:] if rng.random() < 0.5 else b""
            new = head + bytes([cc]) + keep + b"\0"
            return (self._rebuild(data, lay, new), new,
                    f"completion code 0x{cc:02x}, data {'kept' if keep else 'dropped'}")
        raise ValueError(kind)

    def force(self, netfn, cmd, request_prefix, kind, value=None):
        """Mutate the next reply of response netfn/cmd whose request data
        start with request_prefix, whether active or not: kind "ccode"
        (value: the completion code, data dropped), "truncate" (value: the
        bytes kept after the header, 0 for none), "drop" or "late" (value:
        seconds). Only readable, re-signable replies are forced."""
        assert kind in ("ccode", "truncate", "drop", "late"), kind
        with self._lock:
            self._forced.append((netfn, cmd, bytes(request_prefix), kind, value))

    def _take_forced(self, netfn, cmd, request):
        for i, (f_netfn, f_cmd, prefix, kind, value) in enumerate(self._forced):
            if (f_netfn, f_cmd) == (netfn, cmd) and request.startswith(prefix):
                del self._forced[i]
                return kind, value
        return None

    def _from_target(self, client, data):
        rng = self._rng
        with self._lock:
            n = self.replies
            self.replies += 1
            self.trace.append((time.monotonic(), "rs", client[1], bytes(data)))
            lay, msg = self._readable(data)
            if lay is not None and msg is None:
                self.opaque += 1
            history = self._history.setdefault(client, [])
            shown = msg if msg is not None else (
                bytes(data[lay[2]:lay[2] + lay[3]]) if lay else b"")
            netfn, cmd = (shown[1] >> 2, shown[5]) if shown else (-1, -1)
            request = self._requests.get((client, shown[4] >> 2, cmd), b"") if shown else b""
            forced = self._take_forced(netfn, cmd, request) if msg is not None else None
            if forced is None and (not self.active or rng.random() >= self.rate):
                history.append(data)
                del history[:-32]
                self._deliver(client, data)
                return
            if forced is not None:
                kind, value = forced
            else:
                kind, value = rng.choice(self.kinds), None
                if kind in REWRITING_KINDS and msg is None:
                    kind = rng.choice([k for k in self.kinds if k not in REWRITING_KINDS]
                                      or ["drop"])
            after = b""
            if forced is not None and kind in ("ccode", "truncate"):
                body = msg[6:-1]
                new = msg[:6] + (bytes([value]) if kind == "ccode" else body[:value]) + b"\0"
                out, after = self._rebuild(data, lay, new), new
                detail = (f"forced: completion code 0x{value:02x}" if kind == "ccode"
                          else f"forced: {len(body) - value} of {len(body)} byte(s) after "
                               "the header dropped")
                self._deliver(client, out)
            elif kind in REWRITING_KINDS:
                out, after, detail = self._rewrite(kind, data, lay, msg)
                self._deliver(client, out)
            elif kind == "duplicate":
                delay = rng.uniform(0.0, 0.3)
                self._deliver(client, data)
                self._deliver(client, data, delay)
                detail = f"second copy {delay * 1000:.0f} ms later"
            elif kind == "drop":
                detail = "dropped"
            elif kind == "late":
                delay = value if value is not None else rng.uniform(*self.late)
                self._deliver(client, data, delay)
                detail = f"{delay * 1000:.0f} ms late"
            else:  # stale
                if history:
                    old = history[rng.randrange(len(history))]
                    self._deliver(client, old)
                    if rng.random() < 0.5:
                        self._deliver(client, data)
                        detail = "an earlier reply replayed before it"
                    else:
                        detail = "replaced by an earlier reply"
                else:
                    self._deliver(client, data)
                    detail = "no earlier reply to replay: delivered as is"
            history.append(data)
            del history[:-32]
            self.mutations.append(HostileReply(n, time.monotonic(), kind, netfn, cmd,
                                               request, shown, bytes(after), detail))
