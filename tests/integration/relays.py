"""UDP relays between a client (the agent, ipmitool) and one ipmi_sim port.

- UdpRelay: relays datagrams on a thread, one upstream socket per client,
  so replies find the session they belong to; the others build on it;
- DelayProxy: every datagram `delay` seconds late, to make a BMC slow
  without touching the simulator (and a count of the client's datagrams);
- FaultRelay: a BMC that refuses on request, as follows.

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
cipher suite 0 (no authentication, integrity or confidentiality), or an
IPMI 1.5 session of authentication type none. Everything else passes
through untouched and is counted in `opaque`, so a test can tell a relay
that saw nothing from one that could not read what it saw.

The relay records each Set User Password request it relays as
PasswordRequest(uid, op, form), never the password itself: a witness of
what reached the BMC and in which size form.

With block_sessions_after_set, the relay also drops every RMCP+ Open Session
Request between a Set User Password that it let through and the next Set
User Password request: the agent's proof of a new password (a new session)
then fails, while the session it already has keeps working.
"""

import heapq
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
    _from_client(client, data) and _from_target(client, data); _wait() and
    _tick() let them keep their own timers.
    """

    def __init__(self, target_port, port=None, name="udp-relay"):
        self.target = ("127.0.0.1", target_port)
        self.port = port or free_port()
        self._listen = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._listen.bind(("127.0.0.1", self.port))
        self._upstream = {}   # client address -> socket towards the target
        self._client_of = {}  # upstream socket -> client address
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

    def _wait(self):
        return 0.05

    def _tick(self):
        pass

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
        self._queue = []      # (due, seq, socket, data, address)
        self._seq = 0

    def _schedule(self, sock, data, addr):
        self._seq += 1
        heapq.heappush(self._queue, (time.monotonic() + self.delay, self._seq, sock, data, addr))

    def _from_client(self, client, data):
        self.packets += 1
        self._schedule(self._upstream_for(client), data, self.target)

    def _from_target(self, client, data):
        self._schedule(self._listen, data, client)

    def _wait(self):
        if self._queue:
            return max(0.0, min(0.05, self._queue[0][0] - time.monotonic()))
        return 0.05

    def _tick(self):
        now = time.monotonic()
        while self._queue and self._queue[0][0] <= now:
            _, _, sock, data, addr = heapq.heappop(self._queue)
            self._send(sock, data, addr)


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
