# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the check_class_table filter (the table itself: test__mail_check.py)."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.tkj.mailserver.plugins.filter.check_class_table import check_class_table

OK_ROWS = [{"check": "Services", "status": "ok", "detail": "", "fix": ""},
           {"check": "Class mail", "status": "ok", "detail": "", "fix": ""}]


def test_pairs_each_server_with_its_rows_in_order():
    lines = check_class_table(["siswa01", "siswa02"], [OK_ROWS, None])
    assert lines[2].split() == ["siswa01", "OK", "OK", "-", "none"]
    assert lines[3].split(None, 4) == ["siswa02", "FAILED", "-", "OK", "not checked: unreachable"]
    assert lines[-1] == "Needs help: siswa02"


@pytest.mark.parametrize("servers, rows", [(["siswa01"], []), ("siswa01", [OK_ROWS]), (["siswa01"], None)])
def test_refuses_rows_that_do_not_match_the_servers(servers, rows):
    with pytest.raises(AnsibleFilterError, match="^check_class_table: expected the servers' names"):
        check_class_table(servers, rows)
