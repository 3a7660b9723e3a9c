# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The check_class_table filter: the class report of tkj.mailserver.check (module_utils/_check_report.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: check_class_table
short_description: The class at a glance, from the rows tkj.mailserver.mail_check gave for each student's server
version_added: 0.10.0
author:
  - tkj.mailserver developers (@tkj-lab)
description:
  - One line per server, in the class's order (each sends to the next, the last to the first) - its own checks
    (C(OK), or C(FAILED) with the names of the checks that failed), whether its C(Class mail) reached the next
    server (C(Sends)), and whether the previous server's reached it (C(Receives)) - and a last line naming the
    servers that need help.
  - A server given no rows (it was unreachable, so it was not checked) counts as failed.
positional: rows
options:
  _input:
    description: The servers' names, in the class's order.
    type: list
    elements: str
    required: true
  rows:
    description:
      - For each server, the RV(tkj.mailserver.mail_check#module:rows) the check gave, or V(null) when it was not
        checked (unreachable).
    type: list
    elements: raw
    required: true
"""

EXAMPLES = r"""
- name: Show the class
  ansible.builtin.debug:
    msg: >-
      {{ groups['mail_servers'] | tkj.mailserver.check_class_table(groups['mail_servers'] | map('extract', hostvars)
         | map(attribute='check_result', default={}) | map(attribute='rows', default=none) | list) }}
"""

RETURN = r"""
_value:
  description: The lines of the table.
  type: list
  elements: str
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.tkj.mailserver.plugins.module_utils._check_report import class_results, class_table


def check_class_table(servers, rows):
    """The class table of ``servers`` (names) with the ``rows`` of each (None: not checked)."""
    try:
        results = class_results(servers, rows)
    except ValueError as error:
        raise AnsibleFilterError("check_class_table: %s" % error) from None
    return class_table(results)


class FilterModule:
    """The tkj.mailserver filters defined in this file."""

    def filters(self):
        return {"check_class_table": check_class_table}
