# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the private main.cf/master.cf helpers of tkj.mailserver (module_utils/_postfix.py and
the output handling of module_utils/_postfix_commands.py), without a module around them."""

from __future__ import annotations

import pytest
from ansible_collections.tkj.mailserver.plugins.module_utils import _postfix, _postfix_commands
from ansible_collections.tkj.mailserver.plugins.module_utils._errors import InputError

MASTER_LINES = """\
# service type  private unpriv  chroot  wakeup  maxproc command + args
smtp      inet  n       -       y       -       -       smtpd
#submission inet n       -       y       -       -       smtpd
#  -o syslog_name=postfix/submission
#     a comment inside the block
#  -o smtpd_client_restrictions=
# the next block
relay     unix  -       -       y       -       -       smtp
        -o syslog_name=postfix/$service_name
  -o { smtp_helo_name = a b }
dovecot   unix  -       n       n       -       -       pipe
  flags=DRhu user=vmail argv=/usr/lib/dovecot/deliver -d ${recipient}
""".splitlines(True)


def service(**fields):
    """A wanted master.cf entry with Postfix's defaults for the fields not given."""
    entry = {"name": "smtps", "type": "inet", "private": "-", "unprivileged": "-", "chroot": "-",
             "wakeup": "-", "maxproc": "-", "command": "smtpd", "options": {}, "state": "present"}
    entry.update(fields)
    return entry


@pytest.mark.parametrize("value, expected", [
    ("a, b", "a b"), ("a,b", "a b"), ("  a \t b ,, c ", "a b c"), ("", ""),
])
def test_normalise_treats_commas_and_whitespace_alike(value, expected):
    """Commas and any run of whitespace are one list separator."""
    assert _postfix.normalise(value) == expected


@pytest.mark.parametrize("value, separator, expected", [
    (True, ", ", "yes"), (False, ", ", "no"), (52428800, ", ", "52428800"), (" Maildir/ ", ", ", "Maildir/"),
    (["a", 1, True], ", ", "a, 1, yes"), (["a", "b"], ",", "a,b"),
])
def test_to_postfix_text(value, separator, expected):
    """Module values become one-line Postfix text; booleans yes/no, lists joined with the separator."""
    assert _postfix.to_postfix_text("settings.x", value, separator) == expected


@pytest.mark.parametrize("value, message", [
    (None, "settings.x: expected a string, number, boolean or list, got NoneType"),
    ("a\rb", "settings.x: the value contains a newline; give a one-line value or a list"),
])
def test_to_postfix_text_rejects_with_the_shared_error(value, message):
    """Bad values raise the collection's one InputError, naming the option."""
    with pytest.raises(InputError, match="^" + message.replace("(", r"\(") + "$"):
        _postfix.to_postfix_text("settings.x", value, ", ")


def test_parse_main_cf_joins_continuations_and_keeps_every_setting():
    """Continuation lines belong to their parameter, comments and blank lines do not end it, repeats are kept."""
    lines = "a = 1\n# note\n\n  2\nb=x\na = 3\n".splitlines(True)

    assert _postfix.parse_main_cf(lines) == {"a": [(0, 4, "1 2"), (5, 6, "3")], "b": [(4, 5, "x")]}


def test_apply_edits_replaces_removes_and_appends():
    """Edits apply to the original line numbers; an appended line gets a newline before it when the file lacks one."""
    lines = ["a\n", "b\n", "c"]

    assert _postfix.apply_edits(lines, [(0, 1, ["A\n"]), (1, 2, [])], ["d\n"]) == "A\nc\nd\n"


def test_split_words_keeps_braced_values_whole():
    """A { ... } word, with its own whitespace and nested braces, is one word."""
    assert _postfix.split_words("-o { a = b {c} d }  -o x=y") == ["-o", "{ a = b {c} d }", "-o", "x=y"]


def test_parse_master_cf_active_and_commented_entries():
    """Active entries carry their -o overrides and arguments; a commented block ends at its last commented argument."""
    active, commented = _postfix.parse_master_cf(MASTER_LINES)

    assert [(first, end, entry["name"]) for first, end, entry in active] == [(1, 2, "smtp"), (7, 10, "relay"), (10, 12, "dovecot")]
    assert active[1][2]["options"] == {"syslog_name": "postfix/$service_name", "smtp_helo_name": "a b"}
    assert active[2][2]["command"] == "pipe flags=DRhu user=vmail argv=/usr/lib/dovecot/deliver -d ${recipient}"
    assert commented == [(2, 6, "submission", "inet")]


def test_rendered_service_parses_back_to_the_same_entry():
    """render_service writes what parse_master_cf reads as an equal entry, braced values included."""
    wanted = service(name="dovecot", type="unix", unprivileged="n", chroot="n",
                     command="pipe flags=DRhu argv=/usr/bin/deliver -d ${recipient}",
                     options={"syslog_name": "postfix/dovecot", "smtpd_client_restrictions": "permit_mynetworks, reject"})

    lines = _postfix.render_service(wanted)
    (_first, _end, parsed), = _postfix.parse_master_cf(lines)[0]

    assert lines[1:] == ["  -o syslog_name=postfix/dovecot\n", "  -o { smtpd_client_restrictions = permit_mynetworks, reject }\n",
                         "  flags=DRhu argv=/usr/bin/deliver -d ${recipient}\n"]
    assert _postfix.same_service(parsed, wanted)
    assert not _postfix.same_service(parsed, dict(wanted, maxproc="1"))


def test_parse_postconf_output():
    """Every 'name = value' line of postconf's output, an empty value included; other lines are ignored."""
    output = "biff = yes\nhome_mailbox =\nmydestination = $myhostname, localhost\nnot a parameter\n"

    assert _postfix.parse_postconf_output(output) == {"biff": "yes", "home_mailbox": "", "mydestination": "$myhostname, localhost"}


def test_postfix_config_raises_the_shared_input_error():
    """PostfixConfig rejects an unknown name with the collection's InputError, suggesting the closest name."""
    params = {"settings": {"home_mailbx": "Maildir/"}, "reset": [], "services": []}

    with pytest.raises(InputError, match=r"^settings: unknown Postfix parameter 'home_mailbx'; did you mean home_mailbox\?$"):
        _postfix.PostfixConfig(params, {"home_mailbox": ""}, [], [])


def test_postfix_config_edits_both_files():
    """PostfixConfig gives the new text of both files and what changed, without touching anything else."""
    params = {"settings": {"biff": False}, "reset": ["relayhost"], "services": [service()]}
    config = _postfix.PostfixConfig(params, {"biff": "yes", "relayhost": "x"}, ["biff = yes\n", "relayhost = x\n"], list(MASTER_LINES))

    main_text, changes = config.main_cf_text()
    master_text, changed = config.master_cf_text()

    assert (main_text, changes) == ("biff = no\n", [{"name": "biff", "before": "yes", "after": "no"},
                                                    {"name": "relayhost", "before": "x", "after": None}])
    assert (master_text, changed) == ("".join(MASTER_LINES) + "smtps     inet  -       -       -       -       -       smtpd\n", ["smtps/inet"])


def test_unique_lines_drops_repeats_and_blanks():
    """postfix check repeats its warnings; each line is kept once, in order, stripped."""
    assert _postfix_commands.unique_lines("b\n\n a \nb\r\n") == ["b", "a"]
