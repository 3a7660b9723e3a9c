# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the pure functions of plugins/module_utils/_zone.py: serials, the serial mask, TXT quoting,
names and the rendering of one zone. The module tests (tests/unit/plugins/modules/test_bind_zone.py) cover the rest."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.tkj.mailserver.plugins.module_utils import _zone
from ansible_collections.tkj.mailserver.plugins.module_utils._errors import InputError

TODAY = datetime.date(2025, 11, 26)
SOA = dict(primary_ns=None, hostmaster=None, refresh=3600, retry=900, expire=1209600, minimum=300)
RECORDS = [
    dict(name="@", type="NS", value="ns1", priority=None, ttl=None),
    dict(name="ns1", type="A", value="26.26.26.26", priority=None, ttl=None),
]


@pytest.mark.parametrize(
    "previous, serial",
    [(None, 2025112600), (2025112600, 2025112601), (2025112505, 2025112600), (2025112699, 2025112700), (7, 2025112600)],
)
def test_next_serial(previous, serial):
    """The next serial is max(today's YYYYMMDD00, previous + 1)."""
    assert _zone.next_serial(previous, TODAY) == serial


def test_masked_finds_serial_outside_comments():
    """The serial mask skips comments and finds the serial of a multi-line or one-line SOA."""
    text = "; SOA a b ( 1\n@ IN SOA ns1 hostmaster ( ; comment 5\n 2025112603 ; serial\n 1 2 3 4 )\n"
    assert _zone.masked(text) == (text.replace("2025112603", _zone.SERIAL_MARK), 2025112603)
    assert _zone.masked("@ IN SOA a. b. ( 42 1 2 3 4 )\n")[1] == 42
    assert _zone.masked("no soa here\n") == ("no soa here\n", None)
    assert _zone.masked(None) == (None, None)


@pytest.mark.parametrize(
    "text, quoted",
    [("v=spf1 mx -all", '"v=spf1 mx -all"'), ('a "b" \\', '"a \\"b\\" \\\\"'), ("", '""'), ("\u00e9", '"\\195\\169"'),
     ("x" * 256, '"%s" "x"' % ("x" * 255))],
)
def test_quote_txt(text, quoted):
    """TXT text is quoted, escaped and split into strings of at most 255 bytes."""
    assert _zone.quote_txt(text) == quoted


def test_absolute_name_errors_are_input_errors():
    """Name errors are the shared InputError and say how to write the name."""
    assert _zone.absolute_name("@", "nida.com", "name") == "nida.com"
    assert _zone.absolute_name("Mail", "nida.com", "name") == "mail.nida.com"
    with pytest.raises(InputError, match="write 'mail' or 'mail.nida.com.'"):
        _zone.absolute_name("mail.nida.com", "nida.com", "name")
    with pytest.raises(InputError, match="is not a domain name"):
        _zone.normalize_zone("nida..com")


def test_zone_text_and_plan_serial():
    """zone_text renders with the serial mark; plan_serial keeps the serial of an unchanged file and bumps a changed one."""
    zone, text, count = _zone.zone_text("NIDA.com.", 3600, SOA, RECORDS)
    assert (zone, count) == ("nida.com", 2)
    assert "    %s ; serial\n" % _zone.SERIAL_MARK in text
    changed, serial, previous, after = _zone.plan_serial(None, text, TODAY, "/zones/db.nida.com")
    assert (changed, serial, previous) == (True, 2025112600, None)
    assert after == text.replace(_zone.SERIAL_MARK, "2025112600")
    assert _zone.plan_serial(after, text, TODAY, "/zones/db.nida.com")[:3] == (False, 2025112600, 2025112600)
    older = after.replace("26.26.26.26", "26.26.26.27")
    assert _zone.plan_serial(older, text, TODAY, "/zones/db.nida.com")[:3] == (True, 2025112601, 2025112600)


def test_zone_text_errors():
    """All bad records come in one InputError; a zone without apex NS is refused."""
    bad = RECORDS + [dict(name="a", type="A", value="x", priority=None, ttl=None), dict(name="b", type="MX", value="a", priority=None, ttl=None)]
    with pytest.raises(InputError) as error:
        _zone.zone_text("nida.com", 3600, SOA, bad)
    assert "records[2] (a A)" in str(error.value) and "records[3] (b MX)" in str(error.value)
    with pytest.raises(InputError, match="no NS record at the zone apex"):
        _zone.zone_text("nida.com", 3600, SOA, RECORDS[1:])


def test_plan_serial_overflow():
    """A serial that would pass 2**32 - 1 is refused with the path to fix by hand."""
    text = _zone.zone_text("nida.com", 3600, SOA, RECORDS)[1]
    old = "@ IN SOA a. b. ( 4294967295 1 2 3 4 )\n"
    with pytest.raises(InputError, match="set a lower serial in /zones/db.nida.com by hand"):
        _zone.plan_serial(old, text, TODAY, "/zones/db.nida.com")
