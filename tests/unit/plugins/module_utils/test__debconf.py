# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of plugins/module_utils/_debconf.py: the File database reader and the value handling,
without a module around them."""

from __future__ import annotations

import pytest

from ansible_collections.tkj.mailserver.plugins.module_utils import _debconf
from ansible_collections.tkj.mailserver.plugins.module_utils._errors import InputError

CONFIG_DAT = """\
Name: postfix/mailname
Template: postfix/mailname
Value: mail.nida.com
Owners: postfix
Flags: seen

Name: postfix/relayhost
Template: postfix/relayhost
Owners: postfix

Name: postfix/root_address
Template: postfix/root_address
Value:\x20
Owners: postfix

Name: locales/locales_to_be_generated
Template: locales/locales_to_be_generated
Value: en_US.UTF-8 UTF-8, a\\, b
Owners: locales
Variables:
 locales = en_US.UTF-8 UTF-8
 Name: not/a-question

"""


@pytest.fixture
def database_dir(tmp_path):
    (tmp_path / "config.dat").write_text(CONFIG_DAT)
    (tmp_path / "passwords.dat").write_text("Name: mysql-server/root_password\nValue: S3cret\n\n")
    return tmp_path


def test_read_database_reads_every_stanza(database_dir):
    """Values are taken verbatim after one space; a stanza without Value is None; indented lines are skipped."""
    assert _debconf.read_database(str(database_dir / "config.dat")) == {
        "postfix/mailname": "mail.nida.com",
        "postfix/relayhost": None,
        "postfix/root_address": "",
        "locales/locales_to_be_generated": "en_US.UTF-8 UTF-8, a\\, b",
    }


def test_read_database_of_a_missing_file_is_empty(tmp_path):
    assert _debconf.read_database(str(tmp_path / "config.dat")) == {}


@pytest.mark.parametrize("stored, choices", [
    ("a, b", ["a", "b"]),
    ("a\\, b, c", ["a, b", "c"]),
    ("a,b", ["a,b"]),
    ("", []),
])
def test_debconf_split(stored, choices):
    assert _debconf.debconf_split(stored) == choices


def test_debconf_join_escapes_commas_in_a_choice():
    assert _debconf.debconf_join(["x,y", "z"]) == "x\\,y, z"


@pytest.mark.parametrize("question_type, value, stored", [
    ("boolean", "Yes", "true"),
    ("boolean", 0, "false"),
    ("multiselect", "b, a", "b, a"),
    ("multiselect", ["x,y", "z"], "x\\,y, z"),
    ("string", 5242880, "5242880"),
    ("string", "text\n", "text"),
    ("password", "", ""),
])
def test_normalise_value(question_type, value, stored):
    assert _debconf.normalise_value("pkg/q", question_type, value) == stored


@pytest.mark.parametrize("question_type, value, message", [
    ("boolean", "maybe", "question pkg/q: boolean value 'maybe' is not a boolean"),
    ("select", " ", "question pkg/q: select value must not be empty"),
    ("string", "a\nb", "question pkg/q: value contains a line break"),
    ("string", "a\\", "question pkg/q: value ends with a backslash"),
    ("multiselect", 3, "question pkg/q: multiselect value 3 must be a list"),
])
def test_normalise_value_raises_input_error(question_type, value, message):
    with pytest.raises(InputError) as raised:
        _debconf.normalise_value("pkg/q", question_type, value)
    assert str(raised.value).startswith(message)


def test_wanted_answers_checks_names_and_duplicates():
    question = {"question": "postfix/mailname", "type": "string", "value": "x"}
    assert _debconf.wanted_answers("postfix", [question]) == [("postfix/mailname", "string", "x")]
    with pytest.raises(InputError, match="question postfix/mailname is listed more than once"):
        _debconf.wanted_answers("postfix", [question, question])
    with pytest.raises(InputError, match="package 'Postfix' is not a Debian package name"):
        _debconf.wanted_answers("Postfix", [question])
    with pytest.raises(InputError, match="question 'mailname': a debconf question name is owner/name"):
        _debconf.wanted_answers("postfix", [dict(question, question="mailname")])


def test_read_current_normalises_multiselect_and_reads_passwords(database_dir):
    wanted = [("locales/locales_to_be_generated", "multiselect", "x"), ("postfix/unset", "string", "x"),
              ("mysql-server/root_password", "password", "x")]
    assert _debconf.read_current(wanted, str(database_dir)) == {
        "locales/locales_to_be_generated": "en_US.UTF-8 UTF-8, a\\, b",
        "postfix/unset": None,
        "mysql-server/root_password": "S3cret",
    }


def test_read_current_marks_unreadable_passwords(database_dir, monkeypatch):
    real_read_database = _debconf.read_database

    def read_database(path):
        if path.endswith("/passwords.dat"):
            raise PermissionError(13, "Permission denied", path)
        return real_read_database(path)

    monkeypatch.setattr(_debconf, "read_database", read_database)
    current = _debconf.read_current([("mysql-server/root_password", "password", "x")], str(database_dir))
    assert current == {"mysql-server/root_password": _debconf.PasswordsUnreadable}
    assert _debconf.shown("password", current["mysql-server/root_password"]) == _debconf.PASSWORD_MASK


def test_read_current_of_an_unreadable_config_dat_is_an_input_error(tmp_path):
    (tmp_path / "config.dat").mkdir()
    with pytest.raises(InputError, match="cannot read the debconf database %s/config.dat" % tmp_path):
        _debconf.read_current([("postfix/mailname", "string", "x")], str(tmp_path))


def test_shown_masks_only_passwords():
    assert _debconf.shown("password", "S3cret") == "********"
    assert _debconf.shown("password", None) is None
    assert _debconf.shown("string", "S3cret") == "S3cret"
