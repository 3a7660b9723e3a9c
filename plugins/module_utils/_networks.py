# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Private helpers of the network_check filter: read the networks of Postfix's mynetworks and of BIND's
address match lists with Python's ipaddress, and tell which reach beyond private, loopback and link-local
space. A guard that compares spellings with a fixed list misses 0.0.0.0/00 or 0.0.0.0/1 + 128.0.0.0/1;
one that parses the value sees what it means."""

from __future__ import annotations

import ipaddress

# The address space a lab or a school's own network uses: private (RFC 1918, RFC 4193), loopback and
# link-local. A network inside one of these cannot let the internet relay mail or recurse.
LOCAL_NETWORKS = tuple(ipaddress.ip_network(network) for network in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16",
    "::1/128", "fc00::/7", "fe80::/10"))
# BIND's named address match lists: any is every address; the others are narrower than what they name.
BIND_ANY = "any"
BIND_NAMED_LISTS = ("none", "localhost", "localnets")
SYNTAXES = ("postfix", "bind")


def parse_postfix(entry):
    """The network of a mynetworks entry (192.168.10.0/24, 192.168.10.5, [2001:db8::]/64, [::1]); ValueError
    for anything else. Postfix wants IPv6 in brackets and refuses host bits set under the prefix."""
    text = entry.strip()
    if text.startswith("["):
        address, bracket, prefix = text[1:].partition("]")
        if not bracket or (prefix and not prefix.startswith("/")) or ipaddress.ip_address(address).version != 6:
            raise ValueError(entry)
        return ipaddress.IPv6Network(address + prefix)
    return ipaddress.IPv4Network(text)


def parse_bind(entry):
    """The network of an address match list element (10.20.0.0/24, 2001:db8::/32, 10.20.0.7), or None for
    BIND's named lists and for a negated element (!...), which only narrows; ValueError for anything else."""
    text = entry.strip()
    if text.lower() in BIND_NAMED_LISTS or text.startswith("!"):
        if text.startswith("!"):
            parse_bind(text[1:])
        return None
    if text.lower() == BIND_ANY:
        return ipaddress.ip_network("0.0.0.0/0")
    return ipaddress.ip_network(text)


def is_local(network):
    """Whether ``network`` lies wholly inside private, loopback or link-local space."""
    return any(network.version == local.version and network.subnet_of(local) for local in LOCAL_NETWORKS)


def check_networks(entries, syntax):
    """``{'invalid': [...], 'public': [...]}``: the entries that are not networks in ``syntax`` (postfix or
    bind), and those that reach beyond private, loopback and link-local space, each in the order given."""
    if syntax not in SYNTAXES:
        raise ValueError("syntax must be one of %s, not %r" % (", ".join(SYNTAXES), syntax))
    parse = parse_postfix if syntax == "postfix" else parse_bind
    invalid, public = [], []
    for entry in entries:
        try:
            network = parse(str(entry))
        except ValueError:
            invalid.append(entry)
            continue
        if network is not None and not is_local(network):
            public.append(entry)
    return {"invalid": invalid, "public": public}
