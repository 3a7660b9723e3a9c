# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The network_check filter: which networks of a list are not networks, and which reach the internet."""

from __future__ import annotations

DOCUMENTATION = r"""
name: network_check
short_description: The entries of a network list that are not networks, and those that reach beyond local space
version_added: 0.12.0
author:
  - tkj.mailserver developers (@tkj-lab)
description:
  - Reads each entry with Python's C(ipaddress), so that a guard judges what a network means, not how it is spelled
    (C(0.0.0.0/00), or C(0.0.0.0/1) with C(128.0.0.0/1), are every address as much as C(0.0.0.0/0) is).
  - An entry is public when it reaches beyond private (RFC 1918, RFC 4193), loopback and link-local space.
options:
  _input:
    description: The networks, as Postfix's C(mynetworks) or BIND's address match lists write them.
    type: list
    elements: str
    required: true
  syntax:
    description:
      - V(postfix) - C(192.168.10.0/24), C(192.168.10.5), C([2001:db8::]/64), C([::1]).
      - V(bind) - C(10.20.0.0/24), C(2001:db8::/32), C(any) (every address), C(none), C(localhost), C(localnets),
        and negated elements (C(!10.20.0.9)), which only narrow the list.
    type: str
    choices: [postfix, bind]
    required: true
"""

EXAMPLES = r"""
- name: Refuse an open relay
  ansible.builtin.assert:
    that: (postfix_mynetworks | tkj.mailserver.network_check('postfix')).public | length == 0
"""

RETURN = r"""
_value:
  description: C(invalid), the entries that are not networks, and C(public), the networks that reach beyond local space.
  type: dict
  sample: {invalid: [lab-network], public: [0.0.0.0/1, 128.0.0.0/1]}
"""

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.collections import is_sequence
from ansible_collections.tkj.mailserver.plugins.module_utils._networks import SYNTAXES, check_networks


def network_check(entries, syntax):
    """check_networks() for Jinja, with the filter's own errors."""
    if not is_sequence(entries):
        raise AnsibleFilterError("network_check: expected a list of networks, got %s" % type(entries).__name__)
    if syntax not in SYNTAXES:
        raise AnsibleFilterError("network_check: syntax must be one of %s, got %s" % (", ".join(SYNTAXES), syntax))
    return check_networks(entries, syntax)


class FilterModule:
    """The tkj.mailserver filters defined in this file."""

    def filters(self):
        return {"network_check": network_check}
