# SPDX-License-Identifier: GPL-3.0-or-later
"""A minimal SNMPv2c GETBULK client that measures the server, not itself.

bench/fleet.py times table walks of tens of thousands of varbinds per
second. pysnmp (python3-pysnmp4) decodes every value with pyasn1 and tops
out at about 8,000 varbinds/s on this machine, below what snmpd serves even
through a subagent; the stock clients add their own start-up and MIB
loading to every walk. This client encodes its requests by hand and reads a
response only as far as it must: the OIDs stay BER-encoded bytes (the
encoding of an OID starts with the encoding of any OID above it, so "still
in this column" is a byte-prefix test) and values are decoded only when
asked for.

Only what the benchmark needs: SNMPv2c GET and GETBULK (GETNEXT is GETBULK
with one repetition), one outstanding request, no retries.
"""

import socket

_SEQUENCE = 0x30
_GET = 0xA0
_GETBULK = 0xA5
_RESPONSE = 0xA2
END_OF_MIB_VIEW = 0x82
EXCEPTIONS = (0x80, 0x81, 0x82)  # noSuchObject, noSuchInstance, endOfMibView
_INTEGER_TAGS = (0x02, 0x41, 0x42, 0x43, 0x47)  # INTEGER, Counter32, Gauge32, TimeTicks, UInteger32


class SnmpError(Exception):
    """A timeout, an error status or a response this client cannot read."""


def _length(n):
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _tlv(tag, body):
    return bytes([tag]) + _length(len(body)) + body


def _integer(n):
    return _tlv(0x02, n.to_bytes(max(1, (n.bit_length() + 8) // 8), "big", signed=True))


def encode_oid(dotted):
    """The BER contents (no tag, no length) of an OID such as "1.3.6.1.2.1"."""
    arcs = [int(a) for a in dotted.strip(".").split(".")]
    out = bytearray([40 * arcs[0] + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out += bytes(reversed(chunk))
    return bytes(out)


def decode_arcs(contents):
    """The arcs of BER OID contents that follow a prefix (no first-octet rule)."""
    arcs, cur = [], 0
    for b in contents:
        cur = (cur << 7) | (b & 0x7F)
        if not b & 0x80:
            arcs.append(cur)
            cur = 0
    return arcs


def decode_value(tag, raw):
    """An int for the integer types, else the raw octets."""
    if tag in _INTEGER_TAGS:
        return int.from_bytes(raw, "big", signed=(tag == 0x02))
    return raw


def _header(buf, pos):
    """(tag, start of contents, end of contents) of the TLV at pos."""
    tag = buf[pos]
    n = buf[pos + 1]
    pos += 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(buf[pos:pos + k], "big")
        pos += k
    return tag, pos, pos + n


class Client:
    """SNMPv2c to 127.0.0.1:port, one request at a time."""

    def __init__(self, port, community="public", timeout=5.0):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.connect(("127.0.0.1", port))
        self.sock.settimeout(timeout)
        self.community = community.encode()
        self.request_id = 0
        self.requests = 0

    def close(self):
        self.sock.close()

    def getbulk(self, oids, max_repetitions):
        """One GETBULK of BER-encoded OIDs: [(oid contents, tag, raw value)]."""
        return self._request(_GETBULK, oids, 0, max_repetitions)

    def get(self, dotted_oids):
        """One GET: {dotted OID: value} (ints decoded; None for an exception)."""
        vbs = self._request(_GET, [encode_oid(o) for o in dotted_oids], 0, 0)
        return {o: None if tag in EXCEPTIONS else decode_value(tag, raw)
                for o, (_, tag, raw) in zip(dotted_oids, vbs)}

    def _request(self, pdu_tag, oids, a, b):
        """GET or GETBULK (a, b: error status and index, or non-repeaters and
        max-repetitions) and its response's varbinds."""
        self.request_id = (self.request_id + 1) & 0x7FFFFFFF
        vbs = b"".join(_tlv(_SEQUENCE, _tlv(0x06, o) + b"\x05\x00") for o in oids)
        pdu = _tlv(pdu_tag, _integer(self.request_id) + _integer(a)
                   + _integer(b) + _tlv(_SEQUENCE, vbs))
        self.sock.send(_tlv(_SEQUENCE, _integer(1) + _tlv(0x04, self.community) + pdu))
        self.requests += 1
        while True:
            try:
                buf = self.sock.recv(65536)
            except socket.timeout:
                raise SnmpError(f"no response to a request of {len(oids)} OIDs") from None
            out = self._varbinds(buf)
            if out is not None:
                return out

    def _varbinds(self, buf):
        """The varbinds of a response to the current request; None for a
        late response to an earlier one."""
        _, pos, _ = _header(buf, 0)              # message
        _, _, pos = _header(buf, pos)            # version
        _, _, pos = _header(buf, pos)            # community
        tag, pos, _ = _header(buf, pos)          # PDU
        if tag != _RESPONSE:
            raise SnmpError(f"unexpected PDU type 0x{tag:02x}")
        _, s, pos = _header(buf, pos)
        if int.from_bytes(buf[s:pos], "big", signed=True) != self.request_id:
            return None
        _, s, pos = _header(buf, pos)
        status = int.from_bytes(buf[s:pos], "big")
        _, s, pos = _header(buf, pos)            # error index
        if status:
            raise SnmpError(f"error status {status} (index {buf[s:pos].hex()})")
        _, pos, end = _header(buf, pos)          # varbind list
        out = []
        while pos < end:
            _, pos, _ = _header(buf, pos)        # varbind
            _, s, pos = _header(buf, pos)
            oid = buf[s:pos]
            tag, s, pos = _header(buf, pos)
            out.append((oid, tag, buf[s:pos]))
        return out

    def walk_columns(self, columns, max_repetitions=10):
        """Walk several subtrees at once, as snmptable walks the columns of a
        table: each GETBULK names every subtree not yet finished.

        columns: dotted OIDs. Returns {column: [(index arcs, tag, raw)]}.
        With one column this is a plain GETBULK walk (snmpbulkwalk).
        """
        prefixes = [encode_oid(c) for c in columns]
        last = list(prefixes)
        rows = {c: [] for c in columns}
        active = list(range(len(columns)))
        while active:
            vbs = self.getbulk([last[i] for i in active], max_repetitions)
            if not vbs:
                raise SnmpError("an empty GETBULK response")
            done = set()
            for k, (oid, tag, raw) in enumerate(vbs):
                i = active[k % len(active)]
                if i in done:
                    continue
                if tag == END_OF_MIB_VIEW or not oid.startswith(prefixes[i]):
                    done.add(i)
                    continue
                rows[columns[i]].append((decode_arcs(oid[len(prefixes[i]):]), tag, raw))
                last[i] = oid
            active = [i for i in active if i not in done]
        return rows

    def next_in(self, column):
        """GETNEXT of a subtree: True when it holds at least one instance."""
        vbs = self.getbulk([encode_oid(column)], 1)
        return bool(vbs) and vbs[0][1] not in EXCEPTIONS and \
            vbs[0][0].startswith(encode_oid(column))
