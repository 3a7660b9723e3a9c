# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of tkj.mailserver.postconf: the real main() against a fake /etc/postfix in tmp_path, with
``postconf`` emulated through AnsibleModule.run_command and ``postfix check`` through run_on_terminal."""

from __future__ import annotations

import hashlib
import os
import re

import pytest
from ansible.module_utils.basic import AnsibleModule
from ansible_collections.tkj.mailserver.plugins.module_utils import _postfix_commands

MAIN_CF = """\
# See /usr/share/postfix/main.cf.dist for a commented, more complete version

smtpd_banner = $myhostname ESMTP $mail_name (Debian/GNU)
biff = no

# TLS parameters
smtpd_tls_security_level=may
smtp_tls_CApath=/etc/ssl/certs

myhostname = mail.nida.com
mydestination = $myhostname, mail.nida.com, localhost.localdomain, , localhost
relayhost = smtp.example.net
mynetworks = 127.0.0.0/8 [::ffff:127.0.0.0]/104
    [::1]/128
smtpd_sasl_auth_enable = yes
inet_interfaces = all
"""

MASTER_CF = """\
# ==========================================================================
# service type  private unpriv  chroot  wakeup  maxproc command + args
# ==========================================================================
smtp      inet  n       -       y       -       -       smtpd
# Choose one: enable submission for loopback clients only, or for any client.
#127.0.0.1:submission inet n -   y       -       -       smtpd
#submission inet n       -       y       -       -       smtpd
#  -o syslog_name=postfix/submission
#  -o smtpd_tls_security_level=encrypt
#     Instead of specifying complex smtpd_<xxx>_restrictions here,
#     specify "smtpd_<xxx>_restrictions=$mua_<xxx>_restrictions"
#  -o smtpd_client_restrictions=
#  -o milter_macro_daemon_name=ORIGINATING
# Choose one: enable submissions for loopback clients only, or for any client.
#submissions     inet  n       -       y       -       -       smtpd
#  -o syslog_name=postfix/submissions
pickup    unix  n       -       y       60      1       pickup
relay     unix  -       -       y       -       -       smtp
        -o syslog_name=postfix/$service_name
#       -o smtp_helo_timeout=5 -o smtp_connect_timeout=5
maildrop  unix  -       n       n       -       -       pipe
  flags=DRXhu user=vmail argv=/usr/bin/maildrop -d ${recipient}
"""

# What `postconf` lists for the fake Postfix (raw defaults); main.cf values override them.
DEFAULTS = {
    "alias_database": "hash:/etc/aliases",
    "biff": "yes",
    "home_mailbox": "",
    "inet_interfaces": "all",
    "inet_protocols": "all",
    "mailbox_command": "",
    "maildrop_destination_recipient_limit": "$default_destination_recipient_limit",
    "maildrop_time_limit": "$command_time_limit",
    "message_size_limit": "10240000",
    "milter_macro_daemon_name": "$myhostname",
    "mydestination": "$myhostname, localhost.$mydomain, localhost",
    "relay_destination_recipient_limit": "$default_destination_recipient_limit",
    "relay_domains": "",
    "myhostname": "localhost",
    "mynetworks": "127.0.0.0/8",
    "relayhost": "",
    "smtp_tls_CApath": "",
    "smtpd_banner": "$myhostname ESMTP $mail_name",
    "smtpd_client_restrictions": "",
    "smtpd_sasl_auth_enable": "no",
    "smtpd_tls_security_level": "",
    "smtpd_tls_wrappermode": "no",
    "syslog_name": "${multi_instance_name?{$multi_instance_name}:{postfix}}",
}

SUBMISSION = {
    "name": "submission",
    "private": "n",
    "chroot": "y",
    "command": "smtpd",
    "options": {
        "syslog_name": "postfix/submission",
        "smtpd_tls_security_level": "encrypt",
        "smtpd_sasl_auth_enable": True,
        "smtpd_client_restrictions": "permit_sasl_authenticated,reject",
    },
}

SUBMISSION_LINES = """\
submission inet  n       -       y       -       -       smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
"""


def fake_postconf_output(config_dir):
    """`postconf -c DIR` of the fake Postfix: every known name, main.cf values (continuations joined) over defaults."""
    values = dict(DEFAULTS)
    with open(os.path.join(config_dir, "main.cf")) as handle:
        text = re.sub(r"\n[ \t]+", " ", handle.read())
    for line in text.splitlines():
        name, equals, value = line.partition("=")
        if equals and not line.startswith("#") and name.strip() in DEFAULTS:
            values[name.strip()] = value.strip()
    return "".join(f"{name} = {value}\n" for name, value in sorted(values.items()))


class FakePostfix:
    """Records the commands the module runs and answers them like Postfix would."""

    def __init__(self):
        self.postconf_calls = []
        self.check_calls = []
        self.check_result = (0, "")
        self.postalias_calls = []

    def run_command(self, args, **kwargs):
        if args[0] == "/usr/sbin/postalias":
            # postalias -c DIR hash:/path builds /path.db
            self.postalias_calls.append(args)
            with open(args[3].partition(":")[2] + ".db", "w") as handle:
                handle.write("db")
            return 0, "", ""
        self.postconf_calls.append(args)
        assert args[:2] == ["/usr/sbin/postconf", "-c"]
        return 0, fake_postconf_output(args[2]), ""

    def run_on_terminal(self, argv):
        self.check_calls.append(argv)
        return self.check_result


@pytest.fixture
def postfix(monkeypatch):
    fake = FakePostfix()
    monkeypatch.setattr(AnsibleModule, "get_bin_path", lambda self, name, required=False, opt_dirs=None: "/usr/sbin/" + name)
    monkeypatch.setattr(AnsibleModule, "run_command", fake.run_command)
    # write_and_check looks run_on_terminal up in its own module, so that is where it is replaced.
    monkeypatch.setattr(_postfix_commands, "run_on_terminal", fake.run_on_terminal)
    return fake


@pytest.fixture
def config_dir(tmp_path):
    (tmp_path / "main.cf").write_text(MAIN_CF)
    (tmp_path / "master.cf").write_text(MASTER_CF)
    return tmp_path


def digest(directory):
    """sha256 of every file in ``directory`` by name, to prove nothing was written or left behind."""
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(directory.iterdir())}


def warning_texts(result):
    """The warnings of a result as text (ansible-core 2.19 returns them as structured summaries)."""
    return [warning["event"]["msg"] if isinstance(warning, dict) else warning for warning in result.get("warnings", [])]


def run(run_module, config_dir, check_mode=False, diff=False, **args):
    return run_module("postconf", dict(args, config_dir=str(config_dir)), check_mode=check_mode, diff=diff)


def test_sets_parameters_and_service(run_module, postfix, config_dir):
    """A first run replaces existing lines in place, appends new ones, enables submission and runs postfix check once."""
    result = run(run_module, config_dir, settings={
        "home_mailbox": "Maildir/",
        "mydestination": ["$myhostname", "localhost", "nida.com"],
        "message_size_limit": 52428800,
    }, services=[SUBMISSION])

    assert not result["failed"], result
    assert result["changed"] is True
    assert result["changes"] == [
        {"name": "home_mailbox", "before": "", "after": "Maildir/"},
        {"name": "mydestination", "before": "$myhostname, mail.nida.com, localhost.localdomain, , localhost",
         "after": "$myhostname, localhost, nida.com"},
        {"name": "message_size_limit", "before": "10240000", "after": "52428800"},
    ]
    assert result["services_changed"] == ["submission/inet"]
    assert result["restart_required"] is False
    expected_main = MAIN_CF.replace(
        "mydestination = $myhostname, mail.nida.com, localhost.localdomain, , localhost\n",
        "mydestination = $myhostname, localhost, nida.com\n",
    ) + "home_mailbox = Maildir/\nmessage_size_limit = 52428800\n"
    assert (config_dir / "main.cf").read_text() == expected_main
    assert postfix.check_calls == [["/usr/sbin/postfix", "-c", str(config_dir), "check"]]
    assert postfix.postconf_calls == [["/usr/sbin/postconf", "-c", str(config_dir)]]


def test_second_run_changes_nothing(run_module, postfix, config_dir):
    """The same call twice: the second run reports changed false, writes nothing and runs no postfix check."""
    args = {"settings": {"home_mailbox": "Maildir/", "mynetworks": ["127.0.0.0/8", "26.26.26.0/24"]}, "services": [SUBMISSION]}
    first = run(run_module, config_dir, **args)
    files = digest(config_dir)
    postfix.check_calls.clear()

    second = run(run_module, config_dir, **args)

    assert first["changed"] is True
    assert (second["changed"], second["changes"], second["services_changed"]) == (False, [], [])
    assert digest(config_dir) == files
    assert postfix.check_calls == []


@pytest.mark.parametrize("spelling", [
    "$myhostname, mail.nida.com, localhost.localdomain, localhost",
    "$myhostname,mail.nida.com,localhost.localdomain,localhost",
    "$myhostname mail.nida.com localhost.localdomain localhost",
    "  $myhostname ,  mail.nida.com\tlocalhost.localdomain, , localhost ",
    ["$myhostname", "mail.nida.com", "localhost.localdomain", "localhost"],
])
def test_equivalent_list_spelling_is_no_change(run_module, postfix, config_dir, spelling):
    """A list value spelt with other commas or whitespace than main.cf's is equal to it: no change."""
    result = run(run_module, config_dir, settings={"mydestination": spelling})

    assert (result["changed"], result["changes"]) == (False, [])
    assert (config_dir / "main.cf").read_text() == MAIN_CF


@pytest.mark.parametrize("name, value", [
    ("message_size_limit", 10240000),
    ("message_size_limit", "10240000"),
    ("home_mailbox", ""),
    ("smtpd_sasl_auth_enable", True),
    ("biff", False),
])
def test_value_equal_to_effective_value_is_no_change(run_module, postfix, config_dir, name, value):
    """A value equal to the effective one (set in main.cf or Postfix's default; booleans as yes/no) adds no line."""
    result = run(run_module, config_dir, settings={name: value})

    assert (result["changed"], result["changes"]) == (False, [])
    assert (config_dir / "main.cf").read_text() == MAIN_CF


def test_boolean_and_list_values_are_written_in_postfix_form(run_module, postfix, config_dir):
    """Booleans are written as yes/no and lists joined with ', '."""
    run(run_module, config_dir, settings={"smtpd_sasl_auth_enable": False, "mynetworks": ["127.0.0.0/8", "[::1]/128"]})

    text = (config_dir / "main.cf").read_text()
    assert "mynetworks = 127.0.0.0/8, [::1]/128\nsmtpd_sasl_auth_enable = no\ninet_interfaces" in text


def test_continuation_lines_are_replaced_in_place(run_module, postfix, config_dir):
    """A parameter spread over continuation lines becomes one line at the same place; comments stay."""
    run(run_module, config_dir, settings={"mynetworks": "127.0.0.0/8"})

    assert (config_dir / "main.cf").read_text() == MAIN_CF.replace(
        "mynetworks = 127.0.0.0/8 [::ffff:127.0.0.0]/104\n    [::1]/128\n", "mynetworks = 127.0.0.0/8\n")


def test_reset_removes_the_line(run_module, postfix, config_dir):
    """reset removes the active line (with its continuation lines) and reports the old value with after null."""
    result = run(run_module, config_dir, reset=["relayhost", "mynetworks", "home_mailbox"])

    assert result["changes"] == [
        {"name": "relayhost", "before": "smtp.example.net", "after": None},
        {"name": "mynetworks", "before": "127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128", "after": None},
    ]
    text = (config_dir / "main.cf").read_text()
    assert "relayhost" not in text and "mynetworks" not in text and "[::1]/128" not in text
    assert "# TLS parameters\n" in text


def test_reset_of_unset_parameter_is_no_change(run_module, postfix, config_dir):
    """Resetting a parameter main.cf does not set changes nothing."""
    result = run(run_module, config_dir, reset=["home_mailbox"])

    assert (result["changed"], result["changes"]) == (False, [])


def test_check_mode_writes_nothing(run_module, postfix, config_dir):
    """Check mode reports the changes but writes no file and runs no postfix check."""
    files = digest(config_dir)

    result = run(run_module, config_dir, check_mode=True, settings={"home_mailbox": "Maildir/"}, services=[SUBMISSION])

    assert result["changed"] is True
    assert result["changes"] == [{"name": "home_mailbox", "before": "", "after": "Maildir/"}]
    assert result["services_changed"] == ["submission/inet"]
    assert digest(config_dir) == files
    assert postfix.check_calls == []


def test_diff_shows_both_files(run_module, postfix, config_dir):
    """Diff mode returns one before/after entry per changed file."""
    result = run(run_module, config_dir, check_mode=True, diff=True, settings={"home_mailbox": "Maildir/"}, services=[SUBMISSION])

    main_diff, master_diff = result["diff"]
    assert main_diff["before_header"] == str(config_dir / "main.cf")
    assert (main_diff["before"], main_diff["after"]) == (MAIN_CF, MAIN_CF + "home_mailbox = Maildir/\n")
    assert master_diff["before_header"] == str(config_dir / "master.cf")
    assert master_diff["before"] == MASTER_CF
    assert SUBMISSION_LINES in master_diff["after"]


def test_diff_lists_only_changed_files(run_module, postfix, config_dir):
    """A change to main.cf alone gives a diff of main.cf alone."""
    result = run(run_module, config_dir, diff=True, settings={"home_mailbox": "Maildir/"})

    assert [entry["before_header"] for entry in result["diff"]] == [str(config_dir / "main.cf")]


@pytest.mark.parametrize("backup", [False, True])
def test_rejected_configuration_is_rolled_back(run_module, postfix, config_dir, backup):
    """When postfix check fails both files are restored byte-identical, no file is left over, the checker's message shows."""
    files = digest(config_dir)
    postfix.check_result = (1, "postfix: warning: something\r\npostfix: fatal: bad numerical configuration: message_size_limit = 50M\r\n")

    result = run(run_module, config_dir, settings={"message_size_limit": "50M"}, services=[SUBMISSION], backup=backup)

    assert result["failed"] is True
    assert result["msg"] == ("postfix check rejected the new configuration, restored previous main.cf/master.cf: "
                             "postfix: fatal: bad numerical configuration: message_size_limit = 50M")
    assert digest(config_dir) == files


def test_rejection_without_message_reports_exit_code(run_module, postfix, config_dir):
    """A failing postfix check that prints nothing still fails with its exit code."""
    postfix.check_result = (1, "")

    result = run(run_module, config_dir, settings={"home_mailbox": "Maildir/"})

    assert result["msg"].endswith("restored previous main.cf/master.cf: exit code 1 without a message")
    assert (config_dir / "main.cf").read_text() == MAIN_CF


def test_check_warnings_are_passed_on(run_module, postfix, config_dir):
    """Warnings of a successful postfix check become Ansible warnings, each once, and do not fail the module."""
    postfix.check_result = (0, "postconf: warning: main.cf: unused parameter: foo=1\r\n" * 3)

    result = run(run_module, config_dir, settings={"home_mailbox": "Maildir/"})

    assert result["failed"] is False
    assert warning_texts(result) == ["postfix check: postconf: warning: main.cf: unused parameter: foo=1"]


def test_check_progress_lines_are_not_warnings(run_module, postfix, config_dir):
    """postfix check's notes on refreshing its chroot copies (updating /etc/hosts => ...) are not warnings."""
    postfix.check_result = (0, "postfix/postfix-script: updating /etc/hosts => /var/spool/postfix//etc/hosts\r\n")

    result = run(run_module, config_dir, settings={"home_mailbox": "Maildir/"})

    assert result["failed"] is False
    assert warning_texts(result) == []


def test_backup_files_are_returned(run_module, postfix, config_dir):
    """backup=true keeps a copy of each changed file holding its previous content."""
    result = run(run_module, config_dir, settings={"home_mailbox": "Maildir/"}, backup=True)

    assert len(result["backup_files"]) == 1
    with open(result["backup_files"][0]) as handle:
        assert handle.read() == MAIN_CF


@pytest.mark.parametrize("name, restart", [("inet_interfaces", True), ("inet_protocols", True), ("home_mailbox", False)])
def test_restart_required(run_module, postfix, config_dir, name, restart):
    """Only inet_interfaces and inet_protocols need a stop and start; other parameters a reload."""
    result = run(run_module, config_dir, settings={name: "ipv4" if name == "inet_protocols" else "127.0.0.1"})

    assert (result["changed"], result["restart_required"]) == (True, restart)


def test_master_cf_change_needs_reload_only(run_module, postfix, config_dir):
    """A master.cf change alone does not ask for a restart (master(5): postfix reload is enough)."""
    result = run(run_module, config_dir, services=[SUBMISSION])

    assert (result["changed"], result["restart_required"]) == (True, False)


def test_unknown_name_suggests_the_closest(run_module, postfix, config_dir):
    """An unknown parameter name fails, naming it and suggesting the real one."""
    result = run(run_module, config_dir, settings={"home_mailbx": "Maildir/"})

    assert result["failed"] is True
    assert result["msg"] == "settings: unknown Postfix parameter 'home_mailbx'; did you mean home_mailbox?"
    assert postfix.check_calls == []


@pytest.mark.parametrize("args, message", [
    ({"settings": {"xyzzy_plugh": "1"}}, "settings: unknown Postfix parameter 'xyzzy_plugh'; see postconf(5) for the parameter names"),
    ({"reset": ["relay_host"]}, "reset: unknown Postfix parameter 'relay_host'; did you mean relayhost or relay_domains?"),
    ({"settings": {"home mailbox": "x"}}, "settings: 'home mailbox' is not a Postfix parameter name (letters, digits, '_' and '-' only)"),
    ({"settings": {"home_mailbox": "Maildir/\nbiff = yes"}},
     "settings.home_mailbox: the value contains a newline; give a one-line value or a list"),
    ({"settings": {"home_mailbox": None}}, "settings.home_mailbox: expected a string, number, boolean or list, got NoneType"),
    ({"settings": {"mynetworks": [{"a": 1}]}}, "settings.mynetworks: expected a string, number, boolean or list, got dict"),
    ({"settings": {"relayhost": ""}, "reset": ["relayhost"]}, "reset: 'relayhost' is also in settings; a parameter is either set or reset"),
    ({"services": [dict(SUBMISSION, options={"smtpd_tls_security_lvl": "encrypt"})]},
     "services[0] (submission).options: unknown Postfix parameter 'smtpd_tls_security_lvl'; did you mean smtpd_tls_security_level?"),
    ({"services": [dict(SUBMISSION, options={"syslog_name": "a\nb"})]},
     "services[0] (submission).options.syslog_name: the value contains a newline; give a one-line value or a list"),
    ({"services": [dict(SUBMISSION, wakeup="soon")]},
     "services[0] (submission): wakeup 'soon' must be '-' or a number of seconds, optionally followed by '?'"),
    ({"services": [dict(SUBMISSION, maxproc="many")]}, "services[0] (submission): maxproc 'many' must be '-' or a number"),
    ({"services": [dict(SUBMISSION, command="smtpd -o syslog_name=x")]},
     "services[0] (submission): command 'smtpd -o syslog_name=x' contains -o; put the overrides in options"),
    ({"services": [dict(SUBMISSION, command=" ")]}, "services[0] (submission): command must not be empty"),
    ({"services": [dict(SUBMISSION, name="sub mission")]},
     "services[0] (sub mission): name must be a non-empty service name without whitespace or '#'"),
    ({"services": [SUBMISSION, dict(SUBMISSION, state="absent")]}, "services[1]: submission/inet is listed more than once"),
    ({"services": [{"name": "submission"}]}, "state is present but all of the following are missing: command found in services"),
    ({"services": [dict(SUBMISSION, chroot="yes")]}, "value of chroot must be one of: y, n, -, got: yes found in services"),
])
def test_bad_input_fails_before_writing(run_module, postfix, config_dir, args, message):
    """Each bad input fails with a message naming the key and what is expected, and nothing is written."""
    files = digest(config_dir)

    result = run(run_module, config_dir, **args)

    assert result["failed"] is True
    assert result["msg"] == message
    assert digest(config_dir) == files
    assert postfix.check_calls == []


def test_postconf_failure_fails(run_module, postfix, config_dir, monkeypatch):
    """When postconf cannot read the configuration the module fails with postconf's message."""
    monkeypatch.setattr(AnsibleModule, "run_command", lambda self, args, **kwargs: (1, "", "postconf: fatal: open main.cf: No such file\n"))

    result = run(run_module, config_dir, settings={"home_mailbox": "Maildir/"})

    assert result["msg"] == f"postconf -c {config_dir} failed: postconf: fatal: open main.cf: No such file"


DOVECOT = {"name": "dovecot", "type": "unix", "unprivileged": "n", "chroot": "n",
           "command": "pipe flags=DRhu user=vmail:vmail argv=/usr/lib/dovecot/deliver -f ${sender} -d ${recipient}"}


def test_user_defined_name_referred_to_is_accepted(run_module, postfix, config_dir):
    """A user-defined name that an -o override of the same call refers to as $name is known; its before is null."""
    result = run(run_module, config_dir, settings={"mua_client_restrictions": "permit_sasl_authenticated, reject"},
                 services=[dict(SUBMISSION, options={"smtpd_client_restrictions": "$mua_client_restrictions"})])

    assert result["failed"] is False, result.get("msg")
    assert result["changes"] == [{"name": "mua_client_restrictions", "before": None, "after": "permit_sasl_authenticated, reject"}]


@pytest.mark.parametrize("name", ["dovecot_destination_recipient_limit", "dovecot_time_limit"])
def test_per_service_name_of_new_delivery_service_is_accepted(run_module, postfix, config_dir, name):
    """The per-service names Postfix derives for a pipe service that the same call adds are known."""
    result = run(run_module, config_dir, settings={name: 1}, services=[DOVECOT])

    assert result["failed"] is False, result.get("msg")
    assert [change["name"] for change in result["changes"]] == [name]


@pytest.mark.parametrize("name, service", [
    ("dovecot_domains", DOVECOT),
    ("submission_destination_recipient_limit", SUBMISSION),
])
def test_per_service_name_postfix_would_not_derive_is_unknown(run_module, postfix, config_dir, name, service):
    """Only the per-service names shared by all delivery services are derived, and only for delivery services."""
    result = run(run_module, config_dir, settings={name: 1}, services=[service])

    assert result["msg"].startswith(f"settings: unknown Postfix parameter '{name}'")


def test_service_replaces_commented_block(run_module, postfix, config_dir):
    """A new service replaces its commented-out block (with the #  -o lines) where it stood; other comments stay."""
    run(run_module, config_dir, services=[SUBMISSION])

    text = (config_dir / "master.cf").read_text()
    assert "#submission inet" not in text and "#  -o milter_macro_daemon_name" not in text and "Instead of specifying" not in text
    assert ("#127.0.0.1:submission inet n -   y       -       -       smtpd\n" + SUBMISSION_LINES
            + "# Choose one: enable submissions for loopback clients only, or for any client.\n") in text
    assert "#submissions     inet  n       -       y       -       -       smtpd\n#  -o syslog_name=postfix/submissions\n" in text


def test_service_is_appended_when_no_entry_exists(run_module, postfix, config_dir):
    """A service without an active or commented entry is appended at the end."""
    result = run(run_module, config_dir, services=[{"name": "smtps", "private": "n", "chroot": "y", "command": "smtpd",
                                                    "options": {"smtpd_tls_wrappermode": "yes"}}])

    assert result["services_changed"] == ["smtps/inet"]
    assert (config_dir / "master.cf").read_text() == MASTER_CF + (
        "smtps     inet  n       -       y       -       -       smtpd\n  -o smtpd_tls_wrappermode=yes\n")


def test_service_is_replaced_in_place(run_module, postfix, config_dir):
    """An existing entry that differs is rewritten at its place, its continuation lines included."""
    result = run(run_module, config_dir, services=[{"name": "relay", "type": "unix", "chroot": "n", "command": "smtp",
                                                    "options": {"syslog_name": "postfix/relay"}}])

    assert result["services_changed"] == ["relay/unix"]
    assert (config_dir / "master.cf").read_text() == MASTER_CF.replace(
        "relay     unix  -       -       y       -       -       smtp\n        -o syslog_name=postfix/$service_name\n",
        "relay     unix  -       -       n       -       -       smtp\n  -o syslog_name=postfix/relay\n")


@pytest.mark.parametrize("options", [
    {"syslog_name": "postfix/$service_name"},
    {"syslog_name": ["postfix/$service_name"]},
])
def test_equal_service_is_no_change(run_module, postfix, config_dir, options):
    """An entry equal field by field to the existing one (options compared as a mapping) is no change."""
    result = run(run_module, config_dir, services=[{"name": "relay", "type": "unix", "chroot": "y", "command": "smtp", "options": options}])

    assert (result["changed"], result["services_changed"]) == (False, [])


def test_option_order_and_spelling_are_no_change(run_module, postfix, config_dir):
    """Options in another order, or a list value spelt differently, do not change an existing entry."""
    run(run_module, config_dir, services=[SUBMISSION])
    reordered = dict(SUBMISSION, options=dict(reversed(list(dict(
        SUBMISSION["options"], smtpd_client_restrictions=["permit_sasl_authenticated", "reject"]).items()))))

    result = run(run_module, config_dir, services=[reordered])

    assert (result["changed"], result["services_changed"]) == (False, [])


def test_pipe_service_with_arguments_is_idempotent(run_module, postfix, config_dir):
    """Command arguments go on a continuation line after the -o lines, values with spaces in { } form; a rerun is no change."""
    dovecot = {"name": "dovecot", "type": "unix", "unprivileged": "n", "chroot": "n",
               "command": "pipe  flags=DRhu user=vmail:vmail argv=/usr/lib/dovecot/deliver -d ${recipient}",
               "options": {"smtpd_client_restrictions": "permit_mynetworks, reject"}}
    run(run_module, config_dir, services=[dovecot])

    assert (config_dir / "master.cf").read_text().endswith(
        "dovecot   unix  -       n       n       -       -       pipe\n"
        "  -o { smtpd_client_restrictions = permit_mynetworks, reject }\n"
        "  flags=DRhu user=vmail:vmail argv=/usr/lib/dovecot/deliver -d ${recipient}\n")
    assert run(run_module, config_dir, services=[dovecot])["changed"] is False


def test_absent_service_is_removed(run_module, postfix, config_dir):
    """state absent removes the active entry and its continuation lines; the comment after it stays."""
    result = run(run_module, config_dir, services=[{"name": "relay", "type": "unix", "state": "absent"}])

    assert result["services_changed"] == ["relay/unix"]
    assert (config_dir / "master.cf").read_text() == MASTER_CF.replace(
        "relay     unix  -       -       y       -       -       smtp\n        -o syslog_name=postfix/$service_name\n", "")


def test_absent_service_that_does_not_exist_is_no_change(run_module, postfix, config_dir):
    """Removing a service that has no active entry changes nothing and leaves its commented block."""
    result = run(run_module, config_dir, services=[{"name": "submission", "state": "absent"}])

    assert (result["changed"], result["services_changed"]) == (False, [])
    assert (config_dir / "master.cf").read_text() == MASTER_CF


def test_run_on_terminal_gives_a_terminal_and_collects_output():
    """run_on_terminal runs the command with a terminal as stderr and returns its exit code and output."""
    rc, output = _postfix_commands.run_on_terminal(["/bin/sh", "-c", "echo out; echo err >&2; test -t 2 && exit 3"])

    assert (rc, output) == (3, "out\nerr\n")


def aliases_in(config_dir, db_age=None):
    """An /etc/aliases-like source in ``config_dir``, alias_database naming it in main.cf, and its .db
    ``db_age`` seconds older than the source (None: no database)."""
    source = config_dir / "aliases"
    source.write_text("postmaster: root\n")
    if db_age is not None:
        (config_dir / "aliases.db").write_text("db")
        stamp = os.path.getmtime(source) - db_age
        os.utime(config_dir / "aliases.db", (stamp, stamp))
    return "hash:%s" % source


@pytest.mark.parametrize("db_age, rebuilt", [(None, True), (60, True), (-60, False)])
def test_alias_database_is_built_when_missing_or_older(run_module, postfix, config_dir, db_age, rebuilt):
    """rebuild_aliases: postalias builds the table's database when there is none or the source is newer
    (edited by hand); a newer database is left alone, with no change."""
    table = aliases_in(config_dir, db_age)
    result = run(run_module, config_dir, settings={"alias_database": table}, rebuild_aliases=True)
    assert not result["failed"], result
    assert result["aliases_rebuilt"] == ([table] if rebuilt else [])
    assert postfix.postalias_calls == ([["/usr/sbin/postalias", "-c", str(config_dir), table]] if rebuilt else [])
    again = run(run_module, config_dir, settings={"alias_database": table}, rebuild_aliases=True)
    assert (again["changed"], again["aliases_rebuilt"], len(postfix.postalias_calls)) == (False, [], int(rebuilt))


def test_check_mode_reports_the_rebuild_and_builds_nothing(run_module, postfix, config_dir):
    """In check mode a stale database is reported as a change; postalias does not run."""
    table = aliases_in(config_dir, 60)
    (config_dir / "main.cf").write_text((config_dir / "main.cf").read_text() + "alias_database = %s\n" % table)
    result = run(run_module, config_dir, check_mode=True, rebuild_aliases=True)
    assert (result["changed"], result["aliases_rebuilt"], postfix.postalias_calls) == (True, [table], [])


def test_tables_that_are_not_indexed_files_are_left_alone(run_module, postfix, config_dir):
    """Only hash, btree, lmdb and cdb tables of an existing source file have a database to build."""
    result = run(run_module, config_dir, settings={"alias_database": "texthash:/etc/aliases, ldap:/etc/ldap-aliases.cf"},
                 rebuild_aliases=True)
    assert (result["aliases_rebuilt"], postfix.postalias_calls) == ([], [])
