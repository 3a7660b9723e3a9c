# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A DNS stub client for tkj.mailserver's checks: one question to one server over UDP and, when the
answer comes truncated, over TCP (RFC 1035, sections 4.1 and 4.2.2).

Written here, not taken from a library: ansible-core has no DNS client, and the host the checks run
from (a student's laptop, a lab client) may not have dnspython. It asks for the record types a mail
system's checks need (A, NS, CNAME, PTR, MX, TXT) and decodes only those."""

from __future__ import annotations

import random
import socket
import struct

from ansible_collections.tkj.mailserver.plugins.module_utils._errors import InputError

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16}
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}
TYPE_NAMES = {number: name for name, number in TYPES.items()}


class DnsError(Exception):
    """A server that gave no usable answer: it timed out, refused the connection or sent garbage."""


def encode_name(name):
    """``name`` in wire format (RFC 1035 3.1); an InputError for a name DNS cannot carry."""
    labels = [label for label in str(name).rstrip(".").split(".") if label] if name not in (".", "") else []
    wire = b""
    for label in labels:
        raw = label.encode("idna") if not label.isascii() else label.encode("ascii")
        if len(raw) > 63:
            raise InputError("the DNS name %s has a label longer than 63 characters" % name)
        wire += bytes([len(raw)]) + raw
    wire += b"\0"
    if len(wire) > 255:
        raise InputError("the DNS name %s is longer than 253 characters" % name)
    return wire


def build_query(ident, name, rtype):
    """A query message for ``name`` and ``rtype`` (recursion desired, so a resolver answers too)."""
    header = struct.pack(">HHHHHH", ident, 0x0100, 1, 0, 0, 0)
    return header + encode_name(name) + struct.pack(">HH", TYPES[rtype], 1)


def read_name(message, offset):
    """The name at ``offset`` in ``message``, following compression pointers; the name and the
    offset just after it where it was written."""
    labels, end, jumps = [], None, 0
    while True:
        if offset >= len(message):
            raise DnsError("a name runs past the end of the answer")
        length = message[offset]
        if length & 0xC0 == 0xC0:
            if offset + 1 >= len(message) or jumps > 64:
                raise DnsError("a name in the answer has a broken compression pointer")
            if end is None:
                end = offset + 2
            offset, jumps = ((length & 0x3F) << 8) | message[offset + 1], jumps + 1
            continue
        offset += 1
        if length == 0:
            break
        labels.append(message[offset:offset + length].decode("ascii", "replace"))
        offset += length
    return ".".join(labels).lower() + ".", end if end is not None else offset


def _rdata(message, rtype, offset, length):
    """The decoded data of one record: a str, or (preference, host) for MX."""
    data = message[offset:offset + length]
    if rtype == TYPES["A"]:
        if length != 4:
            raise DnsError("an A record of %d bytes" % length)
        return socket.inet_ntoa(data)
    if rtype in (TYPES["NS"], TYPES["CNAME"], TYPES["PTR"]):
        return read_name(message, offset)[0]
    if rtype == TYPES["MX"]:
        return (struct.unpack(">H", data[:2])[0], read_name(message, offset + 2)[0])
    if rtype == TYPES["TXT"]:
        # One record of several character-strings is one text (RFC 7208 3.3): joined.
        strings, position = [], 0
        while position < len(data):
            size = data[position]
            strings.append(data[position + 1:position + 1 + size])
            position += 1 + size
        return b"".join(strings).decode("utf-8", "replace")
    return data.hex()


def parse_response(message, ident):
    """The answer to query ``ident``: {"rcode": "NOERROR", "truncated": bool, "authoritative": bool,
    "answers": [(owner, type name, value), ...]}."""
    if len(message) < 12:
        raise DnsError("an answer of %d bytes, shorter than a DNS header" % len(message))
    got, flags, questions, answers = struct.unpack(">HHHH", message[:8])
    if got != ident or not flags & 0x8000:
        raise DnsError("the answer is not for this question")
    offset = 12
    for _question in range(questions):
        offset = read_name(message, offset)[1] + 4
    records = []
    for _answer in range(answers):
        owner, offset = read_name(message, offset)
        if offset + 10 > len(message):
            raise DnsError("a record runs past the end of the answer")
        rtype, _rclass, _ttl, length = struct.unpack(">HHIH", message[offset:offset + 10])
        offset += 10
        if offset + length > len(message):
            raise DnsError("a record runs past the end of the answer")
        records.append((owner, TYPE_NAMES.get(rtype, str(rtype)), _rdata(message, rtype, offset, length)))
        offset += length
    return {"rcode": RCODES.get(flags & 0xF, str(flags & 0xF)), "truncated": bool(flags & 0x0200),
            "authoritative": bool(flags & 0x0400), "answers": records}


def _over_tcp(server, port, query, timeout):
    """Send ``query`` over TCP (two-byte length prefix) and read the whole answer."""
    with socket.create_connection((server, port), timeout=timeout) as connection:
        connection.sendall(struct.pack(">H", len(query)) + query)
        data = b""
        while len(data) < 2 or len(data) < 2 + struct.unpack(">H", data[:2])[0]:
            chunk = connection.recv(65535)
            if not chunk:
                raise DnsError("the server closed the TCP connection mid-answer")
            data += chunk
    return data[2:2 + struct.unpack(">H", data[:2])[0]]


def query(server, name, rtype, timeout=5.0, port=53, tcp=False):
    """Ask ``server`` for ``name`` ``rtype``: the parsed answer (see parse_response). DnsError when no
    usable answer came (within ``timeout`` seconds per try, two tries over UDP)."""
    ident = random.randint(0, 0xFFFF)
    message = build_query(ident, name, rtype)
    try:
        if not tcp:
            with socket.socket(socket.AF_INET6 if ":" in server else socket.AF_INET, socket.SOCK_DGRAM) as udp:
                udp.settimeout(timeout)
                for attempt in (1, 2):
                    udp.sendto(message, (server, port))
                    try:
                        answer = parse_response(udp.recvfrom(65535)[0], ident)
                        break
                    except socket.timeout:
                        if attempt == 2:
                            raise
                    except DnsError:
                        if attempt == 2:
                            raise
            if not answer["truncated"]:
                return answer
        return parse_response(_over_tcp(server, port, message, timeout), ident)
    except socket.timeout:
        raise DnsError("no answer from %s within %.0f s" % (server, timeout)) from None
    except OSError as error:
        raise DnsError("no answer from %s: %s" % (server, error.strerror or error)) from None


def values(answer, rtype):
    """The values of the ``rtype`` records in ``answer`` (a CNAME before them is left out)."""
    return [value for _owner, kind, value in answer["answers"] if kind == rtype]


def reverse_name(address):
    """The in-addr.arpa name of an IPv4 address."""
    return ".".join(reversed(address.split("."))) + ".in-addr.arpa."


def resolv_conf_servers(path="/etc/resolv.conf"):
    """The name servers of ``path`` (this host's resolver), in order."""
    servers = []
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                fields = line.split()
                if len(fields) >= 2 and fields[0] == "nameserver":
                    servers.append(fields[1].split("%")[0])
    except OSError:
        return []
    return servers
