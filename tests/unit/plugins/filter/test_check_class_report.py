# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the check_class_report filter: the class's report as CSV for a grade book and as HTML."""

from __future__ import annotations

import csv
import io

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.tkj.mailserver.plugins.filter.check_class_report import check_class_report
from ansible_collections.tkj.mailserver.plugins.module_utils._check_report import FAILED, OK, row

ROWS = [[row("DNS", OK, "MX 10 mail.siswa01.lab."), row("Class mail", OK, "sent")],
        [row("SMTP 25", FAILED, "refused <b>", "systemctl start postfix"), row("Class mail", FAILED, "not sent", "see SMTP 25")],
        None]


def test_the_csv_has_a_line_per_check_and_the_fixes_of_failures():
    lines = list(csv.DictReader(io.StringIO(check_class_report(["siswa01", "siswa02", "siswa03"], ROWS, "csv", "2026-12-07"))))
    assert [(line["server"], line["check"], line["result"]) for line in lines] == [
        ("siswa01", "DNS", "OK"), ("siswa01", "Class mail", "OK"), ("siswa02", "SMTP 25", "FAILED"), ("siswa02", "Class mail", "FAILED"),
        ("siswa03", "Reachable", "FAILED")]
    assert lines[2]["fix"] == "systemctl start postfix" and lines[0]["fix"] == "" and {line["date"] for line in lines} == {"2026-12-07"}
    assert lines[4]["seen"] == "not checked: unreachable"


def test_the_html_escapes_what_the_checks_saw_and_shows_the_class():
    page = check_class_report(["siswa01", "siswa02", "siswa03"], ROWS, "html", "2026-12-07")
    assert "refused &lt;b&gt;" in page and "refused <b>" not in page
    assert '<tr><td>siswa02</td><td class="FAILED">FAILED</td><td class="FAILED">FAILED</td><td class="OK">OK</td><td>SMTP 25</td></tr>' in page
    assert page.count("<h2 ") == 3


def test_a_wrong_format_or_list_is_refused():
    with pytest.raises(AnsibleFilterError, match="the format is html or csv, not 'pdf'"):
        check_class_report(["siswa01"], [None], "pdf", "2026-12-07")
    with pytest.raises(AnsibleFilterError, match="expected the servers' names"):
        check_class_report(["siswa01"], [], "csv", "2026-12-07")
