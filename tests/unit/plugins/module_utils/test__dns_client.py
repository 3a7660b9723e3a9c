# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the DNS stub client: answers built byte by byte, and a server on 127.0.0.1 that
answers UDP truncated so that the client asks again over TCP."""

from __future__ import annotations

import socket
import struct
import threading

import pytest

from ansible_collections.tkj.mailserver.plugins.module_utils import _dns_client as dns
from ansible_collections.tkj.mailserver.plugins.module_utils._errors import InputError


def answer(query, records, flags=0x8580):
    """A response to ``query`` with ``records`` [(type number, rdata)], each owned by the question's
    name through a compression pointer to offset 12."""
    ident = struct.unpack(">H", query[:2])[0]
    question = query[12:]
    body = b"".join(struct.pack(">HHHIH", 0xC00C, rtype, 1, 300, len(rdata)) + rdata for rtype, rdata in records)
    return struct.pack(">HHHHHH", ident, flags, 1, len(records), 0, 0) + question + body


def test_query_is_a_question_for_the_name_and_type():
    query = dns.build_query(0x1234, "mail.nida.com", "MX")
    assert query[:12] == struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
    assert query[12:] == b"\x04mail\x04nida\x03com\x00" + struct.pack(">HH", 15, 1)


@pytest.mark.parametrize("name, error", [("a" * 64 + ".nida.com", "longer than 63"), (("abcdefghi." * 26) + "com", "longer than 253")])
def test_names_dns_cannot_carry_are_refused(name, error):
    with pytest.raises(InputError, match=error):
        dns.encode_name(name)


def test_mx_a_ptr_and_txt_answers_are_decoded():
    query = dns.build_query(7, "nida.com", "MX")
    # MX 10 mail.<the question's name>: "mail" then a pointer to offset 12.
    mx = struct.pack(">H", 10) + b"\x04mail\xc0\x0c"
    txt = b"\x05v=spf" + b"\x09 mx -all"  # two character-strings of one record: joined
    reply = answer(query, [(15, mx), (1, socket.inet_aton("172.30.28.20")), (12, b"\x04mail\xc0\x0c"), (16, txt)])
    parsed = dns.parse_response(reply, 7)
    assert parsed["rcode"] == "NOERROR" and parsed["authoritative"] and not parsed["truncated"]
    assert dns.values(parsed, "MX") == [(10, "mail.nida.com.")]
    assert dns.values(parsed, "A") == ["172.30.28.20"]
    assert dns.values(parsed, "PTR") == ["mail.nida.com."]
    assert dns.values(parsed, "TXT") == ["v=spf mx -all"]


def test_nxdomain_is_an_answer_without_values():
    query = dns.build_query(9, "nope.nida.com", "A")
    parsed = dns.parse_response(answer(query, [], flags=0x8583), 9)
    assert parsed["rcode"] == "NXDOMAIN" and dns.values(parsed, "A") == []


@pytest.mark.parametrize("reply, error", [
    (b"\x00\x07\x81", "shorter than a DNS header"),
    (struct.pack(">HHHHHH", 8, 0x8180, 0, 0, 0, 0), "not for this question"),
    (struct.pack(">HHHHHH", 7, 0x8180, 0, 1, 0, 0) + b"\xc0\x0c", "compression pointer|past the end"),
    (struct.pack(">HHHHHH", 7, 0x8180, 0, 1, 0, 0) + b"\x00" + struct.pack(">HHIH", 1, 1, 1, 9) + b"\x01", "past the end"),
])
def test_broken_answers_are_errors_not_crashes(reply, error):
    with pytest.raises(dns.DnsError, match=error):
        dns.parse_response(reply, 7)


def test_reverse_name_and_resolv_conf(tmp_path):
    assert dns.reverse_name("172.30.28.20") == "20.28.30.172.in-addr.arpa."
    conf = tmp_path / "resolv.conf"
    conf.write_text("# lab\nsearch nida.com\nnameserver 172.30.28.10\nnameserver fe80::1%eth0\noptions ndots:1\n")
    assert dns.resolv_conf_servers(str(conf)) == ["172.30.28.10", "fe80::1"]
    assert dns.resolv_conf_servers(str(tmp_path / "missing")) == []


@pytest.fixture
def server():
    """A DNS server on 127.0.0.1 (UDP and TCP, same port) whose UDP answers are truncated and empty
    and whose TCP answer carries the A record; the port and the questions it got, by transport."""
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    port = udp.getsockname()[1]
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind(("127.0.0.1", port))
    tcp.listen(1)
    asked = []

    def serve_udp():
        query, peer = udp.recvfrom(512)
        asked.append("udp")
        udp.sendto(answer(query, [], flags=0x8780), peer)

    def serve_tcp():
        connection, _peer = tcp.accept()
        with connection:
            length = struct.unpack(">H", connection.recv(2))[0]
            query = connection.recv(length)
            asked.append("tcp")
            reply = answer(query, [(1, socket.inet_aton("172.30.28.20"))])
            connection.sendall(struct.pack(">H", len(reply)) + reply)

    threads = [threading.Thread(target=serve_udp, daemon=True), threading.Thread(target=serve_tcp, daemon=True)]
    for thread in threads:
        thread.start()
    yield port, asked
    udp.close()
    tcp.close()


def test_truncated_udp_answer_is_asked_again_over_tcp(server):
    port, asked = server
    parsed = dns.query("127.0.0.1", "mail.nida.com", "A", timeout=5, port=port)
    assert asked == ["udp", "tcp"]
    assert dns.values(parsed, "A") == ["172.30.28.20"]


def test_a_server_that_does_not_answer_is_a_dns_error():
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    try:
        with pytest.raises(dns.DnsError, match="no answer from 127.0.0.1 within"):
            dns.query("127.0.0.1", "nida.com", "MX", timeout=0.2, port=silent.getsockname()[1])
    finally:
        silent.close()
