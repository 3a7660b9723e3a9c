# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for tkj.mailserver.debconf_preseed: a fake debconf database in tmp_path and a fake
debconf-set-selections that records its calls."""

from __future__ import annotations

import importlib

import pytest

from ansible.module_utils.basic import AnsibleModule

MODULE = "debconf_preseed"
DSS = "/usr/bin/debconf-set-selections"

CONFIG_DAT = """\
Name: postfix/chattr
Template: postfix/chattr
Value: false
Owners: postfix
Flags: seen

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
Flags: seen

Name: locales/locales_to_be_generated
Template: locales/locales_to_be_generated
Value: en_US.UTF-8 UTF-8, id_ID.UTF-8 UTF-8
Owners: locales
Flags: seen
Variables:
 locales = en_US.UTF-8 UTF-8, id_ID.UTF-8 UTF-8

"""

PASSWORDS_DAT = """\
Name: mysql-server/root_password
Template: mysql-server/root_password
Value: S3cret-stored
Owners: mariadb-server
Flags: seen

"""

POSTFIX_ANSWERS = [
    {"question": "postfix/main_mailer_type", "type": "select", "value": "Internet Site"},
    {"question": "postfix/mailname", "type": "string", "value": "mail.nida.com"},
    {"question": "postfix/root_address", "type": "string", "value": ""},
    {"question": "postfix/chattr", "type": "boolean", "value": False},
    {"question": "postfix/mailbox_limit", "type": "string", "value": 5242880},
    {"question": "postfix/protocols", "type": "select", "value": "ipv4"},
]


class FakeDebconfSetSelections:
    """Stands in for AnsibleModule.run_command (set on the class, so called without the module).
    Records each call; -c answers check_result; a write stores each line as a stanza the way debconf does."""

    def __init__(self, database_dir, check_result=(0, "", "")):
        self.database_dir = database_dir
        self.check_result = check_result
        self.calls = []

    def __call__(self, args, data=None, **kwargs):
        self.calls.append((list(args), data))
        if args[1:] == ["-c"]:
            return self.check_result
        for line in data.splitlines():
            package, question, question_type, value = (line.split(" ", 3) + [""])[:4]
            target = self.database_dir / ("passwords.dat" if question_type == "password" else "config.dat")
            text = target.read_text() if target.exists() else ""
            stanzas = [stanza for stanza in text.split("\n\n") if stanza.strip() and not stanza.startswith("Name: %s\n" % question)]
            stanzas.append("Name: %s\nTemplate: %s\nValue: %s\nOwners: %s\nFlags: seen" % (question, question, value, package))
            target.write_text("\n\n".join(stanzas) + "\n\n")
        return 0, "", ""

    @property
    def writes(self):
        """The stdin of every call that was not a -c check."""
        return [data for args, data in self.calls if "-c" not in args]


@pytest.fixture
def database(tmp_path, monkeypatch):
    """A debconf database directory with config.dat and passwords.dat, used by the module."""
    (tmp_path / "config.dat").write_text(CONFIG_DAT)
    (tmp_path / "passwords.dat").write_text(PASSWORDS_DAT)
    module = importlib.import_module("ansible_collections.tkj.mailserver.plugins.modules." + MODULE)
    monkeypatch.setattr(module, "DATABASE_DIR", str(tmp_path))
    monkeypatch.setattr(AnsibleModule, "get_bin_path", lambda self, name, required=False, opt_dirs=None: DSS)
    return tmp_path


@pytest.fixture
def dss(database, monkeypatch):
    """The fake debconf-set-selections, patched in as AnsibleModule.run_command."""
    fake = FakeDebconfSetSelections(database)
    monkeypatch.setattr(AnsibleModule, "run_command", fake)
    return fake


def test_writes_only_differing_answers_in_one_call(run_module, dss):
    """Answers equal to the stored ones are skipped; the others go to one checked debconf-set-selections call."""
    result = run_module(MODULE, {"package": "postfix", "questions": POSTFIX_ANSWERS})
    assert result["changed"] is True
    assert [change["question"] for change in result["changes"]] == ["postfix/main_mailer_type", "postfix/mailbox_limit", "postfix/protocols"]
    assert [args for args, _data in dss.calls] == [[DSS, "-c"], [DSS]]
    assert dss.calls[0][1] == dss.calls[1][1] == (
        "postfix postfix/main_mailer_type select Internet Site\npostfix postfix/mailbox_limit string 5242880\npostfix postfix/protocols select ipv4\n"
    )


def test_second_run_is_idempotent(run_module, dss):
    """After the first run wrote the answers, the same call changes nothing and runs no command."""
    run_module(MODULE, {"package": "postfix", "questions": POSTFIX_ANSWERS})
    calls_after_first_run = len(dss.calls)
    result = run_module(MODULE, {"package": "postfix", "questions": POSTFIX_ANSWERS})
    assert result["changed"] is False
    assert result["changes"] == []
    assert len(dss.calls) == calls_after_first_run


def test_question_missing_from_database_counts_as_unset(run_module, dss):
    """A question absent from config.dat, or present without a Value, is written with before null."""
    questions = [
        {"question": "postfix/relayhost", "type": "string", "value": ""},
        {"question": "postfix/recipient_delim", "type": "string", "value": "+"},
    ]
    result = run_module(MODULE, {"package": "postfix", "questions": questions})
    assert [(change["question"], change["before"], change["after"]) for change in result["changes"]] == [
        ("postfix/relayhost", None, ""),
        ("postfix/recipient_delim", None, "+"),
    ]


def test_missing_database_files_mean_nothing_is_set(run_module, dss, database):
    """Without config.dat (debconf never used) every answer is reported as new."""
    (database / "config.dat").unlink()
    result = run_module(MODULE, {"package": "postfix", "questions": POSTFIX_ANSWERS[:1]})
    assert result["changes"] == [{"question": "postfix/main_mailer_type", "type": "select", "before": None, "after": "Internet Site"}]


def test_check_mode_reports_but_writes_nothing(run_module, dss, database):
    """In check mode the change is reported and only the read-only -c check runs; config.dat stays byte-identical."""
    result = run_module(MODULE, {"package": "postfix", "questions": POSTFIX_ANSWERS}, check_mode=True)
    assert result["changed"] is True
    assert len(result["changes"]) == 3
    assert [args for args, _data in dss.calls] == [[DSS, "-c"]]
    assert dss.writes == []
    assert (database / "config.dat").read_text() == CONFIG_DAT


def test_diff_shows_one_line_per_changed_question(run_module, dss):
    """The diff has a question = value line for each changed answer; unset questions are absent from before."""
    questions = [
        {"question": "postfix/mailname", "type": "string", "value": "smtp.nida.com"},
        {"question": "postfix/chattr", "type": "boolean", "value": False},
        {"question": "postfix/protocols", "type": "select", "value": "ipv4"},
    ]
    result = run_module(MODULE, {"package": "postfix", "questions": questions}, check_mode=True, diff=True)
    assert result["diff"] == {
        "before_header": "debconf: postfix",
        "after_header": "debconf: postfix",
        "before": "postfix/mailname = mail.nida.com\n",
        "after": "postfix/mailname = smtp.nida.com\npostfix/protocols = ipv4\n",
    }


@pytest.mark.parametrize(
    "value, stored",
    [
        (True, "true"),
        ("true", "true"),
        ("True", "true"),
        ("yes", "true"),
        ("YES", "true"),
        ("on", "true"),
        ("1", "true"),
        (1, "true"),
        (False, "false"),
        ("false", "false"),
        ("no", "false"),
        ("Off", "false"),
        ("0", "false"),
        (0, "false"),
    ],
)
def test_boolean_spellings_are_normalised(run_module, dss, value, stored):
    """Every accepted boolean spelling is written as debconf's true or false."""
    result = run_module(MODULE, {"package": "postfix", "questions": [{"question": "postfix/procmail", "type": "boolean", "value": value}]})
    assert result["changes"][0]["after"] == stored
    assert dss.writes == ["postfix postfix/procmail boolean %s\n" % stored]


@pytest.mark.parametrize("value", ["false", "no", "off", "0", False, 0])
def test_boolean_equal_to_stored_false_is_unchanged(run_module, dss, value):
    """A stored false matches every spelling of false."""
    result = run_module(MODULE, {"package": "postfix", "questions": [{"question": "postfix/chattr", "type": "boolean", "value": value}]})
    assert result["changed"] is False


@pytest.mark.parametrize(
    "value, stored",
    [
        (["en_US.UTF-8 UTF-8", "id_ID.UTF-8 UTF-8"], "en_US.UTF-8 UTF-8, id_ID.UTF-8 UTF-8"),
        ("en_US.UTF-8 UTF-8,id_ID.UTF-8 UTF-8", "en_US.UTF-8 UTF-8, id_ID.UTF-8 UTF-8"),
        (" en_US.UTF-8 UTF-8 ,  id_ID.UTF-8 UTF-8\n", "en_US.UTF-8 UTF-8, id_ID.UTF-8 UTF-8"),
    ],
)
def test_multiselect_equal_to_stored_is_unchanged(run_module, dss, value, stored):
    """A multiselect list or comma string matching the stored choices in order changes nothing."""
    question = {"question": "locales/locales_to_be_generated", "type": "multiselect", "value": value}
    result = run_module(MODULE, {"package": "locales", "questions": [question]})
    assert result["changed"] is False


@pytest.mark.parametrize(
    "value, stored",
    [
        (["b", "a"], "b, a"),
        ("b,a", "b, a"),
        (["x,y", "z"], "x\\,y, z"),
        ("x\\,y, z", "x\\,y, z"),
        ([], ""),
        ("", ""),
    ],
)
def test_multiselect_is_written_the_way_debconf_stores_it(run_module, dss, value, stored):
    """Multiselect choices keep their order, are joined with ', ' and have commas inside a choice escaped."""
    question = {"question": "locales/locales_to_be_generated", "type": "multiselect", "value": value}
    result = run_module(MODULE, {"package": "locales", "questions": [question]})
    assert result["changes"][0]["after"] == stored
    assert dss.writes == ["locales locales/locales_to_be_generated multiselect %s\n" % stored]


def test_trailing_newline_is_stripped(run_module, dss):
    """A trailing newline (as from a YAML block scalar) is not part of the answer."""
    result = run_module(MODULE, {"package": "postfix", "questions": [{"question": "postfix/mailname", "type": "string", "value": "mail.nida.com\n"}]})
    assert result["changed"] is False


def test_password_is_masked_and_kept_out_of_output(run_module, dss):
    """A new password is written, but shown only as ******** in changes and diff and nowhere in the result."""
    question = {"question": "mysql-server/root_password", "type": "password", "value": "N3w-Secret"}
    result = run_module(MODULE, {"package": "mariadb-server", "questions": [question]}, diff=True)
    assert result["changes"] == [{"question": "mysql-server/root_password", "type": "password", "before": "********", "after": "********"}]
    assert result["diff"]["before"] == result["diff"]["after"] == "mysql-server/root_password = ********\n"
    assert "N3w-Secret" not in repr(result)
    assert "S3cret-stored" not in repr(result)
    assert dss.writes == ["mariadb-server mysql-server/root_password password N3w-Secret\n"]


def test_password_equal_to_stored_is_unchanged(run_module, dss):
    """A password equal to the plain text in passwords.dat changes nothing."""
    question = {"question": "mysql-server/root_password", "type": "password", "value": "S3cret-stored"}
    result = run_module(MODULE, {"package": "mariadb-server", "questions": [question]})
    assert result["changed"] is False


def test_password_is_changed_when_passwords_dat_is_unreadable(run_module, dss, monkeypatch):
    """When passwords.dat cannot be read the password is always written and reported as changed."""
    debconf = importlib.import_module("ansible_collections.tkj.mailserver.plugins.module_utils._debconf")
    real_read_database = debconf.read_database

    def read_database(path):
        if path.endswith("/passwords.dat"):
            raise PermissionError(13, "Permission denied", path)
        return real_read_database(path)

    monkeypatch.setattr(debconf, "read_database", read_database)
    question = {"question": "mysql-server/root_password", "type": "password", "value": "S3cret-stored"}
    result = run_module(MODULE, {"package": "mariadb-server", "questions": [question]})
    assert result["changed"] is True
    assert result["changes"][0]["before"] == "********"
    assert len(dss.writes) == 1


def test_password_is_hidden_when_other_input_fails(run_module, dss):
    """A password is masked even when a later bad answer makes the module fail and echo its arguments."""
    questions = [
        {"question": "mysql-server/root_password", "type": "password", "value": "N3w-Secret"},
        {"question": "bad question", "type": "string", "value": "x"},
    ]
    result = run_module(MODULE, {"package": "mariadb-server", "questions": questions})
    assert result["failed"] is True
    assert "N3w-Secret" not in repr(result)


def test_check_failure_names_the_line_and_writes_nothing(run_module, dss, database):
    """When debconf-set-selections -c rejects the batch the module fails naming the question, and config.dat is untouched."""
    dss.check_result = (1, "", "error: parse error on line 2: 'postfix postfix/protocols select ipv4'\n")
    questions = [
        {"question": "postfix/mailname", "type": "string", "value": "smtp.nida.com"},
        {"question": "postfix/protocols", "type": "select", "value": "ipv4"},
    ]
    result = run_module(MODULE, {"package": "postfix", "questions": questions})
    assert result["failed"] is True
    assert "line 2 is question postfix/protocols" in result["msg"]
    assert "parse error on line 2" in result["msg"]
    assert dss.writes == []
    assert (database / "config.dat").read_text() == CONFIG_DAT


def test_silent_check_failure_points_at_the_lock(run_module, dss):
    """A -c failure without output (debconf hides the lock warning) is explained as a database lock."""
    dss.check_result = (1, "", "")
    result = run_module(MODULE, {"package": "postfix", "questions": POSTFIX_ANSWERS})
    assert result["failed"] is True
    assert "debconf database lock" in result["msg"]
    assert dss.writes == []


def test_write_failure_is_reported(run_module, database, monkeypatch):
    """A failing debconf-set-selections write fails the module with its message."""

    def run_command(module, args, data=None, **kwargs):
        return (0, "", "") if "-c" in args else (1, "", "debconf: DbDriver config: cannot write\n")

    monkeypatch.setattr(AnsibleModule, "run_command", run_command)
    result = run_module(MODULE, {"package": "postfix", "questions": POSTFIX_ANSWERS})
    assert result["failed"] is True
    assert result["msg"] == "debconf-set-selections failed: debconf: DbDriver config: cannot write"


@pytest.mark.parametrize(
    "package, question, expected",
    [
        ("postfix", {"question": "mailname", "type": "string", "value": "x"}, "question 'mailname': a debconf question name is owner/name"),
        ("postfix", {"question": "postfix/mail name", "type": "string", "value": "x"}, "question 'postfix/mail name': a debconf question name"),
        ("postfix", {"question": "/mailname", "type": "string", "value": "x"}, "question '/mailname': a debconf question name"),
        ("postfix", {"question": "postfix/chattr", "type": "boolean", "value": "maybe"}, "question postfix/chattr: boolean value 'maybe' is not a boolean"),
        ("postfix", {"question": "postfix/chattr", "type": "boolean", "value": 2}, "question postfix/chattr: boolean value 2 is not a boolean"),
        ("postfix", {"question": "postfix/protocols", "type": "select", "value": ""}, "question postfix/protocols: select value must not be empty"),
        ("postfix", {"question": "postfix/protocols", "type": "select", "value": "  "}, "question postfix/protocols: select value must not be empty"),
        ("locales", {"question": "locales/gen", "type": "multiselect", "value": {"a": 1}}, "question locales/gen: multiselect value {'a': 1} must be a list"),
        ("locales", {"question": "locales/gen", "type": "multiselect", "value": True}, "question locales/gen: multiselect value True must be a list"),
        ("locales", {"question": "locales/gen", "type": "multiselect", "value": ["a", ["b"]]}, "question locales/gen: multiselect choice ['b']"),
        ("locales", {"question": "locales/gen", "type": "multiselect", "value": "a,,b"}, "question locales/gen: multiselect value 'a,,b' has an empty choice"),
        ("postfix", {"question": "postfix/mailname", "type": "string", "value": "a\nb"}, "question postfix/mailname: value contains a line break"),
        ("postfix", {"question": "postfix/mailname", "type": "string", "value": "a\rb"}, "question postfix/mailname: value contains a line break"),
        ("locales", {"question": "locales/gen", "type": "multiselect", "value": ["a\nb"]}, "question locales/gen: value contains a line break"),
        ("postfix", {"question": "postfix/mailname", "type": "string", "value": "a\\"}, "question postfix/mailname: value ends with a backslash"),
        ("postfix", {"question": "postfix/mailname", "type": "string", "value": None}, "question postfix/mailname: value is missing; give ''"),
        ("postfix", {"question": "postfix/mailname", "type": "string", "value": True}, "question postfix/mailname: string value True is a YAML boolean"),
        ("postfix", {"question": "postfix/mailname", "type": "string", "value": ["a"]}, "question postfix/mailname: string value ['a'] must be a string"),
        ("Postfix", {"question": "postfix/mailname", "type": "string", "value": "x"}, "package 'Postfix' is not a Debian package name"),
        ("post fix", {"question": "postfix/mailname", "type": "string", "value": "x"}, "package 'post fix' is not a Debian package name"),
    ],
)
def test_bad_input_is_refused_naming_the_question(run_module, dss, package, question, expected):
    """Each kind of bad answer fails before anything runs, with a message naming the question (or package)."""
    result = run_module(MODULE, {"package": package, "questions": [question]})
    assert result["failed"] is True
    assert result["msg"].startswith(expected), result["msg"]
    assert dss.calls == []


def test_duplicate_question_is_refused(run_module, dss):
    """The same question twice in the list fails naming it."""
    questions = [POSTFIX_ANSWERS[0], dict(POSTFIX_ANSWERS[0], value="Local only")]
    result = run_module(MODULE, {"package": "postfix", "questions": questions})
    assert result["failed"] is True
    assert result["msg"] == "question postfix/main_mailer_type is listed more than once"
    assert dss.calls == []


def test_unknown_type_is_refused(run_module, dss):
    """A type debconf-set-selections does not know (error included) is refused by the argument spec."""
    result = run_module(MODULE, {"package": "postfix", "questions": [{"question": "postfix/not_configured", "type": "error", "value": "x"}]})
    assert result["failed"] is True
    assert "value of type must be one of: boolean, multiselect, note, password, select, string, text, title, got: error" in result["msg"]
    assert "questions" in result["msg"]
    assert dss.calls == []


def test_a_template_left_without_its_question_is_repaired_with_fix_db(run_module, dss, monkeypatch):
    """After apt-get purge opendmarc, -c refuses the answer (its template stayed); fix_db.pl removes the
    template, the check passes and the answer is written."""
    module = importlib.import_module("ansible_collections.tkj.mailserver.plugins.modules." + MODULE)
    checks = iter([(1, "", "error: Cannot find a question for opendmarc/dbconfig-install"), (0, "", "")])
    fake = dss

    def run_command(_module, args, data=None, **kwargs):
        if args[1:] == ["-c"] or args == [module.FIX_DB]:
            fake.calls.append((list(args), data))
            return next(checks) if args[1:] == ["-c"] else (0, "", "")
        return fake(args, data, **kwargs)

    monkeypatch.setattr(AnsibleModule, "run_command", run_command)
    monkeypatch.setattr(module.os.path, "exists", lambda path: path == module.FIX_DB)
    result = run_module(MODULE, {"package": "opendmarc", "questions": [{"question": "opendmarc/dbconfig-install", "type": "boolean",
                                                                        "value": False}]})
    assert result["changed"] and not result.get("failed"), result
    assert [args for args, _data in fake.calls] == [[DSS, "-c"], [module.FIX_DB], [DSS, "-c"], [DSS]]
