# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the repeated filter."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.tkj.mailserver.plugins.filter.repeated import repeated


def test_repeated_lists_each_repeated_item_once_in_order():
    """Strings and mappings (records) that stand more than once, each once, in the order they first repeat."""
    record = {"name": "mail", "type": "A", "value": "26.26.26.26"}
    assert repeated(["@", "mail", "www", "mail", "@", "mail"]) == ["mail", "@"]
    assert repeated([record, {"name": "@", "type": "NS", "value": "mail"}, dict(record)]) == [record]
    assert repeated([]) == []


def test_repeated_refuses_what_is_not_a_list():
    """A mapping or a string is an error naming the filter."""
    with pytest.raises(AnsibleFilterError, match="^repeated: expected a list, got str"):
        repeated("mail")
