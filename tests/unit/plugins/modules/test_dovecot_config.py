# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for tkj.mailserver.dovecot_config: in-place editing, the 2.3/2.4 mail_location mapping,
idempotence, check mode, diff, doveconf validation and bad-input messages. ``dovecot --version`` and
doveconf are replaced by a stand-in that checks the mirrored configuration tree the module builds."""

from __future__ import annotations

import glob
import hashlib
import os
import re

import pytest
from ansible.module_utils.basic import AnsibleModule

DOVECOT = "/usr/sbin/dovecot"
DOVECONF = "/usr/bin/doveconf"
VERSION_23 = "2.3.19.1 (9b53102964)"
VERSION_24 = "2.4.1-4 (7d8c0e5759)"

DOVECOT_CONF_23 = """## Dovecot configuration file
!include_try /usr/share/dovecot/protocols.d/*.protocol
dict {
}
!include conf.d/*.conf
!include_try local.conf
"""

DOVECOT_CONF_24 = """dovecot_config_version = 2.4.0
dovecot_storage_version = 2.4.0
!include_try /usr/share/dovecot/protocols.d/*.protocol
!include conf.d/*.conf
!include_try local.conf
"""

# Shortened from Debian 12's conf.d/10-mail.conf.
MAIL_CONF_23 = """##
## Mailbox locations and namespaces
##

# See doc/wiki/Variables.txt for full list. Some examples:
#
#   mail_location = maildir:~/Maildir
#   mail_location = mbox:~/mail:INBOX=/var/mail/%u
#
mail_location = mbox:~/mail:INBOX=/var/mail/%u

namespace inbox {
  # Namespace type: private, shared or public
  #type = private
  inbox = yes
}

# Example shared namespace configuration
#namespace {
  #type = shared
  #location = maildir:%%h/Maildir:INDEX=~/Maildir/shared/%%u
#}

#mail_uid =
mail_privileged_group = mail

protocol !indexer-worker {
  # If folder vsize calculation requires opening more than this many mails from
  # disk (i.e. mail sizes aren't in cache already), return failure and finish
  #mail_vsize_bg_after_count = 0
}
"""

# Shortened from Debian 13's conf.d/10-mail.conf.
MAIL_CONF_24 = """##
## Mailbox locations and namespaces
##

# Example:
#  mail_driver = maildir
#  mail_path = ~/Maildir
#  mail_inbox_path = ~/Maildir/.INBOX
#

# Debian defaults
mail_driver = mbox
mail_home = /home/%{user | username}
mail_path = %{home}/mail
mail_inbox_path = /var/mail/%{user}

namespace inbox {
  inbox = yes
}

# Example shared namespace configuration
#namespace {
  #type = shared
  #mail_driver = maildir
  #mail_path = %{owner_home}/Maildir
#}

#mail_uid =
mail_privileged_group = mail

protocol !indexer-worker {
  #mail_vsize_bg_after_count = 0
}
"""

AUTH_CONF_23 = """##
## Authentication processes
##

# Disable LOGIN command and all other plaintext authentications unless
# SSL/TLS is used (LOGINDISABLED capability).
#disable_plaintext_auth = yes

#auth_cache_size = 0
auth_mechanisms = plain  # the Debian default

!include auth-system.conf.ext
"""

KNOWN_23 = {
    "auth_cache_size", "auth_mechanisms", "disable_plaintext_auth", "mail_debug", "mail_location",
    "mail_privileged_group", "mail_uid", "mail_plugins", "protocols", "ssl", "ssl_cert", "ssl_key", "ssl_key_password", "mail_server_comment",
}
KNOWN_24 = {
    "auth_allow_cleartext", "auth_cache_size", "auth_mechanisms", "dovecot_config_version", "dovecot_storage_version",
    "mail_debug", "mail_driver", "mail_home", "mail_path", "mail_inbox_path", "mail_index_path", "mailbox_list_layout",
    "mailbox_directory_name", "mailbox_directory_name_legacy", "mailbox_list_utf8", "mailbox_list_iter_from_index_dir",
    "mail_privileged_group", "mail_uid", "mail_plugins", "mail_vsize_bg_after_count", "protocols", "ssl", "ssl_server_cert_file",
    "ssl_server_key_file",
}
LOCATION_NAMES = {
    "mail_location", "mail_driver", "mail_path", "mail_inbox_path", "mail_index_path", "mailbox_list_layout",
    "mailbox_directory_name", "mailbox_directory_name_legacy", "mailbox_list_utf8", "mailbox_list_iter_from_index_dir",
}
BOOLEANS = {"mail_debug", "disable_plaintext_auth", "auth_allow_cleartext", "mailbox_list_utf8"}
TOP_LEVEL_SETTING = re.compile(r"^([a-z0-9_]+)\s*=\s*(.*)$")


class Dovecot:
    """Stand-in for ``dovecot --version`` and doveconf. ``doveconf -n`` reads the configuration tree the module
    built (following its symbolic links) and rejects unknown top-level names and bad booleans like doveconf does.
    ``calls`` holds the argv of each run; ``checked`` holds {relative path: text} of each tree it checked."""

    def __init__(self, version):
        self.version = version
        self.known = KNOWN_24 if version.startswith("2.4") else KNOWN_23
        self.calls = []
        self.checked = []

    def run_command(self, args, **_kwargs):
        self.calls.append(list(args))
        if args == [DOVECOT, "--version"]:
            return 0, self.version + "\n", ""
        if args[:2] == [DOVECONF, "-d"]:
            return 0, "".join("%s = \n" % name for name in sorted(self.known)), ""
        if args[0] == DOVECONF and args[-1] == "-n":
            return self.check_tree(os.path.dirname(args[2]))
        raise AssertionError("unexpected command %r" % (args,))

    def check_tree(self, root):
        files = [os.path.join(root, "dovecot.conf")] + sorted(glob.glob(os.path.join(root, "conf.d", "*.conf")))
        self.checked.append({os.path.relpath(path, root): read(path) for path in files})
        for path in files:
            depth = 0
            for number, line in enumerate(read(path).splitlines(), 1):
                code = line.split("#")[0].strip()
                match = TOP_LEVEL_SETTING.match(code)
                where = "doveconf: Fatal: Error in configuration file %s line %d: " % (path, number)
                if depth == 0 and match and match.group(1) not in self.known:
                    return 89, "", where + "Unknown setting: %s\n" % match.group(1)
                if depth == 0 and match and match.group(1) in BOOLEANS and match.group(2) not in ("yes", "no"):
                    return 89, "", where + "Invalid boolean value: %s (use yes or no)\n" % match.group(2)
                depth += code.endswith("{") - code.startswith("}")
        return 0, "# %s: %s\n" % (self.version, root), ""

    @property
    def validations(self):
        return [call for call in self.calls if call[-1] == "-n"]


def make_tree(root, version, mail_conf=None, auth_conf=AUTH_CONF_23):
    """A Dovecot configuration directory like Debian's, with conf.d/10-mail.conf and conf.d/10-auth.conf."""
    os.makedirs(os.path.join(root, "conf.d"))
    is_24 = version.startswith("2.4")
    files = {
        "dovecot.conf": DOVECOT_CONF_24 if is_24 else DOVECOT_CONF_23,
        "conf.d/10-mail.conf": mail_conf if mail_conf is not None else (MAIL_CONF_24 if is_24 else MAIL_CONF_23),
        "conf.d/10-auth.conf": auth_conf,
        "conf.d/auth-system.conf.ext": "passdb {\n  driver = pam\n}\n",
    }
    for name, text in files.items():
        with open(os.path.join(root, name), "w") as handle:
            handle.write(text)
    return root


def read(path):
    with open(path, "rb") as handle:
        return handle.read().decode("utf-8")


def sha256(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def active_settings(text):
    """{name: value} of the active top-level settings of a configuration text."""
    settings = {}
    depth = 0
    for line in text.splitlines():
        code = line.split("#")[0].strip()
        match = TOP_LEVEL_SETTING.match(code)
        if depth == 0 and match:
            settings[match.group(1)] = match.group(2).strip()
        depth += code.endswith("{") - code.startswith("}")
    return settings


@pytest.fixture
def env(monkeypatch, tmp_path):
    """Returns setup(version, **tree) -> (config_dir, Dovecot stand-in), with commands patched."""

    def setup(version=VERSION_23, **tree):
        dovecot = Dovecot(version)
        monkeypatch.setattr(AnsibleModule, "run_command", lambda self, args, **kwargs: dovecot.run_command(args, **kwargs))
        commands = {"dovecot": DOVECOT, "doveconf": DOVECONF}
        monkeypatch.setattr(AnsibleModule, "get_bin_path", lambda self, name, required=False, opt_dirs=None: commands.get(name))
        config_dir = make_tree(str(tmp_path / "dovecot"), version, **tree)
        return config_dir, dovecot

    return setup


def mail_conf(config_dir):
    return os.path.join(config_dir, "conf.d", "10-mail.conf")


def test_replace_active_line_in_place(env, run_module):
    """An active top-level line gets the new value on the same line; every other line stays byte-identical."""
    config_dir, _dovecot = env()
    result = run_module("dovecot_config", {"config_dir": config_dir, "settings": {"mail_privileged_group": "vmail"}})
    assert result["changed"] is True
    assert result["changes"] == [{"name": "mail_privileged_group", "before": "mail", "after": "vmail"}]
    assert read(mail_conf(config_dir)) == MAIL_CONF_23.replace("mail_privileged_group = mail\n", "mail_privileged_group = vmail\n")


def test_uncomment_in_place(env, run_module):
    """A commented-out top-level '#name = ...' line is uncommented and set where it is."""
    config_dir, _dovecot = env()
    result = run_module("dovecot_config", {"config_dir": config_dir, "path": "conf.d/10-auth.conf", "settings": {"disable_plaintext_auth": False}})
    assert result["changes"] == [{"name": "disable_plaintext_auth", "before": None, "after": "no"}]
    assert read(os.path.join(config_dir, "conf.d/10-auth.conf")) == AUTH_CONF_23.replace("#disable_plaintext_auth = yes\n", "disable_plaintext_auth = no\n")


def test_append_when_not_in_file(env, run_module):
    """A setting neither active nor commented out at top level is appended at the end of the file."""
    config_dir, _dovecot = env()
    result = run_module("dovecot_config", {"config_dir": config_dir, "settings": {"mail_debug": True}})
    assert result["changes"] == [{"name": "mail_debug", "before": None, "after": "yes"}]
    assert read(mail_conf(config_dir)) == MAIL_CONF_23 + "mail_debug = yes\n"


def test_append_adds_missing_final_newline(env, run_module):
    """Appending to a file without a final newline ends the last line first."""
    config_dir, _dovecot = env(mail_conf="mail_privileged_group = mail")
    run_module("dovecot_config", {"config_dir": config_dir, "settings": {"mail_debug": "no"}})
    assert read(mail_conf(config_dir)) == "mail_privileged_group = mail\nmail_debug = no\n"


def test_section_lines_untouched(env, run_module):
    """Lines inside { } sections and indented commented lines of commented-out sections are never edited."""
    config_dir, _dovecot = env(VERSION_24, mail_conf=MAIL_CONF_24.replace("mail_driver = mbox\n", "").replace("mail_path = %{home}/mail\n", ""))
    before = read(mail_conf(config_dir))
    run_module("dovecot_config", {"config_dir": config_dir, "settings": {"mail_driver": "maildir", "mail_path": "~/Maildir", "mail_vsize_bg_after_count": 1}})
    after = read(mail_conf(config_dir))
    assert "  #mail_driver = maildir\n  #mail_path = %{owner_home}/Maildir\n" in after
    assert "  #mail_vsize_bg_after_count = 0\n}\n" in after
    assert after == before + "mail_driver = maildir\nmail_path = ~/Maildir\nmail_vsize_bg_after_count = 1\n"


def test_trailing_comment_kept(env, run_module):
    """Replacing a value keeps the line's trailing comment and the spacing before it."""
    config_dir, _dovecot = env()
    run_module("dovecot_config", {"config_dir": config_dir, "path": "conf.d/10-auth.conf", "settings": {"auth_mechanisms": ["plain", "login"]}})
    assert "\nauth_mechanisms = plain login  # the Debian default\n" in read(os.path.join(config_dir, "conf.d/10-auth.conf"))


def test_every_active_line_is_set(env, run_module):
    """When a name is active on several top-level lines, each of them gets the value; 'before' is the last one."""
    config_dir, _dovecot = env(mail_conf="mail_uid = a\nmail_uid = b\n")
    result = run_module("dovecot_config", {"config_dir": config_dir, "settings": {"mail_uid": "vmail"}})
    assert result["changes"] == [{"name": "mail_uid", "before": "b", "after": "vmail"}]
    assert read(mail_conf(config_dir)) == "mail_uid = vmail\nmail_uid = vmail\n"


def test_continued_line_becomes_one_line(env, run_module):
    """A setting continued with a trailing backslash is replaced as a whole by one line."""
    config_dir, _dovecot = env(mail_conf="# top\nmail_plugins = acl \\\n  quota\nmail_uid = a\n")
    result = run_module("dovecot_config", {"config_dir": config_dir, "settings": {"mail_plugins": "acl"}})
    assert result["changes"] == [{"name": "mail_plugins", "before": "acl quota", "after": "acl"}]
    assert read(mail_conf(config_dir)) == "# top\nmail_plugins = acl\nmail_uid = a\n"


def test_absent_comments_out(env, run_module):
    """absent puts '#' before an active top-level line (not deleting it); a name not active is no change."""
    config_dir, _dovecot = env()
    result = run_module("dovecot_config", {"config_dir": config_dir, "absent": ["mail_privileged_group", "mail_uid"]})
    assert result["changes"] == [{"name": "mail_privileged_group", "before": "mail", "after": None}]
    assert read(mail_conf(config_dir)) == MAIL_CONF_23.replace("\nmail_privileged_group = mail\n", "\n#mail_privileged_group = mail\n")


@pytest.mark.parametrize(
    "version, location, expected",
    [
        (VERSION_23, "maildir:~/Maildir", {"mail_location": "maildir:~/Maildir"}),
        (VERSION_23, "mbox:~/mail:INBOX=/var/mail/%u", {"mail_location": "mbox:~/mail:INBOX=/var/mail/%u"}),
        (VERSION_24, "maildir:~/Maildir", {"mail_driver": "maildir", "mail_path": "~/Maildir"}),
        (VERSION_24, "mbox:~/mail:INBOX=/var/mail/%u", {"mail_driver": "mbox", "mail_path": "~/mail", "mail_inbox_path": "/var/mail/%{user}"}),
        (
            VERSION_24,
            "maildir:~/Maildir:INDEX=/var/idx/%d/%n:LAYOUT=fs",
            {
                "mail_driver": "maildir",
                "mail_path": "~/Maildir",
                "mail_index_path": "/var/idx/%{user | domain}/%{user | username}",
                "mailbox_list_layout": "fs",
            },
        ),
        (
            VERSION_24,
            "sdbox:%h/sdbox:FULLDIRNAME=mails:UTF-8:ITERINDEX",
            {
                "mail_driver": "sdbox",
                "mail_path": "%{home}/sdbox",
                "mailbox_directory_name": "mails",
                "mailbox_directory_name_legacy": "no",
                "mailbox_list_utf8": "yes",
                "mailbox_list_iter_from_index_dir": "yes",
            },
        ),
        (VERSION_24, "maildir:/srv/mail/a::b", {"mail_driver": "maildir", "mail_path": "/srv/mail/a:b"}),
    ],
)
def test_mail_location_mapping(env, run_module, version, location, expected):
    """mail_location becomes mail_location on 2.3 and the documented 2.4 settings on 2.4; other location settings are commented out."""
    config_dir, _dovecot = env(version)
    result = run_module("dovecot_config", {"config_dir": config_dir, "mail_location": location})
    assert result["failed"] is False, result.get("msg")
    active = active_settings(read(mail_conf(config_dir)))
    assert {name: value for name, value in active.items() if name in LOCATION_NAMES} == expected
    assert active["mail_privileged_group"] == "mail"
    if version == VERSION_24:
        assert active["mail_home"] == "/home/%{user | username}"


def test_mail_location_24_comments_out_debian_inbox(env, run_module):
    """On 2.4, Debian 13's mbox mail_inbox_path is commented out in place for a Maildir location."""
    config_dir, _dovecot = env(VERSION_24)
    result = run_module("dovecot_config", {"config_dir": config_dir, "mail_location": "maildir:~/Maildir"})
    assert result["changes"] == [
        {"name": "mail_driver", "before": "mbox", "after": "maildir"},
        {"name": "mail_path", "before": "%{home}/mail", "after": "~/Maildir"},
        {"name": "mail_inbox_path", "before": "/var/mail/%{user}", "after": None},
    ]
    expected = "mail_driver = maildir\nmail_home = /home/%{user | username}\nmail_path = ~/Maildir\n#mail_inbox_path = /var/mail/%{user}\n"
    assert expected in read(mail_conf(config_dir))


def test_idempotent(env, run_module):
    """The same call twice: the second run reports no change, and neither validates nor writes."""
    config_dir, dovecot = env(VERSION_24)
    args = {"config_dir": config_dir, "mail_location": "maildir:~/Maildir", "settings": {"mail_debug": True}}
    assert run_module("dovecot_config", args)["changed"] is True
    written = read(mail_conf(config_dir))
    mtime = os.stat(mail_conf(config_dir)).st_mtime_ns
    validations = len(dovecot.validations)
    second = run_module("dovecot_config", args)
    assert (second["changed"], second["changes"]) == (False, [])
    assert len(dovecot.validations) == validations
    assert read(mail_conf(config_dir)) == written and os.stat(mail_conf(config_dir)).st_mtime_ns == mtime


@pytest.mark.parametrize("wanted", ["imap   pop3", '"imap pop3"', ["imap", "pop3"]])
def test_equivalent_value_is_no_change(env, run_module, wanted):
    """Values equal after collapsing white space and removing quotes are no change."""
    config_dir, _dovecot = env(mail_conf="protocols = imap  pop3 \n")
    result = run_module("dovecot_config", {"config_dir": config_dir, "settings": {"protocols": wanted}})
    assert result["changed"] is False
    assert read(mail_conf(config_dir)) == "protocols = imap  pop3 \n"


@pytest.mark.parametrize(
    "value, written",
    [(True, "yes"), (False, "no"), (20, "20"), (["imap", "pop3"], "imap pop3"), ("", ""), ("a # b", '"a # b"')],
)
def test_value_rendering(env, run_module, value, written):
    """Booleans become yes/no, numbers text, lists space-joined, and a value with '#' is quoted."""
    config_dir, _dovecot = env(mail_conf="")
    run_module("dovecot_config", {"config_dir": config_dir, "settings": {"mail_server_comment": value}})
    assert read(mail_conf(config_dir)) == ("mail_server_comment = %s" % written).rstrip() + "\n"


def test_check_mode_writes_nothing(env, run_module):
    """Check mode reports the changes and still validates, but leaves the file byte-identical."""
    config_dir, dovecot = env()
    digest = sha256(mail_conf(config_dir))
    result = run_module("dovecot_config", {"config_dir": config_dir, "mail_location": "maildir:~/Maildir"}, check_mode=True)
    assert result["changed"] is True
    assert result["changes"] == [{"name": "mail_location", "before": "mbox:~/mail:INBOX=/var/mail/%u", "after": "maildir:~/Maildir"}]
    assert len(dovecot.validations) == 1
    assert sha256(mail_conf(config_dir)) == digest
    assert not [name for name in os.listdir(os.path.join(config_dir, "conf.d")) if name.startswith(".")]


def test_diff_shows_file_before_and_after(env, run_module):
    """With --diff the result holds the whole file before and after."""
    config_dir, _dovecot = env()
    result = run_module("dovecot_config", {"config_dir": config_dir, "mail_location": "maildir:~/Maildir"}, diff=True)
    assert result["diff"] == {
        "before_header": mail_conf(config_dir),
        "after_header": mail_conf(config_dir),
        "before": MAIL_CONF_23,
        "after": MAIL_CONF_23.replace("\nmail_location = mbox:~/mail:INBOX=/var/mail/%u\n", "\nmail_location = maildir:~/Maildir\n"),
    }


def test_validation_sees_whole_tree_with_new_file(env, run_module):
    """doveconf checks dovecot.conf and all of conf.d, with the new text in place of the edited file."""
    config_dir, dovecot = env()
    run_module("dovecot_config", {"config_dir": config_dir, "settings": {"mail_uid": "vmail"}})
    (checked,) = dovecot.checked
    assert sorted(checked) == ["conf.d/10-auth.conf", "conf.d/10-mail.conf", "dovecot.conf"]
    assert checked["conf.d/10-mail.conf"] == read(mail_conf(config_dir))
    assert "mail_uid = vmail\n" in checked["conf.d/10-mail.conf"]
    assert checked["dovecot.conf"] == DOVECOT_CONF_23


def test_validation_failure_leaves_file_byte_identical(env, run_module):
    """A value doveconf rejects fails with doveconf's message (real paths) and the file keeps its exact bytes."""
    config_dir, _dovecot = env()
    digest = sha256(mail_conf(config_dir))
    result = run_module("dovecot_config", {"config_dir": config_dir, "settings": {"mail_debug": "maybe"}})
    assert result["failed"] is True
    assert result["msg"].startswith(mail_conf(config_dir) + ": doveconf rejected the new configuration, the file is unchanged: ")
    assert "Error in configuration file %s line " % mail_conf(config_dir) in result["msg"]
    assert "Invalid boolean value: maybe (use yes or no)" in result["msg"]
    assert sha256(mail_conf(config_dir)) == digest
    assert sorted(os.listdir(os.path.join(config_dir, "conf.d"))) == ["10-auth.conf", "10-mail.conf", "auth-system.conf.ext"]


def test_backup(env, run_module):
    """backup=true keeps the old file and returns its name."""
    config_dir, _dovecot = env()
    result = run_module("dovecot_config", {"config_dir": config_dir, "settings": {"mail_uid": "vmail"}, "backup": True})
    assert read(result["backup_file"]) == MAIL_CONF_23


def test_new_file_is_created(env, run_module):
    """A path that does not exist yet is created with the settings."""
    config_dir, _dovecot = env()
    result = run_module("dovecot_config", {"config_dir": config_dir, "path": "conf.d/99-tkj.conf", "settings": {"mail_uid": "vmail"}})
    assert result["changed"] is True
    assert read(os.path.join(config_dir, "conf.d/99-tkj.conf")) == "mail_uid = vmail\n"


@pytest.mark.parametrize("version, shown", [(VERSION_23, "2.3.19.1"), (VERSION_24, "2.4.1-4")])
def test_returns_dovecot_version(env, run_module, version, shown):
    """dovecot_version is the version number from 'dovecot --version', even when nothing is asked."""
    config_dir, _dovecot = env(version)
    result = run_module("dovecot_config", {"config_dir": config_dir})
    assert (result["changed"], result["dovecot_version"]) == (False, shown)


def test_password_value_hidden(env, run_module):
    """A *_password value does not appear in the result or the diff."""
    config_dir, _dovecot = env()
    result = run_module("dovecot_config", {"config_dir": config_dir, "settings": {"ssl_key_password": "s3cr3t-Pw"}}, diff=True)
    assert result["changed"] is True
    assert "s3cr3t-Pw" not in repr(result)
    assert "ssl_key_password = s3cr3t-Pw\n" in read(mail_conf(config_dir))


@pytest.mark.parametrize(
    "version, args, message",
    [
        (VERSION_23, {"settings": {"mail_privileged_grup": "mail"}},
         "settings: 'mail_privileged_grup' is not a Dovecot 2.3 setting; did you mean mail_privileged_group? (doveconf: Fatal: Error in configuration file"),
        (VERSION_24, {"settings": {"nosuch_thing": "1"}}, "settings: 'nosuch_thing' is not a Dovecot 2.4 setting; no similar setting name is known"),
        (VERSION_24, {"settings": {"ssl_cert": "</etc/ssl/a.pem"}},
         "settings: 'ssl_cert' is not a Dovecot 2.4 setting: it was renamed to ssl_server_cert_file in Dovecot 2.4"),
        (VERSION_24, {"settings": {"disable_plaintext_auth": True}}, "replaced in Dovecot 2.4 by auth_allow_cleartext, with the opposite meaning"),
        (VERSION_24, {"absent": ["mail_location"]}, "absent: 'mail_location' is not a Dovecot 2.4 setting: it was replaced in Dovecot 2.4 by mail_driver"),
        (VERSION_23, {"settings": {"auth_allow_cleartext": False}}, "it is called disable_plaintext_auth in Dovecot 2.3, with the opposite meaning"),
        (VERSION_23, {"settings": {"mail_driver": "maildir"}}, "'mail_driver' is not a Dovecot 2.3 setting: it is a Dovecot 2.4 mail location setting"),
        (VERSION_23, {"path": "../passwd", "settings": {"mail_uid": "x"}}, "path: '../passwd' is not a file inside config_dir"),
        (VERSION_23, {"path": "/etc/passwd", "settings": {"mail_uid": "x"}}, "path: '/etc/passwd' is not a file inside config_dir"),
        (VERSION_23, {"path": "nodir/x.conf", "settings": {"mail_uid": "x"}}, "path: the directory of"),
        (VERSION_23, {"settings": {"mail_uid": "vmail\nmail_gid = root"}}, "settings.mail_uid: value 'vmail\\nmail_gid = root' contains a line break"),
        (VERSION_23, {"settings": {"mail_uid": {"a": 1}}}, "settings.mail_uid: value {'a': 1} must be a string, number, boolean or a list of those"),
        (VERSION_23, {"settings": {"mail uid": "x"}}, "settings: 'mail uid' is not a Dovecot setting name"),
        (VERSION_23, {"mail_location": "nosuch:~/Maildir"}, "mail_location: unknown mail driver 'nosuch' in 'nosuch:~/Maildir'; expected one of maildir, mbox"),
        (VERSION_24, {"mail_location": "nosuch:~/Maildir"}, "mail_location: unknown mail driver 'nosuch'"),
        (VERSION_24, {"mail_location": "~/Maildir"}, "mail_location: '~/Maildir' is not DRIVER:PATH[:KEY=VALUE]..."),
        (VERSION_24, {"mail_location": "maildir:~/Maildir:INBOXX=~/in"}, "mail_location: unknown key 'INBOXX'"),
        (VERSION_24, {"mail_location": "maildir:~/Maildir:INBOX"}, "mail_location: key INBOX in 'maildir:~/Maildir:INBOX' needs a value"),
        (VERSION_24, {"mail_location": "maildir:~/Maildir:UTF-8=yes"}, "mail_location: key UTF-8 in 'maildir:~/Maildir:UTF-8=yes' takes no value"),
        (VERSION_24, {"mail_location": "maildir:/var/vmail/%Ln"},
         "mail_location: the Dovecot 2.3 variable '%L' in '/var/vmail/%Ln' has no automatic Dovecot 2.4 form"),
        (VERSION_24, {"mail_location": "maildir:~/Maildir", "settings": {"mail_path": "~/x"}}, "'mail_path' conflicts with mail_location"),
        (VERSION_24, {"mail_location": "maildir:~/Maildir", "absent": ["mail_inbox_path"]}, "'mail_inbox_path' conflicts with mail_location"),
        (VERSION_23, {"settings": {"mail_uid": "x"}, "absent": ["mail_uid"]}, "absent: 'mail_uid' is also in settings"),
        (VERSION_24, {"settings": {"mail_driver": "nosuch"}}, "settings.mail_driver: unknown mail driver 'nosuch'"),
        (VERSION_24, {"settings": {"ssl_server_cert_file": "</etc/ssl/a.pem"}},
         "settings.ssl_server_cert_file: Dovecot 2.4 file settings take the path itself"),
        (VERSION_23, {"settings": {"ssl_cert": "/etc/ssl/a.pem"}},
         "settings.ssl_cert: Dovecot 2.3 reads a file for this setting only with a leading '<', e.g. </etc/ssl/a.pem"),
        (VERSION_23, {"settings": {"mail_location": "maildr:~/Maildir"}}, "settings.mail_location: unknown mail driver 'maildr'"),
    ],
)
def test_bad_input(env, run_module, version, args, message):
    """Bad input fails with a message naming the key or value, and leaves the file byte-identical."""
    config_dir, _dovecot = env(version)
    digest = sha256(mail_conf(config_dir))
    result = run_module("dovecot_config", dict(args, config_dir=config_dir))
    assert result["failed"] is True
    assert message in result["msg"]
    assert result["changed"] is False
    assert sha256(mail_conf(config_dir)) == digest


def test_config_dir_without_dovecot_conf(env, run_module, tmp_path):
    """A config_dir that holds no dovecot.conf is refused."""
    env()
    result = run_module("dovecot_config", {"config_dir": str(tmp_path / "dovecot" / "conf.d"), "settings": {"mail_uid": "x"}})
    assert result["failed"] is True
    assert result["msg"] == "config_dir: %s has no dovecot.conf" % (tmp_path / "dovecot" / "conf.d")


def test_unreadable_version(env, run_module):
    """Output of 'dovecot --version' that holds no version fails with that output."""
    config_dir, dovecot = env()
    dovecot.version = "garbage"
    result = run_module("dovecot_config", {"config_dir": config_dir})
    assert result["msg"] == "cannot read the Dovecot version from 'dovecot --version' output 'garbage'"
