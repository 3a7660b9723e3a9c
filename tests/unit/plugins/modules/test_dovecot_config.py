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
    "ssl_dh", "ssl_ca", "ssl_client_ca_dir", "auth_worker_max_count",
}
KNOWN_24 = {
    "auth_allow_cleartext", "auth_cache_size", "auth_mechanisms", "dovecot_config_version", "dovecot_storage_version",
    "mail_debug", "mail_driver", "mail_home", "mail_path", "mail_inbox_path", "mail_index_path", "mailbox_list_layout",
    "mailbox_directory_name", "mailbox_directory_name_legacy", "mailbox_list_utf8", "mailbox_list_iter_from_index_dir",
    "mail_privileged_group", "mail_uid", "mail_plugins", "mail_vsize_bg_after_count", "protocols", "ssl", "ssl_server_cert_file",
    "ssl_server_key_file", "ssl_server_dh_file", "ssl_server_ca_file", "ssl_client_ca_dir", "ssl_server_prefer_ciphers", "auth_default_domain",
    "mail_ext_attachment_path", "ssl_server_key_password", "log_debug",
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


def make_tree(root, version, mail_conf=None, auth_conf=AUTH_CONF_23, ssl_conf=None):
    """A Dovecot configuration directory like Debian's, with conf.d/10-mail.conf and conf.d/10-auth.conf
    (and conf.d/10-ssl.conf when ``ssl_conf`` is given)."""
    os.makedirs(os.path.join(root, "conf.d"))
    is_24 = version.startswith("2.4")
    files = {
        "dovecot.conf": DOVECOT_CONF_24 if is_24 else DOVECOT_CONF_23,
        "conf.d/10-mail.conf": mail_conf if mail_conf is not None else (MAIL_CONF_24 if is_24 else MAIL_CONF_23),
        "conf.d/10-auth.conf": auth_conf,
        "conf.d/auth-system.conf.ext": "passdb {\n  driver = pam\n}\n",
    }
    if ssl_conf is not None:
        files["conf.d/10-ssl.conf"] = ssl_conf
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


def auth_conf(config_dir):
    return os.path.join(config_dir, "conf.d", "10-auth.conf")


def test_replace_active_line_in_place(env, run_module):
    """An active top-level line gets the new value on the same line; every other line stays byte-identical."""
    config_dir, _dovecot = env()
    result = run_module("dovecot_config", {"config_dir": config_dir, "settings": {"mail_privileged_group": "vmail"}})
    assert result["changed"] is True
    assert result["changes"] == [{"path": mail_conf(config_dir), "name": "mail_privileged_group", "before": "mail", "after": "vmail"}]
    assert read(mail_conf(config_dir)) == MAIL_CONF_23.replace("mail_privileged_group = mail\n", "mail_privileged_group = vmail\n")


def test_uncomment_in_place(env, run_module):
    """A commented-out top-level '#name = ...' line is uncommented and set where it is."""
    config_dir, _dovecot = env()
    result = run_module("dovecot_config", {"config_dir": config_dir, "path": "conf.d/10-auth.conf", "settings": {"disable_plaintext_auth": False}})
    assert result["changes"] == [{"path": auth_conf(config_dir), "name": "disable_plaintext_auth", "before": None, "after": "no"}]
    assert read(os.path.join(config_dir, "conf.d/10-auth.conf")) == AUTH_CONF_23.replace("#disable_plaintext_auth = yes\n", "disable_plaintext_auth = no\n")


def test_append_when_not_in_file(env, run_module):
    """A setting neither active nor commented out at top level is appended at the end of the file."""
    config_dir, _dovecot = env()
    result = run_module("dovecot_config", {"config_dir": config_dir, "settings": {"mail_debug": True}})
    assert result["changes"] == [{"path": mail_conf(config_dir), "name": "mail_debug", "before": None, "after": "yes"}]
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
    assert result["changes"] == [{"path": mail_conf(config_dir), "name": "mail_uid", "before": "b", "after": "vmail"}]
    assert read(mail_conf(config_dir)) == "mail_uid = vmail\nmail_uid = vmail\n"


def test_continued_line_becomes_one_line(env, run_module):
    """A setting continued with a trailing backslash is replaced as a whole by one line."""
    config_dir, _dovecot = env(mail_conf="# top\nmail_plugins = acl \\\n  quota\nmail_uid = a\n")
    result = run_module("dovecot_config", {"config_dir": config_dir, "settings": {"mail_plugins": "acl"}})
    assert result["changes"] == [{"path": mail_conf(config_dir), "name": "mail_plugins", "before": "acl quota", "after": "acl"}]
    assert read(mail_conf(config_dir)) == "# top\nmail_plugins = acl\nmail_uid = a\n"


def test_absent_comments_out(env, run_module):
    """absent puts '#' before an active top-level line (not deleting it); a name not active is no change."""
    config_dir, _dovecot = env()
    result = run_module("dovecot_config", {"config_dir": config_dir, "absent": ["mail_privileged_group", "mail_uid"]})
    assert result["changes"] == [{"path": mail_conf(config_dir), "name": "mail_privileged_group", "before": "mail", "after": None}]
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
        {"path": mail_conf(config_dir), "name": "mail_driver", "before": "mbox", "after": "maildir"},
        {"path": mail_conf(config_dir), "name": "mail_path", "before": "%{home}/mail", "after": "~/Maildir"},
        {"path": mail_conf(config_dir), "name": "mail_inbox_path", "before": "/var/mail/%{user}", "after": None},
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
    assert result["changes"] == [
        {"path": mail_conf(config_dir), "name": "mail_location", "before": "mbox:~/mail:INBOX=/var/mail/%u", "after": "maildir:~/Maildir"}
    ]
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
        # 2.3 names with an exact translation are translated on 2.4 (see the translation tests); values that have none are refused.
        (VERSION_24, {"settings": {"ssl_cert": "-----BEGIN CERTIFICATE----- MIIB -----END CERTIFICATE-----"}},
         "settings: 'ssl_cert' is not a Dovecot 2.4 setting: it was renamed to ssl_server_cert_file in Dovecot 2.4, and its value cannot be"
         " translated: '-----BEGIN CERTIFICATE----- MIIB -----END CERTIFICATE-----' is not '<' followed by a file name"),
        (VERSION_24, {"settings": {"disable_plaintext_auth": "maybe"}},
         "replaced in Dovecot 2.4 by auth_allow_cleartext, with the opposite meaning (disable_plaintext_auth = yes is auth_allow_cleartext = no),"
         " and its value cannot be translated: 'maybe' is not yes or no"),
        (VERSION_24, {"settings": {"ssl_ca": "</etc/ssl/ca.pem"}},
         "settings: 'ssl_ca' is not a Dovecot 2.4 setting: it was split in Dovecot 2.4 into ssl_server_ca_file and ssl_client_ca_file"),
        (VERSION_24, {"settings": {"auth_worker_max_count": 30}}, "'auth_worker_max_count' is not a Dovecot 2.4 setting: it was removed in Dovecot 2.4"),
        (VERSION_24, {"settings": {"verbose_ssl": True}}, "'verbose_ssl' is not a Dovecot 2.4 setting: it was removed in Dovecot 2.4; use log_debug"),
        (VERSION_24, {"settings": {"mail_location": "maildir:~/Maildir"}}, "settings: 'mail_location' is not a Dovecot 2.4 setting: it was replaced"),
        (VERSION_24, {"settings": {"ssl_cert": "</etc/ssl/a.pem", "ssl_server_cert_file": "/etc/ssl/b.pem"}},
         "settings: 'ssl_cert' and 'ssl_server_cert_file' both set ssl_server_cert_file on Dovecot 2.4; give only one of them"),
        (VERSION_24, {"settings": {"disable_plaintext_auth": True}, "absent": ["auth_allow_cleartext"]}, "absent: 'auth_allow_cleartext' is also in settings"),
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


# Shortened from Debian 13's conf.d/10-auth.conf.
AUTH_CONF_24 = """##
## Authentication processes
##

# Disable LOGIN command and all other plaintext authentications unless
# SSL/TLS is used (LOGINDISABLED capability).
#auth_allow_cleartext = no

auth_mechanisms = plain

!include auth-system.conf.ext
"""

# Shortened from Debian 12's conf.d/10-ssl.conf.
SSL_CONF_23 = """##
## SSL settings
##

ssl = yes

ssl_cert = </etc/dovecot/private/dovecot.pem
ssl_key = </etc/dovecot/private/dovecot.key

#ssl_ca =
ssl_client_ca_dir = /etc/ssl/certs
ssl_dh = </usr/share/dovecot/dh.pem
"""

# Shortened from Debian 13's conf.d/10-ssl.conf.
SSL_CONF_24 = """##
## SSL settings
##

ssl = yes

ssl_server_cert_file = /etc/dovecot/private/dovecot.pem
ssl_server_key_file = /etc/dovecot/private/dovecot.key

#ssl_server_ca_file =
ssl_client_ca_dir = /etc/ssl/certs
#ssl_server_dh_file = /etc/dovecot/dh.pem
"""

SNAKEOIL_CERT = "/etc/ssl/certs/ssl-cert-snakeoil.pem"
SNAKEOIL_KEY = "/etc/ssl/private/ssl-cert-snakeoil.key"
# The call of the role, on Dovecot 2.3 and 2.4 alike.
ROLE_FILES = [
    {"path": "conf.d/10-mail.conf", "mail_location": "maildir:~/Maildir"},
    {"path": "conf.d/10-auth.conf", "settings": {"disable_plaintext_auth": "yes", "auth_mechanisms": "plain login"}},
    {"path": "conf.d/10-ssl.conf", "settings": {"ssl": "required", "ssl_cert": "<" + SNAKEOIL_CERT, "ssl_key": "<" + SNAKEOIL_KEY}},
]
# What the role's call leaves active in each file.
ROLE_RESULT_23 = {
    "10-mail.conf": {"mail_location": "maildir:~/Maildir"},
    "10-auth.conf": {"disable_plaintext_auth": "yes", "auth_mechanisms": "plain login"},
    "10-ssl.conf": {"ssl": "required", "ssl_cert": "<" + SNAKEOIL_CERT, "ssl_key": "<" + SNAKEOIL_KEY, "ssl_dh": "</usr/share/dovecot/dh.pem"},
}
ROLE_RESULT_24 = {
    "10-mail.conf": {"mail_driver": "maildir", "mail_path": "~/Maildir"},
    "10-auth.conf": {"auth_allow_cleartext": "no", "auth_mechanisms": "plain login"},
    "10-ssl.conf": {"ssl": "required", "ssl_server_cert_file": SNAKEOIL_CERT, "ssl_server_key_file": SNAKEOIL_KEY},
}
TREES = {
    VERSION_23: {"auth_conf": AUTH_CONF_23, "ssl_conf": SSL_CONF_23},
    VERSION_24: {"auth_conf": AUTH_CONF_24, "ssl_conf": SSL_CONF_24},
}
LOCATION_AND_SSL = {"mail_driver", "mail_path", "mail_inbox_path", "mail_location", "ssl", "ssl_cert", "ssl_key", "ssl_dh",
                    "ssl_server_cert_file", "ssl_server_key_file", "ssl_server_dh_file"}


def conf_d(config_dir, name):
    return os.path.join(config_dir, "conf.d", name)


def digests(config_dir):
    """{file name: sha256} of everything in conf.d."""
    return {name: sha256(conf_d(config_dir, name)) for name in sorted(os.listdir(os.path.join(config_dir, "conf.d")))}


def role_settings(config_dir, name):
    """The active top-level settings of conf.d/NAME that the role's call is about."""
    active = active_settings(read(conf_d(config_dir, name)))
    wanted = set(ROLE_RESULT_24[name]) | set(ROLE_RESULT_23[name]) | LOCATION_AND_SSL | {"disable_plaintext_auth"}
    return {key: value for key, value in active.items() if key in wanted}


@pytest.mark.parametrize("version, expected", [(VERSION_23, ROLE_RESULT_23), (VERSION_24, ROLE_RESULT_24)])
def test_files_form_role_call(env, run_module, version, expected):
    """The role's call edits the three files in one module run: one 'dovecot --version', one doveconf check of the
    whole tree with all three new files in it, and every change names its file."""
    config_dir, dovecot = env(version, **TREES[version])
    result = run_module("dovecot_config", {"config_dir": config_dir, "files": ROLE_FILES})
    assert result["failed"] is False, result.get("msg")
    assert result["changed"] is True
    assert {name: role_settings(config_dir, name) for name in expected} == expected
    assert dovecot.calls.count([DOVECOT, "--version"]) == 1
    assert len(dovecot.validations) == 1
    (checked,) = dovecot.checked
    for name in expected:
        assert checked["conf.d/" + name] == read(conf_d(config_dir, name))
    assert {change["path"] for change in result["changes"]} == {conf_d(config_dir, name) for name in expected}


def test_files_form_translated_on_24(env, run_module):
    """On 2.4 the role's 2.3 names are translated and returned; the Debian 13 lines are set in place."""
    config_dir, _dovecot = env(VERSION_24, **TREES[VERSION_24])
    result = run_module("dovecot_config", {"config_dir": config_dir, "files": ROLE_FILES})
    assert result["translated"] == [
        {"path": conf_d(config_dir, "10-auth.conf"), "name": "disable_plaintext_auth", "value": "yes",
         "to_name": "auth_allow_cleartext", "to_value": "no"},
        {"path": conf_d(config_dir, "10-ssl.conf"), "name": "ssl_cert", "value": "<" + SNAKEOIL_CERT,
         "to_name": "ssl_server_cert_file", "to_value": SNAKEOIL_CERT},
        {"path": conf_d(config_dir, "10-ssl.conf"), "name": "ssl_key", "value": "<" + SNAKEOIL_KEY,
         "to_name": "ssl_server_key_file", "to_value": SNAKEOIL_KEY},
    ]
    assert "\n# SSL/TLS is used (LOGINDISABLED capability).\nauth_allow_cleartext = no\n" in read(conf_d(config_dir, "10-auth.conf"))
    assert "\nssl_server_cert_file = %s\nssl_server_key_file = %s\n" % (SNAKEOIL_CERT, SNAKEOIL_KEY) in read(conf_d(config_dir, "10-ssl.conf"))


@pytest.mark.parametrize("version", [VERSION_23, VERSION_24])
def test_files_form_idempotent(env, run_module, version):
    """The role's call twice: the second run changes nothing, checks nothing and writes nothing."""
    config_dir, dovecot = env(version, **TREES[version])
    args = {"config_dir": config_dir, "files": ROLE_FILES}
    assert run_module("dovecot_config", args)["changed"] is True
    before = digests(config_dir)
    mtimes = {name: os.stat(conf_d(config_dir, name)).st_mtime_ns for name in before}
    validations = len(dovecot.validations)
    second = run_module("dovecot_config", args)
    assert (second["failed"], second["changed"], second["changes"]) == (False, False, [])
    assert len(dovecot.validations) == validations
    assert digests(config_dir) == before
    assert {name: os.stat(conf_d(config_dir, name)).st_mtime_ns for name in before} == mtimes


@pytest.mark.parametrize("version", [VERSION_23, VERSION_24])
def test_files_form_check_mode_writes_nothing(env, run_module, version):
    """Check mode reports the changes of every file and still checks the tree once, but writes no file."""
    config_dir, dovecot = env(version, **TREES[version])
    before = digests(config_dir)
    result = run_module("dovecot_config", {"config_dir": config_dir, "files": ROLE_FILES}, check_mode=True, diff=True)
    assert result["changed"] is True
    assert {change["path"] for change in result["changes"]} == {conf_d(config_dir, name) for name in ROLE_RESULT_23}
    assert len(dovecot.validations) == 1
    assert digests(config_dir) == before
    assert [diff["before_header"] for diff in result["diff"]] == [conf_d(config_dir, name) for name in ROLE_RESULT_23]
    assert all(diff["before"] != diff["after"] for diff in result["diff"])


def test_files_form_all_or_none(env, run_module):
    """When doveconf rejects the new configuration, no file changes, though only one file holds the bad value."""
    config_dir, dovecot = env(VERSION_23, **TREES[VERSION_23])
    before = digests(config_dir)
    files = [ROLE_FILES[1], ROLE_FILES[2], {"path": "conf.d/10-mail.conf", "mail_location": "maildir:~/Maildir", "settings": {"mail_debug": "maybe"}}]
    result = run_module("dovecot_config", {"config_dir": config_dir, "files": files})
    assert result["failed"] is True
    assert result["msg"].startswith(
        "%s, %s, %s: doveconf rejected the new configuration, the files are unchanged: "
        % (conf_d(config_dir, "10-auth.conf"), conf_d(config_dir, "10-ssl.conf"), conf_d(config_dir, "10-mail.conf"))
    )
    assert "Invalid boolean value: maybe (use yes or no)" in result["msg"]
    assert len(dovecot.validations) == 1
    assert digests(config_dir) == before


def test_files_form_bad_input_in_one_file_changes_none(env, run_module):
    """Bad input for the last file fails naming its item, before any file (the first ones included) is written."""
    config_dir, dovecot = env(VERSION_23, **TREES[VERSION_23])
    before = digests(config_dir)
    files = ROLE_FILES + [{"path": "conf.d/99-local.conf", "settings": {"auth_allow_cleartext": "no"}}]
    result = run_module("dovecot_config", {"config_dir": config_dir, "files": files})
    assert result["failed"] is True
    assert result["msg"].startswith("files[3].settings: 'auth_allow_cleartext' is not a Dovecot 2.3 setting: it is called disable_plaintext_auth")
    assert not dovecot.validations
    assert digests(config_dir) == before


@pytest.mark.parametrize(
    "args, message",
    [
        ({"files": [{"path": "conf.d/10-mail.conf"}, {"path": "conf.d/../conf.d/10-mail.conf"}]},
         "files[1].path: %(mail)s is also files[0].path; list each file once"),
        ({"files": [{"path": "../passwd"}]}, "files[0].path: '../passwd' is not a file inside config_dir"),
        ({"files": [{"path": "conf.d/10-mail.conf", "mail_location": "nosuch:~/Maildir"}]}, "files[0].mail_location: unknown mail driver 'nosuch'"),
        ({"files": [{"path": "conf.d/10-mail.conf", "settings": {"mail_uid": ["a", {}]}}]}, "files[0].settings.mail_uid: value ['a', {}] must be"),
        ({"files": [{"path": "conf.d/10-mail.conf", "absent": ["mail uid"]}]}, "files[0].absent: 'mail uid' is not a Dovecot setting name"),
        ({"files": [{"path": "conf.d/10-mail.conf"}], "path": "conf.d/10-auth.conf"}, "parameters are mutually exclusive: files|path"),
        ({"files": [{"path": "conf.d/10-mail.conf"}], "settings": {"mail_uid": "x"}}, "parameters are mutually exclusive: files|settings"),
    ],
)
def test_files_form_bad_input(env, run_module, args, message):
    """Bad input of the files form fails naming the item and option; no file changes."""
    config_dir, _dovecot = env()
    before = digests(config_dir)
    result = run_module("dovecot_config", dict(args, config_dir=config_dir))
    assert result["failed"] is True
    assert message % {"mail": mail_conf(config_dir)} in result["msg"]
    assert digests(config_dir) == before


def test_files_form_unknown_setting_names_its_item(env, run_module):
    """A name doveconf does not know is reported with the item of files that sets it."""
    config_dir, _dovecot = env()
    files = [{"path": "conf.d/10-auth.conf", "settings": {"auth_mechanisms": "plain"}}, {"path": "conf.d/10-mail.conf", "settings": {"mail_uidd": "x"}}]
    result = run_module("dovecot_config", {"config_dir": config_dir, "files": files})
    assert result["msg"].startswith("files[1].settings: 'mail_uidd' is not a Dovecot 2.3 setting; did you mean mail_uid?")


def test_files_form_backup(env, run_module):
    """backup=true keeps a copy of each changed file, returned by file."""
    config_dir, _dovecot = env(VERSION_23, **TREES[VERSION_23])
    result = run_module("dovecot_config", {"config_dir": config_dir, "files": ROLE_FILES, "backup": True})
    assert sorted(result["backup_files"]) == sorted(conf_d(config_dir, name) for name in ROLE_RESULT_23)
    assert read(result["backup_files"][conf_d(config_dir, "10-ssl.conf")]) == SSL_CONF_23
    assert "backup_file" not in result


@pytest.mark.parametrize(
    "settings, line, translated",
    [
        ({"disable_plaintext_auth": "yes"}, "auth_allow_cleartext = no", ("disable_plaintext_auth", "yes", "auth_allow_cleartext", "no")),
        ({"disable_plaintext_auth": False}, "auth_allow_cleartext = yes", ("disable_plaintext_auth", "no", "auth_allow_cleartext", "yes")),
        ({"auth_default_realm": "example.org"}, "auth_default_domain = example.org",
         ("auth_default_realm", "example.org", "auth_default_domain", "example.org")),
        ({"ssl_cert": "</etc/ssl/a.pem"}, "ssl_server_cert_file = /etc/ssl/a.pem", ("ssl_cert", "</etc/ssl/a.pem", "ssl_server_cert_file", "/etc/ssl/a.pem")),
        ({"ssl_dh": "< /usr/share/dovecot/dh.pem"}, "ssl_server_dh_file = /usr/share/dovecot/dh.pem",
         ("ssl_dh", "< /usr/share/dovecot/dh.pem", "ssl_server_dh_file", "/usr/share/dovecot/dh.pem")),
        ({"ssl_prefer_server_ciphers": True}, "ssl_server_prefer_ciphers = server",
         ("ssl_prefer_server_ciphers", "yes", "ssl_server_prefer_ciphers", "server")),
        ({"mail_attachment_dir": "/var/attachments/%d"}, "mail_ext_attachment_path = /var/attachments/%{user | domain}",
         ("mail_attachment_dir", "/var/attachments/%d", "mail_ext_attachment_path", "/var/attachments/%{user | domain}")),
    ],
)
def test_settings_translated_on_24(env, run_module, settings, line, translated):
    """On 2.4 a 2.3 name with an exact translation is written as its 2.4 setting and returned in translated."""
    config_dir, _dovecot = env(VERSION_24, mail_conf="")
    result = run_module("dovecot_config", {"config_dir": config_dir, "settings": settings})
    assert result["failed"] is False, result.get("msg")
    assert read(mail_conf(config_dir)) == line + "\n"
    assert result["translated"] == [dict(zip(("name", "value", "to_name", "to_value"), translated), path=mail_conf(config_dir))]
    assert result["changes"] == [{"path": mail_conf(config_dir), "name": translated[2], "before": None, "after": translated[3]}]


def test_settings_not_translated_on_23(env, run_module):
    """On 2.3 the 2.3 names are written as they are and nothing is reported as translated."""
    config_dir, _dovecot = env(VERSION_23, mail_conf="")
    result = run_module("dovecot_config", {"config_dir": config_dir, "settings": {"disable_plaintext_auth": True, "ssl_cert": "</etc/ssl/a.pem"}})
    assert result["translated"] == []
    assert read(mail_conf(config_dir)) == "disable_plaintext_auth = yes\nssl_cert = </etc/ssl/a.pem\n"


STUDENT_AUTH_CONF_24 = AUTH_CONF_24 + "disable_plaintext_auth = no\n"


def test_student_line_commented_out_when_successor_is_set(env, run_module):
    """A student's 2.3 line in a managed file is commented out when the task sets its 2.4 successor there
    (here via the 2.3 name, translated); the wanted value wins."""
    config_dir, _dovecot = env(VERSION_24, **dict(TREES[VERSION_24], auth_conf=STUDENT_AUTH_CONF_24))
    result = run_module("dovecot_config", {"config_dir": config_dir, "files": ROLE_FILES})
    assert result["failed"] is False, result.get("msg")
    text = read(conf_d(config_dir, "10-auth.conf"))
    assert text == AUTH_CONF_24.replace("#auth_allow_cleartext = no\n", "auth_allow_cleartext = no\n").replace(
        "auth_mechanisms = plain\n", "auth_mechanisms = plain login\n") + "#disable_plaintext_auth = no\n"
    auth_changes = [change for change in result["changes"] if change["path"] == conf_d(config_dir, "10-auth.conf")]
    assert auth_changes == [
        {"path": conf_d(config_dir, "10-auth.conf"), "name": "disable_plaintext_auth", "before": "no", "after": None},
        {"path": conf_d(config_dir, "10-auth.conf"), "name": "auth_allow_cleartext", "before": None, "after": "no"},
        {"path": conf_d(config_dir, "10-auth.conf"), "name": "auth_mechanisms", "before": "plain", "after": "plain login"},
    ]
    assert run_module("dovecot_config", {"config_dir": config_dir, "files": ROLE_FILES})["changed"] is False


def test_student_line_commented_out_for_24_name(env, run_module):
    """The same when the task gives the 2.4 name itself."""
    config_dir, _dovecot = env(VERSION_24, auth_conf=STUDENT_AUTH_CONF_24)
    result = run_module("dovecot_config", {"config_dir": config_dir, "path": "conf.d/10-auth.conf", "settings": {"auth_allow_cleartext": False}})
    assert result["translated"] == []
    assert active_settings(read(auth_conf(config_dir))) == {"auth_allow_cleartext": "no", "auth_mechanisms": "plain"}
    assert read(auth_conf(config_dir)).endswith("\n#disable_plaintext_auth = no\n")


def test_student_line_rewritten_when_successor_not_set(env, run_module):
    """A student's 2.3 line with an exact translation is rewritten in place when the task does not set its successor."""
    config_dir, dovecot = env(VERSION_24, auth_conf=AUTH_CONF_24 + "disable_plaintext_auth = no  # from a 2.3 tutorial\n")
    result = run_module("dovecot_config", {"config_dir": config_dir, "path": "conf.d/10-auth.conf", "settings": {"auth_mechanisms": "plain login"}})
    assert result["failed"] is False, result.get("msg")
    assert read(auth_conf(config_dir)) == AUTH_CONF_24.replace("auth_mechanisms = plain\n", "auth_mechanisms = plain login\n") + (
        "auth_allow_cleartext = yes  # from a 2.3 tutorial\n")
    assert result["translated"] == [
        {"path": auth_conf(config_dir), "name": "disable_plaintext_auth", "value": "no", "to_name": "auth_allow_cleartext", "to_value": "yes"}
    ]
    assert result["changes"][:2] == [
        {"path": auth_conf(config_dir), "name": "disable_plaintext_auth", "before": "no", "after": None},
        {"path": auth_conf(config_dir), "name": "auth_allow_cleartext", "before": None, "after": "yes"},
    ]
    assert len(dovecot.validations) == 1
    second = run_module("dovecot_config", {"config_dir": config_dir, "path": "conf.d/10-auth.conf", "settings": {"auth_mechanisms": "plain login"}})
    assert (second["changed"], second["translated"]) == (False, [])


def test_upgraded_host_files_fixed(env, run_module):
    """A Debian 12 -> 13 upgrade that kept the 2.3 files: the role's call on 2.4 comments out mail_location (the option is
    given) and ssl_cert/ssl_key (their successors are set), rewrites ssl_dh (not set) and leaves commented lines alone."""
    config_dir, _dovecot = env(VERSION_24, mail_conf=MAIL_CONF_23, auth_conf=AUTH_CONF_23, ssl_conf=SSL_CONF_23)
    result = run_module("dovecot_config", {"config_dir": config_dir, "files": ROLE_FILES})
    assert result["failed"] is False, result.get("msg")
    mail = read(mail_conf(config_dir))
    assert "\n#mail_location = mbox:~/mail:INBOX=/var/mail/%u\n" in mail
    assert "#   mail_location = maildir:~/Maildir\n" in mail
    assert mail.endswith("}\nmail_driver = maildir\nmail_path = ~/Maildir\n")
    assert read(conf_d(config_dir, "10-ssl.conf")) == (
        SSL_CONF_23.replace("ssl = yes", "ssl = required")
        .replace("ssl_cert = </etc/dovecot/private/dovecot.pem\nssl_key = </etc/dovecot/private/dovecot.key\n",
                 "#ssl_cert = </etc/dovecot/private/dovecot.pem\n#ssl_key = </etc/dovecot/private/dovecot.key\n")
        .replace("ssl_dh = </usr/share/dovecot/dh.pem\n", "ssl_server_dh_file = /usr/share/dovecot/dh.pem\n")
        + "ssl_server_cert_file = %s\nssl_server_key_file = %s\n" % (SNAKEOIL_CERT, SNAKEOIL_KEY)
    )
    assert "#ssl_ca =\n" in read(conf_d(config_dir, "10-ssl.conf"))
    assert "\n#disable_plaintext_auth = yes\n" in read(auth_conf(config_dir))
    assert {"path": conf_d(config_dir, "10-ssl.conf"), "name": "ssl_dh", "value": "</usr/share/dovecot/dh.pem",
            "to_name": "ssl_server_dh_file", "to_value": "/usr/share/dovecot/dh.pem"} in result["translated"]
    assert run_module("dovecot_config", {"config_dir": config_dir, "files": ROLE_FILES})["changed"] is False


def test_mail_location_line_rewritten(env, run_module):
    """A 2.3 mail_location line in a file edited without the mail_location option becomes the 2.4 settings in place."""
    config_dir, _dovecot = env(VERSION_24, mail_conf="# where\nmail_location = mbox:~/mail:INBOX=/var/mail/%u # old\nmail_uid = vmail\n")
    result = run_module("dovecot_config", {"config_dir": config_dir, "settings": {"mail_path": "~/Mail"}})
    assert result["failed"] is False, result.get("msg")
    assert read(mail_conf(config_dir)) == (
        "# where\nmail_driver = mbox # old\nmail_path = ~/Mail\nmail_inbox_path = /var/mail/%{user}\nmail_uid = vmail\n")
    assert [(item["to_name"], item["to_value"]) for item in result["translated"]] == [
        ("mail_driver", "mbox"), ("mail_path", "~/mail"), ("mail_inbox_path", "/var/mail/%{user}")]


def test_23_lines_in_sections_and_comments_untouched(env, run_module):
    """Only active top-level 2.3 lines are handled: commented-out ones and those inside sections stay as they are."""
    text = "#disable_plaintext_auth = yes\nprotocol imap {\n  ssl_cert = </etc/ssl/imap.pem\n}\n"
    config_dir, _dovecot = env(VERSION_24, mail_conf=text)
    result = run_module("dovecot_config", {"config_dir": config_dir, "settings": {"mail_uid": "vmail"}})
    assert result["failed"] is False, result.get("msg")
    assert read(mail_conf(config_dir)) == text + "mail_uid = vmail\n"
    assert result["translated"] == []


@pytest.mark.parametrize(
    "ssl_conf, message",
    [
        (SSL_CONF_24 + "ssl_ca = </etc/ssl/ca.pem\n",
         "%(ssl)s line 13: ssl_ca is a Dovecot 2.3 setting, not a Dovecot 2.4 one: it was split in Dovecot 2.4 into ssl_server_ca_file"
         " and ssl_client_ca_file. It has no exact Dovecot 2.4 translation, so no file was changed: change or remove that line"
         " (or set ssl_server_ca_file or ssl_client_ca_file in this file with this module, which comments the line out)"),
        (SSL_CONF_24 + "verbose_ssl = yes\n", "%(ssl)s line 13: verbose_ssl is a Dovecot 2.3 setting, not a Dovecot 2.4 one: it was removed"),
        (SSL_CONF_24 + "ssl_alt_cert = -----BEGIN CERTIFICATE-----\n",
         "%(ssl)s line 13: ssl_alt_cert is a Dovecot 2.3 setting, not a Dovecot 2.4 one: it was renamed to ssl_server_alt_cert_file in Dovecot 2.4;"
         " its value cannot be translated: '-----BEGIN CERTIFICATE-----' is not '<' followed by a file name"),
    ],
)
def test_untranslatable_23_line_fails(env, run_module, ssl_conf, message):
    """A 2.3 line with no exact translation fails the role's call naming file, line and setting; no file changes."""
    config_dir, dovecot = env(VERSION_24, **dict(TREES[VERSION_24], ssl_conf=ssl_conf))
    before = digests(config_dir)
    result = run_module("dovecot_config", {"config_dir": config_dir, "files": ROLE_FILES})
    assert result["failed"] is True
    assert message % {"ssl": conf_d(config_dir, "10-ssl.conf")} in result["msg"]
    assert not dovecot.validations
    assert digests(config_dir) == before


def test_untranslatable_student_line_fails(env, run_module):
    """The message of the brief: file, line number, setting and what it is in 2.4; the files are unchanged."""
    config_dir, _dovecot = env(VERSION_24, **dict(TREES[VERSION_24], auth_conf=AUTH_CONF_24 + "auth_worker_max_count = 50\n"))
    before = digests(config_dir)
    result = run_module("dovecot_config", {"config_dir": config_dir, "files": ROLE_FILES})
    assert result["msg"] == (
        "%s line 12: auth_worker_max_count is a Dovecot 2.3 setting, not a Dovecot 2.4 one: it was removed in Dovecot 2.4;"
        " set process_limit in the service auth-worker section. It has no exact Dovecot 2.4 translation, so no file was changed:"
        " change or remove that line" % auth_conf(config_dir)
    )
    assert digests(config_dir) == before


def test_translated_password_hidden(env, run_module):
    """A 2.3 ssl_key_password line rewritten on 2.4 keeps its value out of the output."""
    config_dir, _dovecot = env(VERSION_24, mail_conf="ssl_key_password = Old-s3cret\n")
    result = run_module("dovecot_config", {"config_dir": config_dir, "settings": {"mail_uid": "vmail"}}, diff=True)
    assert result["changed"] is True
    assert "Old-s3cret" not in repr(result)
    assert read(mail_conf(config_dir)) == "ssl_server_key_password = Old-s3cret\nmail_uid = vmail\n"


# After an upgrade from Debian 12: ucf kept the Dovecot 2.3 files and put Debian 13's beside them.
UPGRADED_TREE = {
    "dovecot.conf": (DOVECOT_CONF_23, DOVECOT_CONF_24),
    "conf.d/10-mail.conf": (MAIL_CONF_23, MAIL_CONF_24),
    "conf.d/10-auth.conf": (AUTH_CONF_23, AUTH_CONF_24),
    "conf.d/10-ssl.conf": (SSL_CONF_23, SSL_CONF_24),
}


def upgraded(env, **changed):
    """A Dovecot 2.4 host as the upgrade left it: each file of UPGRADED_TREE (or of ``changed``, relative
    path: kept text) with Debian 13's version beside it as FILE.ucf-dist."""
    config_dir, dovecot = env(VERSION_24, **TREES[VERSION_24])
    for relative, (kept, new) in UPGRADED_TREE.items():
        with open(os.path.join(config_dir, relative), "w") as handle:
            handle.write(changed.get(relative, kept))
        with open(os.path.join(config_dir, relative + ".ucf-dist"), "w") as handle:
            handle.write(new)
    return config_dir, dovecot


def tree_digests(config_dir):
    """{relative path: sha256} of every file of the configuration directory."""
    return {os.path.relpath(path, config_dir): sha256(path)
            for path in glob.glob(os.path.join(config_dir, "**"), recursive=True) if os.path.isfile(path)}


def test_upgrade_takes_debian_13_files_and_sets_the_role_settings(env, run_module):
    """The kept Debian 12 files are replaced by Debian 13's, the role's settings written into them, all
    checked by doveconf once; what was kept stays as FILE.ucf-old, and no FILE.ucf-dist is left."""
    config_dir, dovecot = upgraded(env)
    result = run_module("dovecot_config", {"config_dir": config_dir, "files": ROLE_FILES, "debian_upgrade": True})
    assert result["failed"] is False, result.get("msg")
    assert result["changed"] is True
    assert result["replaced"] == sorted(os.path.join(config_dir, relative) for relative in UPGRADED_TREE)
    assert read(os.path.join(config_dir, "dovecot.conf")) == DOVECOT_CONF_24
    assert {name: role_settings(config_dir, name) for name in ROLE_RESULT_24} == ROLE_RESULT_24
    assert "mail_privileged_group = mail" in read(conf_d(config_dir, "10-mail.conf"))
    for relative, (kept, _new) in UPGRADED_TREE.items():
        assert read(os.path.join(config_dir, relative + ".ucf-old")) == kept
        assert not os.path.exists(os.path.join(config_dir, relative + ".ucf-dist"))
    (checked,) = dovecot.checked
    assert checked["dovecot.conf"] == DOVECOT_CONF_24


def test_upgrade_then_idempotent(env, run_module):
    config_dir, _dovecot = upgraded(env)
    args = {"config_dir": config_dir, "files": ROLE_FILES, "debian_upgrade": True}
    assert run_module("dovecot_config", args)["changed"] is True
    before = tree_digests(config_dir)
    again = run_module("dovecot_config", args)
    assert (again["changed"], again["replaced"], again["changes"]) == (False, [], [])
    assert tree_digests(config_dir) == before


def test_upgrade_in_check_mode_writes_nothing(env, run_module):
    config_dir, dovecot = upgraded(env)
    before = tree_digests(config_dir)
    result = run_module("dovecot_config", {"config_dir": config_dir, "files": ROLE_FILES, "debian_upgrade": True},
                        check_mode=True, diff=True)
    assert result["changed"] is True and len(result["replaced"]) == 4
    assert tree_digests(config_dir) == before
    assert len(dovecot.validations) == 1
    assert {item["before_header"] for item in result["diff"]} == set(result["replaced"])


def test_upgrade_refuses_files_with_the_admins_own_settings(env, run_module):
    """A kept file with a setting Debian 12 did not have is the admin's: the task stops, naming the file and
    the line, and changes no file (not even the unmodified ones)."""
    config_dir, dovecot = upgraded(env, **{"conf.d/10-mail.conf": MAIL_CONF_23 + "mail_debug = yes\n"})
    before = tree_digests(config_dir)
    result = run_module("dovecot_config", {"config_dir": config_dir, "files": ROLE_FILES, "debian_upgrade": True})
    assert result["failed"] is True
    assert "%s (added: mail_debug = yes)" % conf_d(config_dir, "10-mail.conf") in result["msg"]
    assert "No file was changed" in result["msg"] and "10-mail.conf.ucf-dist" not in result["msg"]
    assert tree_digests(config_dir) == before
    assert dovecot.validations == []


def test_upgrade_refuses_a_kept_file_it_does_not_know(env, run_module):
    """A kept file that Debian 12's Dovecot did not ship in this form cannot be told apart from the admin's."""
    config_dir, _dovecot = upgraded(env)
    for name, text in (("90-sieve.conf", "plugin {\n}\n"), ("90-sieve.conf.ucf-dist", "sieve_script personal {\n}\n")):
        with open(conf_d(config_dir, name), "w") as handle:
            handle.write(text)
    result = run_module("dovecot_config", {"config_dir": config_dir, "files": ROLE_FILES, "debian_upgrade": True})
    assert result["failed"] is True
    assert "%s (not a file of Debian 12's Dovecot)" % conf_d(config_dir, "90-sieve.conf") in result["msg"]


def test_upgrade_is_off_unless_asked(env, run_module):
    """Without debian_upgrade the kept files are edited as they are (and 2.3 lines translated)."""
    config_dir, _dovecot = upgraded(env)
    result = run_module("dovecot_config", {"config_dir": config_dir, "files": ROLE_FILES})
    assert result["replaced"] == []
    assert read(os.path.join(config_dir, "dovecot.conf")) == DOVECOT_CONF_23
    assert os.path.exists(os.path.join(config_dir, "dovecot.conf.ucf-dist"))
