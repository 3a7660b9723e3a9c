# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The check_class_report filter: the class's report as the files the teacher keeps."""

from __future__ import annotations

DOCUMENTATION = r"""
name: check_class_report
short_description: The class's report of tkj.mailserver.check as an HTML page or CSV
version_added: 0.14.0
author:
  - tkj.mailserver developers (@tkj-lab)
description:
  - Takes what M(tkj.mailserver.mail_check) found on each student's server and returns the class's report as the text
    of a file the teacher keeps beside the inventory.
  - V(html) - one page to open in a browser, the class at a glance (as the class table, with colours) and each server's
    checks, with the fix of each that did not pass.
  - V(csv) - for the school's grade book, a header line C(date,server,check,result,seen,fix) and one line per check of
    each server; a server that was not checked (unreachable) has one line, C(Reachable) C(FAILED).
positional: rows, format, date
options:
  _input:
    description: The mail servers' names, in the class's order.
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
  format:
    description: The file's format.
    type: str
    choices: [html, csv]
    required: true
  date:
    description: The date of the check, shown in the report, for example V(2026-12-07).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Keep the class's report as CSV
  ansible.builtin.copy:
    content: >-
      {{ groups['mail_servers'] | tkj.mailserver.check_class_report(groups['mail_servers'] | map('extract', hostvars)
         | map(attribute='check_result', default={}) | map(attribute='rows', default=none) | list, 'csv', now(fmt='%Y-%m-%d')) }}
    dest: "{{ inventory_dir }}/reports/check.csv"
    mode: "0644"
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
_value:
  description: The text of the file.
  type: str
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.tkj.mailserver.plugins.module_utils._check_report import class_results, report_csv, report_html

WRITERS = {"html": report_html, "csv": report_csv}


def check_class_report(servers, rows, file_format, date):
    """The report of ``servers`` with the ``rows`` of each (None: not checked), as ``file_format``."""
    if file_format not in WRITERS:
        raise AnsibleFilterError("check_class_report: the format is html or csv, not %r" % (file_format,))
    try:
        results = class_results(servers, rows)
    except ValueError as error:
        raise AnsibleFilterError("check_class_report: %s" % error) from None
    return WRITERS[file_format](results, str(date))


class FilterModule:
    """The tkj.mailserver filters defined in this file."""

    def filters(self):
        return {"check_class_report": check_class_report}
