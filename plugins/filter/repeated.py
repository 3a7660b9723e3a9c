# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The repeated filter: the items of a list that stand in it more than once."""

from __future__ import annotations

DOCUMENTATION = r"""
name: repeated
short_description: The items that stand more than once in a list
version_added: 0.3.0
author:
  - tkj.mailserver developers (@tkj-lab)
description:
  - Returns each item of the input list that is equal to another item of it, once, in the order of first appearance.
  - Items are compared with C(==), so mappings such as DNS records work as well as strings.
options:
  _input:
    description: The list.
    type: list
    elements: raw
    required: true
"""

EXAMPLES = r"""
- name: Check that no record is given twice
  ansible.builtin.assert:
    that: zone.records | tkj.mailserver.repeated | length == 0
    fail_msg: "{{ zone.records | tkj.mailserver.repeated }} stand more than once"
"""

RETURN = r"""
_value:
  description: The repeated items, each once.
  type: list
  elements: raw
  sample: [mail]
"""

from ansible.errors import AnsibleFilterError


def repeated(items):
    """The items of ``items`` that are equal to an earlier item, each once, in order."""
    if not isinstance(items, (list, tuple)):
        raise AnsibleFilterError("repeated: expected a list, got %s" % type(items).__name__)
    seen, result = [], []
    for item in items:
        if item in seen and item not in result:
            result.append(item)
        seen.append(item)
    return result


class FilterModule:
    """The tkj.mailserver filters defined in this file."""

    def filters(self):
        return {"repeated": repeated}
