#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: dovecot_config
short_description: Set top-level Dovecot settings in one configuration file, for Dovecot 2.3 and 2.4
version_added: 0.1.0
author:
  - tkj.mailserver developers (@tkj-lab)
description:
  - Sets top-level C(name = value) settings in one file under the Dovecot configuration directory,
    for example C(conf.d/10-mail.conf), editing it the way a person would.
  - An active C(name = value) line outside any C({ }) section is changed in place (its trailing comment is kept).
    Otherwise a commented-out line C(#name = ...) outside any section, with the C(#) in the first column, is
    uncommented and set in place (the first such line). Otherwise the setting is appended to the end of the file.
    Commented lines with the C(#) indented (the body of a commented-out section) are never uncommented.
    Every other line stays byte-identical.
  - Settings named in O(absent) are commented out (a C(#) is put in front of the line), not deleted.
  - Knows the installed Dovecot version (from C(dovecot --version)) and the settings renamed between
    Dovecot 2.3 (Debian 12) and 2.4 (Debian 13); O(mail_location) is written as 2.3's C(mail_location)
    or as the equivalent 2.4 C(mail_*) settings.
  - Values are compared with their white space collapsed and surrounding quotes removed, so an equivalent value is no change.
  - Before the file is replaced, the whole configuration with the new file in it is checked with
    C(doveconf -c DIR/dovecot.conf -n) in a private temporary directory that mirrors the configuration
    directory with symbolic links (so files readable only by root or dovecot, and C(!include) or C(!include_try)
    of relative and absolute paths, work as in the real directory). Only when doveconf accepts it is the
    file replaced atomically; otherwise the file stays byte-identical and the module fails with doveconf's message.
  - A name that doveconf does not know fails with a message naming the setting and suggesting close names;
    a name renamed between 2.3 and 2.4 fails before doveconf runs, naming the name to use on the installed version.
options:
  path:
    description:
      - The file to edit, relative to O(config_dir), or an absolute path inside O(config_dir).
      - A path outside O(config_dir) is refused.
      - A file that does not exist yet is created (mode 0644) when there is something to set; its directory must exist.
        Make sure Dovecot includes it (Debian's C(dovecot.conf) includes C(conf.d/*.conf) and C(local.conf)).
    type: str
    default: conf.d/10-mail.conf
  config_dir:
    description:
      - The Dovecot configuration directory. It must hold C(dovecot.conf).
    type: path
    default: /etc/dovecot
  settings:
    description:
      - Top-level settings to set in the file, a dictionary of setting names and values.
      - A value may be a string, a number, a boolean (written as V(yes) or V(no)) or a list of those (written
        joined with spaces, for example the list V([imap, pop3]) for C(protocols) gives C(protocols = imap pop3)).
        Use V("") for an empty value. A value must be one line.
      - A value containing C(#) is written in double quotes, since Dovecot reads C(#) as the start of a comment.
      - Names are those of the installed Dovecot version. Using a 2.3 name on 2.4 or a 2.4 name on 2.3
        (for example C(ssl_cert) / C(ssl_server_cert_file), C(disable_plaintext_auth) / C(auth_allow_cleartext))
        fails with the name to use instead.
      - On Dovecot 2.4, C(*_file) settings take a plain path; a value starting with C(<) (the 2.3 way to read a file) is refused.
        On Dovecot 2.3, C(ssl_cert), C(ssl_key), C(ssl_dh), C(ssl_ca), C(ssl_alt_cert), C(ssl_alt_key), C(ssl_client_cert)
        and C(ssl_client_key) take C(<) followed by the file path (or the PEM text itself); a plain path is refused.
      - Values of settings whose name ends in C(_password) are kept out of the module's output.
    type: dict
    default: {}
  mail_location:
    description:
      - Where the mail is, in Dovecot 2.3's C(mail_location) form C(DRIVER:PATH[:KEY=VALUE|:FLAG]...),
        for example V(maildir:~/Maildir) or V(mbox:~/mail:INBOX=/var/mail/%u). A literal C(:) in a value is written C(::).
      - The driver must be one of V(maildir), V(mbox), V(sdbox), V(mdbox), V(imapc), V(pop3c).
      - On Dovecot 2.3 it is written as C(mail_location = VALUE).
      - "On Dovecot 2.4 it is written as the settings that replaced C(mail_location):
        DRIVER -> C(mail_driver);
        PATH -> C(mail_path);
        C(INBOX=) -> C(mail_inbox_path);
        C(INDEX=) -> C(mail_index_path);
        C(INDEXPVT=) -> C(mail_index_private_path);
        C(INDEXCACHE=) -> C(mail_cache_path);
        C(CONTROL=) -> C(mail_control_path);
        C(VOLATILEDIR=) -> C(mail_volatile_path);
        C(ALT=) -> C(mail_alt_path);
        C(ALTNOCHECK) -> C(mail_alt_check = no);
        C(LAYOUT=) -> C(mailbox_list_layout);
        C(SUBSCRIPTIONS=) -> C(mailbox_subscriptions_filename);
        C(MAILBOXDIR=) -> C(mailbox_root_directory_name);
        C(DIRNAME=) -> C(mailbox_directory_name) and C(mailbox_directory_name_legacy = yes);
        C(FULLDIRNAME=) -> C(mailbox_directory_name) and C(mailbox_directory_name_legacy = no);
        C(LISTINDEX=) -> C(mailbox_list_index_prefix);
        C(BROKENCHAR=) -> C(mailbox_list_visible_escape_char);
        C(ITERINDEX) -> C(mailbox_list_iter_from_index_dir = yes);
        C(UTF-8) -> C(mailbox_list_utf8 = yes);
        C(KEEP-NOSELECT) -> C(mailbox_list_drop_noselect = no);
        C(NO-NOSELECT) -> C(mailbox_list_drop_noselect = yes);
        C(NO-FS-VALIDATION) -> C(mailbox_list_validate_fs_names = no)."
      - On Dovecot 2.4 every other setting of that table, and an old C(mail_location) line, that is active in the file
        is commented out, so that the file describes exactly the given location. For example Debian 13's
        C(mail_inbox_path = /var/mail/%{user}) is commented out for V(maildir:~/Maildir), so INBOX is C(~/Maildir).
        C(mail_home) is not part of the location and is left as it is.
      - On Dovecot 2.4 the 2.3 variables C(%u), C(%n), C(%d), C(%h) are written as C(%{user}), C(%{user | username}),
        C(%{user | domain}), C(%{home}); other one-letter variables are refused (write them in the 2.4 C(%{...}) form).
      - Must not be combined with any of those settings in O(settings) or O(absent).
    type: str
  absent:
    description:
      - Top-level settings to comment out in the file, wherever they are active outside a section.
        A name that is not active in the file is no change.
      - A name may not also be in O(settings).
    type: list
    elements: str
    default: []
  backup:
    description:
      - Keep a copy of the file, with a time stamp in its name, before changing it.
    type: bool
    default: false
notes:
  - Run it as root (C(become=true)), because doveconf must read the whole configuration, including files readable only by root.
  - Settings of sections (C(service imap { ... }), C(namespace inbox { ... }), C(protocol ... { ... })) are not handled;
    their lines are never touched.
  - Only this file is edited. A later file (for example C(local.conf)) that sets the same name still wins in Dovecot.
  - A file included by an absolute path into the configuration directory is read from the real directory
    during validation, so the new content of such a file would not be checked.
  - Check mode writes nothing to the configuration directory; it still runs the doveconf check in a temporary directory.
  - doveconf accepts some wrong values that only fail when mail is accessed (for example C(mail_driver = nosuch) on 2.4);
    the module checks the mail driver itself.
attributes:
  check_mode:
    support: full
    description: Computes the new file, its diff and the changes, and validates it with doveconf, without writing the file.
  diff_mode:
    support: full
    description: The whole file before and after.
  platform:
    platforms: debian
    support: full
    description: Debian 12 (Dovecot 2.3) and Debian 13 (Dovecot 2.4).
seealso:
  - name: Upgrading Dovecot CE from 2.3 to 2.4
    description: The settings renamed in Dovecot 2.4.
    link: https://doc.dovecot.org/2.4.0/installation/upgrade/2.3-to-2.4.html
"""

EXAMPLES = r"""
- name: Keep mail in ~/Maildir (mail_location on Debian 12, mail_driver/mail_path on Debian 13)
  tkj.mailserver.dovecot_config:
    mail_location: maildir:~/Maildir

- name: Learn the Dovecot version (no arguments change nothing)
  tkj.mailserver.dovecot_config:
  register: dovecot

- name: Allow cleartext logins only over TLS (Dovecot 2.3 name)
  tkj.mailserver.dovecot_config:
    path: conf.d/10-auth.conf
    settings:
      disable_plaintext_auth: true
      auth_mechanisms: [plain, login]
  when: dovecot.dovecot_version is version('2.4', '<')

- name: The same on Dovecot 2.4
  tkj.mailserver.dovecot_config:
    path: conf.d/10-auth.conf
    settings:
      auth_allow_cleartext: false
      auth_mechanisms: [plain, login]
  when: dovecot.dovecot_version is version('2.4', '>=')

- name: Use a certificate on Dovecot 2.4
  tkj.mailserver.dovecot_config:
    path: conf.d/10-ssl.conf
    settings:
      ssl: required
      ssl_server_cert_file: /etc/ssl/certs/mail.pem
      ssl_server_key_file: /etc/ssl/private/mail.key
    backup: true

- name: Comment out a setting
  tkj.mailserver.dovecot_config:
    path: conf.d/10-ssl.conf
    absent: [ssl_min_protocol]
"""

RETURN = r"""
changes:
  description:
    - The settings that were (or, in check mode, would be) changed, in the order they were applied
      (O(settings), then the settings of O(mail_location), then commented-out ones).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The setting name.
      returned: always
      type: str
      sample: mail_path
    before:
      description: The value of the last active line before, without quotes; V(null) when no line was active.
      returned: always
      type: str
      sample: "%{home}/mail"
    after:
      description: The value written; V(null) when the setting was commented out.
      returned: always
      type: str
      sample: ~/Maildir
  sample:
    - {name: mail_driver, before: mbox, after: maildir}
    - {name: mail_path, before: "%{home}/mail", after: ~/Maildir}
    - {name: mail_inbox_path, before: "/var/mail/%{user}", after: null}
dovecot_version:
  description: The installed Dovecot version, from C(dovecot --version).
  returned: always
  type: str
  sample: 2.4.1-4
backup_file:
  description: The backup copy of the file, when O(backup=true) and the file was changed.
  returned: changed and O(backup=true)
  type: str
  sample: /etc/dovecot/conf.d/10-mail.conf.12345.2024-01-01@12:00:00~
diff:
  description: The file before and after (with C(--diff)).
  returned: when diff mode is on
  type: dict
  sample: {before_header: /etc/dovecot/conf.d/10-mail.conf, after_header: /etc/dovecot/conf.d/10-mail.conf, before: "...", after: "..."}
"""

import difflib
import os
import re
import shutil
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.tkj.mailserver.plugins.module_utils._files import file_diff, read_text, write_atomically

MAIL_DRIVERS = ("maildir", "mbox", "sdbox", "mdbox", "imapc", "pop3c")

# 2.3 mail_location keys -> the Dovecot 2.4 settings they become: (setting, value), None meaning the key's value.
LOCATION_KEYS_24 = {
    "INBOX": [("mail_inbox_path", None)],
    "INDEX": [("mail_index_path", None)],
    "INDEXPVT": [("mail_index_private_path", None)],
    "INDEXCACHE": [("mail_cache_path", None)],
    "CONTROL": [("mail_control_path", None)],
    "VOLATILEDIR": [("mail_volatile_path", None)],
    "ALT": [("mail_alt_path", None)],
    "ALTNOCHECK": [("mail_alt_check", "no")],
    "LAYOUT": [("mailbox_list_layout", None)],
    "SUBSCRIPTIONS": [("mailbox_subscriptions_filename", None)],
    "MAILBOXDIR": [("mailbox_root_directory_name", None)],
    "DIRNAME": [("mailbox_directory_name", None), ("mailbox_directory_name_legacy", "yes")],
    "FULLDIRNAME": [("mailbox_directory_name", None), ("mailbox_directory_name_legacy", "no")],
    "LISTINDEX": [("mailbox_list_index_prefix", None)],
    "BROKENCHAR": [("mailbox_list_visible_escape_char", None)],
    "ITERINDEX": [("mailbox_list_iter_from_index_dir", "yes")],
    "UTF-8": [("mailbox_list_utf8", "yes")],
    "KEEP-NOSELECT": [("mailbox_list_drop_noselect", "no")],
    "NO-NOSELECT": [("mailbox_list_drop_noselect", "yes")],
    "NO-FS-VALIDATION": [("mailbox_list_validate_fs_names", "no")],
}
LOCATION_SETTINGS_24 = ["mail_driver", "mail_path"] + sorted({name for pairs in LOCATION_KEYS_24.values() for name, _value in pairs})

# Dovecot 2.3 one-letter variables with a plain Dovecot 2.4 equivalent.
VARIABLES_24 = {"u": "%{user}", "n": "%{user | username}", "d": "%{user | domain}", "h": "%{home}"}

# Top-level names renamed in Dovecot 2.4: 2.3 name -> 2.4 name.
RENAMED_IN_24 = {
    "auth_default_realm": "auth_default_domain",
    "default_idle_kill": "default_idle_kill_interval",
    "mail_attachment_dir": "mail_ext_attachment_path",
    "mail_attachment_hash": "mail_ext_attachment_hash",
    "mail_attachment_min_size": "mail_ext_attachment_min_size",
    "ssl_alt_cert": "ssl_server_alt_cert_file",
    "ssl_alt_key": "ssl_server_alt_key_file",
    "ssl_cert": "ssl_server_cert_file",
    "ssl_cert_username_field": "ssl_server_cert_username_field",
    "ssl_client_cert": "ssl_client_cert_file",
    "ssl_client_key": "ssl_client_key_file",
    "ssl_dh": "ssl_server_dh_file",
    "ssl_key": "ssl_server_key_file",
    "ssl_key_password": "ssl_server_key_password",
    "ssl_prefer_server_ciphers": "ssl_server_prefer_ciphers",
    "ssl_require_crl": "ssl_server_require_crl",
    "ssl_verify_client_cert": "ssl_server_request_client_cert",
}
# What to say when a Dovecot 2.3 name is used on Dovecot 2.4.
ONLY_IN_23 = dict(
    {old: "was renamed to %s in Dovecot 2.4" % new for old, new in RENAMED_IN_24.items()},
    mail_location="was replaced in Dovecot 2.4 by mail_driver, mail_path, mail_inbox_path and related settings;"
    " use the mail_location option, which writes them",
    disable_plaintext_auth="was replaced in Dovecot 2.4 by auth_allow_cleartext, with the opposite meaning"
    " (disable_plaintext_auth = yes is auth_allow_cleartext = no)",
    ssl_ca="was split in Dovecot 2.4 into ssl_server_ca_file and ssl_client_ca_file",
    auth_worker_max_count="was removed in Dovecot 2.4; set process_limit in the service auth-worker section",
    verbose_ssl="was removed in Dovecot 2.4; use log_debug = category=ssl",
)
# What to say when a Dovecot 2.4 name is used on Dovecot 2.3.
ONLY_IN_24 = dict(
    {new: "is called %s in Dovecot 2.3" % old for old, new in RENAMED_IN_24.items()},
    **{name: "is a Dovecot 2.4 mail location setting; on Dovecot 2.3 use the mail_location option" for name in LOCATION_SETTINGS_24},
    auth_allow_cleartext="is called disable_plaintext_auth in Dovecot 2.3, with the opposite meaning"
    " (auth_allow_cleartext = no is disable_plaintext_auth = yes)",
    ssl_server_ca_file="is called ssl_ca in Dovecot 2.3",
    dovecot_config_version="exists only in Dovecot 2.4",
    dovecot_storage_version="exists only in Dovecot 2.4",
)
# Dovecot 2.3 settings that take the PEM text or "<" and a file name.
PEM_SETTINGS_23 = ("ssl_cert", "ssl_key", "ssl_dh", "ssl_ca", "ssl_alt_cert", "ssl_alt_key", "ssl_client_cert", "ssl_client_key")

SETTING_NAME = re.compile(r"^[A-Za-z0-9_]+$")
ACTIVE_LINE = re.compile(r"^(?P<indent>[ \t]*)(?P<name>[A-Za-z0-9_]+)(?P<separator>[ \t]*=[ \t]*)(?P<rest>.*)$", re.DOTALL)
COMMENTED_LINE = re.compile(r"^#(?P<name>[A-Za-z0-9_]+)[ \t]*=")
VERSION = re.compile(r"^(\d+)\.(\d+)\S*")
UNKNOWN_SETTING = re.compile(r"Unknown setting: ([A-Za-z0-9_/]+)")
DEFAULTS_NAME = re.compile(r"^([a-z0-9_]+) (?:=|\{$)")
VARIABLE = re.compile(r"%(\{[^}]*\}|%|.?)", re.DOTALL)


class TaskError(Exception):
    """A reason to fail the task; the message names the offending key or value, or quotes the failing command."""


def parse_version(output):
    """Return (text, (major, minor)) from the output of ``dovecot --version``, e.g. '2.3.19.1 (9b53102964)'."""
    match = VERSION.match(output.strip())
    if not match:
        raise TaskError("cannot read the Dovecot version from 'dovecot --version' output %r" % output.strip())
    return match.group(0), (int(match.group(1)), int(match.group(2)))


def render_value(name, value):
    """Turn a settings value (str, number, bool or a list of those) into the text to write."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (str, int, float)):
        text = str(value)
    elif isinstance(value, list) and all(isinstance(item, (str, int, float)) for item in value):
        text = " ".join(render_value(name, item) for item in value)
    else:
        raise TaskError("settings.%s: value %r must be a string, number, boolean or a list of those (use '' for an empty value)" % (name, value))
    if "\n" in text or "\r" in text:
        raise TaskError("settings.%s: value %r contains a line break; a Dovecot setting value is one line" % (name, text))
    return text


def unquote(text):
    """The value Dovecot reads from a raw value: surrounding quotes removed, backslash escapes undone."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    return text


def normalise(text):
    """A value as compared: unquoted, white space collapsed."""
    return " ".join(unquote(text).split())


def quote_if_needed(text):
    """Quote a value containing '#' (otherwise a comment) unless it is quoted already."""
    if "#" in text and not (len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'"):
        return '"%s"' % text.replace("\\", "\\\\").replace('"', '\\"')
    return text


def split_comment(rest):
    """Split the text after '=' into (value, trailing comment), the comment starting at a '#' outside quotes."""
    quote = None
    escaped = False
    for index, char in enumerate(rest):
        if escaped:
            escaped = False
        elif quote:
            if char == "\\":
                escaped = True
            elif char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "#":
            return rest[:index], rest[index:]
    return rest, ""


def line_ending(line):
    """The line ending of a physical line ('' for a last line without one)."""
    return line[len(line.rstrip("\r\n")):]


def is_comment(line):
    """True for a line whose first non-blank character is '#'."""
    return line.lstrip().startswith("#")


def parse_entries(lines):
    """Group physical lines into logical lines (a line ending in a backslash continues on the next one).
    Returns a list of (first line index, end index, section depth before the line)."""
    entries = []
    depth = 0
    index = 0
    while index < len(lines):
        end = index + 1
        comment = is_comment(lines[index])
        if not comment:
            while end < len(lines) and lines[end - 1].rstrip("\r\n").endswith("\\"):
                end += 1
        entries.append((index, end, depth))
        if not comment:
            code = split_comment("".join(line.rstrip("\r\n").rstrip("\\") for line in lines[index:end]))[0].strip()
            if code.endswith("{"):
                depth += 1
            elif code.startswith("}"):
                depth = max(0, depth - 1)
        index = end
    return entries


def logical_value(lines):
    """The raw value (without the trailing comment) of an active setting spread over ``lines``."""
    joined = " ".join(line.rstrip("\r\n").rstrip("\\").strip() for line in lines)
    return split_comment(ACTIVE_LINE.match(joined).group("rest"))[0]


class ConfigFile:
    """The lines of a Dovecot configuration file, indexed by top-level setting name."""

    def __init__(self, text):
        self.lines = text.splitlines(True)
        self.newline = line_ending(self.lines[0]) if self.lines and line_ending(self.lines[0]) else "\n"
        self.replacements = {}
        self.appended = []
        self.active = {}
        self.commented = {}
        for start, end, depth in parse_entries(self.lines):
            if depth:
                continue
            active = ACTIVE_LINE.match(self.lines[start])
            commented = COMMENTED_LINE.match(self.lines[start])
            if active and not is_comment(self.lines[start]):
                self.active.setdefault(active.group("name"), []).append((start, end))
            elif commented:
                self.commented.setdefault(commented.group("name"), (start, end))

    def current(self, name):
        """The raw value of the last active top-level line of ``name``, or None."""
        if name not in self.active:
            return None
        start, end = self.active[name][-1]
        return logical_value(self.lines[start:end])

    def set(self, name, value):
        """Set ``name`` to ``value`` (already rendered); return True when that changes the file."""
        written = quote_if_needed(value)
        if name in self.active:
            changed = False
            for start, end in self.active[name]:
                if normalise(logical_value(self.lines[start:end])) != normalise(written):
                    self.replacements[start] = (end, [self._replace_value(self.lines[start:end], written)])
                    changed = True
            return changed
        if name in self.commented:
            start, end = self.commented[name]
            self.replacements[start] = (end, [self._setting_line(name, written, line_ending(self.lines[start]))])
        else:
            self.appended.append(self._setting_line(name, written, self.newline))
        return True

    def comment_out(self, name):
        """Comment out every active top-level line of ``name``; return True when there was one."""
        for start, end in self.active.get(name, []):
            commented = []
            for line in self.lines[start:end]:
                stripped = line.lstrip(" \t")
                commented.append(line if stripped.startswith("#") else "#" + stripped)
            self.replacements[start] = (end, commented)
        return name in self.active

    def text(self):
        """The file's text with all changes applied."""
        result = []
        index = 0
        while index < len(self.lines):
            if index in self.replacements:
                end, new_lines = self.replacements[index]
                result.extend(new_lines)
                index = end
            else:
                result.append(self.lines[index])
                index += 1
        if self.appended and result and not line_ending(result[-1]):
            result[-1] += self.newline
        return "".join(result + self.appended)

    @staticmethod
    def _setting_line(name, value, newline):
        return ("%s = %s" % (name, value)).rstrip(" ") + newline

    def _replace_value(self, lines, value):
        """The line for an active setting with its value replaced, keeping indentation, separator and trailing comment.
        A setting continued over several lines becomes one line."""
        newline = line_ending(lines[-1])
        match = ACTIVE_LINE.match(lines[0].rstrip("\r\n"))
        head = match.group("indent") + match.group("name")
        if len(lines) > 1:
            return self._setting_line(head, value, newline)
        old_value, comment = split_comment(match.group("rest"))
        if not comment:
            return (head + match.group("separator") + value).rstrip(" \t") + newline
        if not old_value.strip():
            return self._setting_line(head, value, "") + " " + comment + newline
        spacing = old_value[len(old_value.rstrip()):]
        return head + match.group("separator") + value + spacing + comment + newline


def split_location_options(text):
    """Split the part after 'driver:' of a 2.3 mail_location at ':', where '::' is a literal ':' (as Dovecot does)."""
    parts = [""]
    index = 0
    while index < len(text):
        if text[index] == ":":
            if text[index + 1:index + 2] == ":":
                parts[-1] += ":"
                index += 2
                continue
            parts.append("")
        else:
            parts[-1] += text[index]
        index += 1
    return parts


def parse_mail_location(location, where="mail_location"):
    """Check a 2.3 mail_location and return (driver, path, [(KEY, value or None)])."""
    if "\n" in location or "\r" in location:
        raise TaskError("%s: %r contains a line break; a Dovecot setting value is one line" % (where, location))
    driver, colon, rest = location.strip().partition(":")
    if not colon:
        raise TaskError("%s: %r is not DRIVER:PATH[:KEY=VALUE]..., e.g. maildir:~/Maildir" % (where, location))
    if driver.lower() not in MAIL_DRIVERS:
        raise TaskError("%s: unknown mail driver %r in %r; expected one of %s" % (where, driver, location, ", ".join(MAIL_DRIVERS)))
    parts = split_location_options(rest)
    options = []
    for part in parts[1:]:
        if not part:
            continue
        key, equals, value = part.partition("=")
        if key not in LOCATION_KEYS_24:
            raise TaskError("%s: unknown key %r in %r; expected one of %s" % (where, key, location, ", ".join(LOCATION_KEYS_24)))
        takes_value = any(fixed is None for _name, fixed in LOCATION_KEYS_24[key])
        if takes_value and not equals:
            raise TaskError("%s: key %s in %r needs a value, %s=VALUE" % (where, key, location, key))
        if not takes_value and equals:
            raise TaskError("%s: key %s in %r takes no value" % (where, key, location))
        options.append((key, value if takes_value else None))
    return driver, parts[0], options


def translate_variables(value, where):
    """Write the 2.3 variables %u, %n, %d, %h in the Dovecot 2.4 %{...} form; refuse other one-letter variables."""

    def replace(match):
        token = match.group(1)
        if token == "%" or token.startswith("{"):
            return match.group(0)
        if token in VARIABLES_24:
            return VARIABLES_24[token]
        raise TaskError(
            "%s: the Dovecot 2.3 variable %r in %r has no automatic Dovecot 2.4 form; write it as %%{...}"
            " (see the Dovecot 2.4 upgrade notes)" % (where, match.group(0), value)
        )

    return VARIABLE.sub(replace, value)


def location_settings_24(location):
    """The Dovecot 2.4 settings {name: value} equivalent to a 2.3 mail_location."""
    driver, path, options = parse_mail_location(location)
    settings = {"mail_driver": driver}
    if path:
        settings["mail_path"] = translate_variables(path, "mail_location")
    for key, value in options:
        for name, fixed in LOCATION_KEYS_24[key]:
            settings[name] = fixed if fixed is not None else translate_variables(value, "mail_location")
    return settings


def check_name(name, where, version):
    """Refuse a name that is not a setting name, or that belongs to the other major Dovecot version."""
    if not SETTING_NAME.match(name):
        raise TaskError("%s: %r is not a Dovecot setting name (letters, digits and underscores)" % (where, name))
    renamed = ONLY_IN_23 if version >= (2, 4) else ONLY_IN_24
    if name in renamed:
        raise TaskError("%s: %r is not a Dovecot %d.%d setting: it %s" % (where, name, version[0], version[1], renamed[name]))


def check_value(name, value, version):
    """Refuse values that doveconf accepts but that cannot work: file syntax of the wrong version, unknown mail driver."""
    if version >= (2, 4) and name.endswith("_file") and value.startswith("<"):
        raise TaskError("settings.%s: Dovecot 2.4 file settings take the path itself; remove the leading '<' (the Dovecot 2.3 syntax) from %r" % (name, value))
    if version < (2, 4) and name in PEM_SETTINGS_23 and value and not value.startswith("<") and "-----BEGIN" not in value:
        raise TaskError("settings.%s: Dovecot 2.3 reads a file for this setting only with a leading '<', e.g. <%s" % (name, value))
    if name == "mail_driver" and value and value.lower() not in MAIL_DRIVERS + ("auto",):
        raise TaskError("settings.mail_driver: unknown mail driver %r; expected one of %s" % (value, ", ".join(MAIL_DRIVERS)))
    if name == "mail_location" and value:
        parse_mail_location(value, "settings.mail_location")


def wanted_changes(params, version):
    """From the arguments, return ({name: value to set}, [names to comment out]) for the installed version."""
    wanted = {}
    for name, value in params["settings"].items():
        check_name(name, "settings", version)
        wanted[name] = render_value(name, value)
        check_value(name, wanted[name], version)
    absent = []
    for name in params["absent"]:
        check_name(name, "absent", version)
        if name in wanted:
            raise TaskError("absent: %r is also in settings; a setting is either set or commented out" % name)
        absent.append(name)
    location = params["mail_location"]
    if location is None:
        return wanted, absent
    if version >= (2, 4):
        location_wanted = location_settings_24(location)
        location_absent = [name for name in LOCATION_SETTINGS_24 + ["mail_location"] if name not in location_wanted]
    else:
        parse_mail_location(location)
        location_wanted = {"mail_location": location.strip()}
        location_absent = []
    for name in list(location_wanted) + location_absent:
        if name in wanted or name in absent:
            raise TaskError(
                "settings/absent: %r conflicts with mail_location, which sets it on Dovecot %d.%d; give one or the other" % (name, version[0], version[1])
            )
    wanted.update(location_wanted)
    return wanted, absent + location_absent


def build_mirror(config_dir, relative_path, text):
    """A private temporary copy of the configuration tree made of symbolic links to the real entries, except for
    the file being edited, which holds ``text``. Returns the mirror's root directory."""
    root = tempfile.mkdtemp(prefix="tkj-dovecot-config-")
    real_dir, mirror_dir = config_dir, root
    parts = relative_path.split(os.sep)
    for index, part in enumerate(parts):
        for entry in os.listdir(real_dir):
            if entry != part:
                os.symlink(os.path.join(real_dir, entry), os.path.join(mirror_dir, entry))
        if index == len(parts) - 1:
            with open(os.path.join(mirror_dir, part), "wb") as handle:
                handle.write(text.encode("utf-8"))
        else:
            real_dir, mirror_dir = os.path.join(real_dir, part), os.path.join(mirror_dir, part)
            os.mkdir(mirror_dir, 0o700)
    return root


def known_names(module, doveconf, version):
    """Top-level setting names that doveconf shows by default (hidden ones are missing), for suggestions."""
    rc, out, _err = module.run_command([doveconf, "-d", "-c", os.devnull])
    names = set(LOCATION_SETTINGS_24) if version >= (2, 4) else {"mail_location"}
    if rc == 0:
        names.update(match.group(1) for match in map(DEFAULTS_NAME.match, out.splitlines()) if match)
    return names


def unknown_setting_message(module, doveconf, version, name, doveconf_message):
    """The message for a name doveconf does not know, with close names."""
    close = difflib.get_close_matches(name, sorted(known_names(module, doveconf, version)), n=3, cutoff=0.7)
    suggestion = "did you mean %s?" % " or ".join(close) if close else "no similar setting name is known"
    return "settings: %r is not a Dovecot %d.%d setting; %s (%s)" % (name, version[0], version[1], suggestion, doveconf_message)


def validate(module, doveconf, version, config_dir, relative_path, text, names):
    """Check the whole configuration with the new file with doveconf; fail with doveconf's message if it is rejected."""
    root = build_mirror(config_dir, relative_path, text)
    try:
        rc, out, err = module.run_command([doveconf, "-c", os.path.join(root, "dovecot.conf"), "-n"])
    finally:
        shutil.rmtree(root, ignore_errors=True)
    message = (err if rc == 0 else (err or out)).strip().replace(root, config_dir)
    if rc == 0:
        for line in message.splitlines():
            module.warn(line)
        return
    unknown = UNKNOWN_SETTING.search(message)
    if unknown and unknown.group(1) in names:
        raise TaskError(unknown_setting_message(module, doveconf, version, unknown.group(1), message))
    raise TaskError("%s: doveconf rejected the new configuration, the file is unchanged: %s" % (os.path.join(config_dir, relative_path), message))


def resolve_path(config_dir, path):
    """Return (absolute path, path relative to config_dir) of the file to edit, refusing paths outside config_dir."""
    config_dir = os.path.normpath(config_dir)
    if "\n" in path or "\0" in path:
        raise TaskError("path: %r is not a file name" % path)
    target = os.path.normpath(os.path.join(config_dir, path))
    relative = os.path.relpath(target, config_dir)
    if relative == os.curdir or relative == os.pardir or relative.startswith(os.pardir + os.sep):
        raise TaskError("path: %r is not a file inside config_dir %s" % (path, config_dir))
    if not os.path.isdir(os.path.dirname(target)):
        raise TaskError("path: the directory of %s does not exist" % target)
    if os.path.isdir(target):
        raise TaskError("path: %s is a directory, not a file" % target)
    return target, relative


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="str", default="conf.d/10-mail.conf"),
            config_dir=dict(type="path", default="/etc/dovecot"),
            settings=dict(type="dict", default={}),
            mail_location=dict(type="str"),
            absent=dict(type="list", elements="str", default=[]),
            backup=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    for name, value in module.params["settings"].items():
        if name.endswith("_password") and value not in (None, ""):
            module.no_log_values.add(str(value))
    result = dict(changed=False, changes=[], dovecot_version=None)
    try:
        config_dir = os.path.normpath(module.params["config_dir"])
        if not os.path.isfile(os.path.join(config_dir, "dovecot.conf")):
            raise TaskError("config_dir: %s has no dovecot.conf" % config_dir)
        target, relative_path = resolve_path(config_dir, module.params["path"])
        dovecot = module.get_bin_path("dovecot", required=True)
        doveconf = module.get_bin_path("doveconf", required=True)
        rc, out, err = module.run_command([dovecot, "--version"])
        if rc != 0:
            raise TaskError("'dovecot --version' failed: %s" % (err or out).strip())
        result["dovecot_version"], version = parse_version(out)
        wanted, absent = wanted_changes(module.params, version)

        before = read_text(target)
        config = ConfigFile(before or "")
        for name, value in wanted.items():
            current = config.current(name)
            if config.set(name, value):
                result["changes"].append(dict(name=name, before=unquote(current) if current is not None else None, after=value))
        for name in absent:
            current = config.current(name)
            if config.comment_out(name):
                result["changes"].append(dict(name=name, before=unquote(current), after=None))
        after = config.text()
        result["changed"] = after != (before or "")
        if result["changed"]:
            validate(module, doveconf, version, config_dir, relative_path, after, set(wanted))
    except TaskError as error:
        module.fail_json(msg=str(error), changed=False, dovecot_version=result["dovecot_version"])

    if module._diff:
        result["diff"] = file_diff(target, before, after)
    if result["changed"] and not module.check_mode:
        backup_file = write_atomically(module, target, after, backup=module.params["backup"])
        if backup_file:
            result["backup_file"] = backup_file
    module.exit_json(**result)


if __name__ == "__main__":
    main()
