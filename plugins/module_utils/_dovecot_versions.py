# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Private helpers of tkj.mailserver.dovecot_config: what changed between Dovecot 2.3 (Debian 12) and 2.4
(Debian 13) — renamed and removed settings, mail_location and its 2.4 replacements, variables — and the
exact translation of 2.3 settings (given as options, or found in a file) to 2.4."""

from __future__ import annotations

import re

from ansible_collections.tkj.mailserver.plugins.module_utils._dovecot import SETTING_NAME, ConfigFile, render_value, unquote
from ansible_collections.tkj.mailserver.plugins.module_utils._errors import InputError

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
VARIABLE = re.compile(r"%(\{[^}]*\}|%|.?)", re.DOTALL)

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
# Renamed settings whose values may hold variables, which are written in the Dovecot 2.4 form.
VARIABLE_SETTINGS_23 = ("mail_attachment_dir", "mail_attachment_hash")
# Dovecot 2.3 booleans that became a 2.4 setting with other values: 2.3 name -> (2.4 name, value for yes, value for no).
BOOLEANS_CHANGED_IN_24 = {
    "disable_plaintext_auth": ("auth_allow_cleartext", "no", "yes"),
    "ssl_prefer_server_ciphers": ("ssl_server_prefer_ciphers", "server", "client"),
}
# A line of the Dovecot 2.3 setting (key) in a managed file is commented out on Dovecot 2.4 when the task sets
# or comments out one of these Dovecot 2.4 settings in that file (mail_location: when the mail_location option is given).
SUPERSEDED_IN_24 = dict(
    {old: (new,) for old, new in RENAMED_IN_24.items()},
    disable_plaintext_auth=("auth_allow_cleartext",),
    ssl_ca=("ssl_server_ca_file", "ssl_client_ca_file"),
    verbose_ssl=("log_debug",),
)
# How Dovecot reads a boolean.
TRUE_WORDS, FALSE_WORDS = ("yes", "y", "1"), ("no", "n", "0")


def prefix(where):
    """The start of a message about ``where`` (nothing when it is empty)."""
    return where + ": " if where else ""


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
    at = prefix(where)
    if "\n" in location or "\r" in location:
        raise InputError("%s%r contains a line break; a Dovecot setting value is one line" % (at, location))
    driver, colon, rest = location.strip().partition(":")
    if not colon:
        raise InputError("%s%r is not DRIVER:PATH[:KEY=VALUE]..., e.g. maildir:~/Maildir" % (at, location))
    if driver.lower() not in MAIL_DRIVERS:
        raise InputError("%sunknown mail driver %r in %r; expected one of %s" % (at, driver, location, ", ".join(MAIL_DRIVERS)))
    parts = split_location_options(rest)
    options = []
    for part in parts[1:]:
        if not part:
            continue
        key, equals, value = part.partition("=")
        if key not in LOCATION_KEYS_24:
            raise InputError("%sunknown key %r in %r; expected one of %s" % (at, key, location, ", ".join(LOCATION_KEYS_24)))
        takes_value = any(fixed is None for _name, fixed in LOCATION_KEYS_24[key])
        if takes_value and not equals:
            raise InputError("%skey %s in %r needs a value, %s=VALUE" % (at, key, location, key))
        if not takes_value and equals:
            raise InputError("%skey %s in %r takes no value" % (at, key, location))
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
        raise InputError(
            "%sthe Dovecot 2.3 variable %r in %r has no automatic Dovecot 2.4 form; write it as %%{...}"
            " (see the Dovecot 2.4 upgrade notes)" % (prefix(where), match.group(0), value)
        )

    return VARIABLE.sub(replace, value)


def location_settings_24(location, where="mail_location"):
    """The Dovecot 2.4 settings {name: value} equivalent to a 2.3 mail_location."""
    driver, path, options = parse_mail_location(location, where)
    settings = {"mail_driver": driver}
    if path:
        settings["mail_path"] = translate_variables(path, where)
    for key, value in options:
        for name, fixed in LOCATION_KEYS_24[key]:
            settings[name] = fixed if fixed is not None else translate_variables(value, where)
    return settings


def translate_23(name, value):
    """The Dovecot 2.4 settings [(name, value)] that say exactly what the Dovecot 2.3 setting ``name = value``
    (``value`` unquoted) says; None when the name has no exact translation. Raises InputError, with the reason,
    when the value has none."""
    if name == "mail_location":
        return list(location_settings_24(value, "").items())
    if name in BOOLEANS_CHANGED_IN_24:
        new_name, if_true, if_false = BOOLEANS_CHANGED_IN_24[name]
        if value.lower() not in TRUE_WORDS + FALSE_WORDS:
            raise InputError("%r is not yes or no" % value)
        return [(new_name, if_true if value.lower() in TRUE_WORDS else if_false)]
    if name not in RENAMED_IN_24:
        return None
    new_name = RENAMED_IN_24[name]
    if name in PEM_SETTINGS_23:
        if not value.startswith("<"):
            raise InputError(
                "%r is not '<' followed by a file name (Dovecot 2.3 reads any other value as the PEM text itself), and %s"
                " takes the path of a file; write the PEM text to a file and set %s to its path" % (value, new_name, new_name)
            )
        return [(new_name, value[1:].strip())]
    if name in VARIABLE_SETTINGS_23:
        return [(new_name, translate_variables(value, ""))]
    return [(new_name, value)]


def check_name(name, where, version):
    """Refuse a name that is not a setting name, or that belongs to the other major Dovecot version."""
    if not SETTING_NAME.match(name):
        raise InputError("%s: %r is not a Dovecot setting name (letters, digits and underscores)" % (where, name))
    renamed = ONLY_IN_23 if version >= (2, 4) else ONLY_IN_24
    if name in renamed:
        raise InputError("%s: %r is not a Dovecot %d.%d setting: it %s" % (where, name, version[0], version[1], renamed[name]))


def check_value(name, value, version, where="settings"):
    """Refuse values that doveconf accepts but that cannot work: file syntax of the wrong version, unknown mail driver."""
    if version >= (2, 4) and name.endswith("_file") and value.startswith("<"):
        raise InputError(
            "%s.%s: Dovecot 2.4 file settings take the path itself; remove the leading '<' (the Dovecot 2.3 syntax) from %r" % (where, name, value)
        )
    if version < (2, 4) and name in PEM_SETTINGS_23 and value and not value.startswith("<") and "-----BEGIN" not in value:
        raise InputError("%s.%s: Dovecot 2.3 reads a file for this setting only with a leading '<', e.g. <%s" % (where, name, value))
    if name == "mail_driver" and value and value.lower() not in MAIL_DRIVERS + ("auto",):
        raise InputError("%s.mail_driver: unknown mail driver %r; expected one of %s" % (where, value, ", ".join(MAIL_DRIVERS)))
    if name == "mail_location" and value:
        parse_mail_location(value, where + ".mail_location")


def setting_pairs(name, value, version, where):
    """The settings [(name, value)] to write on the installed version for one item of the settings option:
    itself, or on Dovecot 2.4 the exact translation of a Dovecot 2.3 setting (mail_location has an option of its own)."""
    if not SETTING_NAME.match(name) or version < (2, 4) or name not in ONLY_IN_23 or name == "mail_location":
        check_name(name, where, version)
        return [(name, value)]
    try:
        pairs = translate_23(name, value.strip())
    except InputError as error:
        raise InputError("%s: %r is not a Dovecot %d.%d setting: it %s, and its value cannot be translated: %s" % (
            where, name, version[0], version[1], ONLY_IN_23[name], error))
    if pairs is None:
        check_name(name, where, version)
    return pairs


class Request:
    """What a task asks of one file on the installed version: ``wanted`` {name: value} to set (after translation),
    ``absent`` names to comment out, ``location_given``, and ``translated`` [(name, value, to_name, to_value)]."""

    def __init__(self, item, version, where=""):
        self.wanted = {}
        self.translated = []
        self.location_given = item.get("mail_location") is not None
        given_as = {}
        for name, value in (item.get("settings") or {}).items():
            if not SETTING_NAME.match(name):
                check_name(name, where + "settings", version)
            rendered = render_value(name, value, where + "settings")
            for new_name, new_value in setting_pairs(name, rendered, version, where + "settings"):
                if new_name in self.wanted:
                    raise InputError("%ssettings: %r and %r both set %s on Dovecot %d.%d; give only one of them" % (
                        where, given_as[new_name], name, new_name, version[0], version[1]))
                check_value(new_name, new_value, version, where + "settings")
                self.wanted[new_name], given_as[new_name] = new_value, name
                if new_name != name:
                    self.translated.append((name, rendered, new_name, new_value))
        self.absent = []
        for name in item.get("absent") or []:
            check_name(name, where + "absent", version)
            if name in self.wanted:
                raise InputError("%sabsent: %r is also in settings; a setting is either set or commented out" % (where, name))
            self.absent.append(name)
        if self.location_given:
            self._add_location(item["mail_location"], version, where)

    def _add_location(self, location, version, where):
        """Add the settings of the mail_location option (and, on 2.4, the location settings it leaves out, to comment out)."""
        if version >= (2, 4):
            location_wanted = location_settings_24(location, where + "mail_location")
            location_absent = [name for name in LOCATION_SETTINGS_24 + ["mail_location"] if name not in location_wanted]
        else:
            parse_mail_location(location, where + "mail_location")
            location_wanted = {"mail_location": location.strip()}
            location_absent = []
        for name in list(location_wanted) + location_absent:
            if name in self.wanted or name in self.absent:
                raise InputError(
                    "%ssettings/absent: %r conflicts with mail_location, which sets it on Dovecot %d.%d; give one or the other"
                    % (where, name, version[0], version[1])
                )
        self.wanted.update(location_wanted)
        self.absent.extend(location_absent)


def fix_23_lines(config, path, request, version):
    """On Dovecot 2.4, deal with the active top-level lines of Dovecot 2.3-only settings in ``config`` (the file
    ``path``, which the task manages): comment the line out when the task sets (or comments out) its 2.4 successor
    in this file, else rewrite it as its exact translation, else fail naming file, line and setting.
    Returns (changes, translated), both lists of dicts."""
    changes, translated = [], []
    if version < (2, 4):
        return changes, translated
    handled = set(request.wanted) | set(request.absent)
    lines = sorted((start, end, name) for name, spans in config.active.items() if name in ONLY_IN_23 for start, end in spans)
    for start, end, name in lines:
        value = unquote(config.value(start, end))
        where = "%s line %d: %s is a Dovecot 2.3 setting, not a Dovecot %d.%d one: it %s" % (
            path, start + 1, name, version[0], version[1], ONLY_IN_23[name])
        if request.location_given if name == "mail_location" else handled.intersection(SUPERSEDED_IN_24.get(name, ())):
            config.comment_out_lines(start, end)
            changes.append(dict(path=path, name=name, before=value, after=None))
            continue
        try:
            pairs = translate_23(name, value)
        except InputError as error:
            raise InputError("%s; its value cannot be translated: %s. No file was changed" % (where, error))
        if pairs is None:
            successors = " or ".join(SUPERSEDED_IN_24.get(name, ()))
            raise InputError("%s. It has no exact Dovecot 2.4 translation, so no file was changed: change or remove that line%s" % (
                where, " (or set %s in this file with this module, which comments the line out)" % successors if successors else ""))
        changes.append(dict(path=path, name=name, before=value, after=None))
        for new_name, new_value in pairs:
            current = config.current(new_name)
            translated.append(dict(path=path, name=name, value=value, to_name=new_name, to_value=new_value))
            changes.append(dict(path=path, name=new_name, before=unquote(current) if current is not None else None, after=new_value))
        config.rewrite(start, end, pairs)
    return changes, translated


def edit_file(text, path, request, version):
    """Apply ``request`` to the text of the file ``path``: first the Dovecot 2.3 lines (on 2.4), then the settings,
    then the names to comment out. Returns (new text, changes, translated)."""
    config = ConfigFile(text)
    changes, translated = fix_23_lines(config, path, request, version)
    translated[:0] = [dict(path=path, name=name, value=value, to_name=to_name, to_value=to_value)
                      for name, value, to_name, to_value in request.translated]
    config = ConfigFile(config.text())
    for name, value in request.wanted.items():
        current = config.current(name)
        if config.set(name, value):
            changes.append(dict(path=path, name=name, before=unquote(current) if current is not None else None, after=value))
    for name in request.absent:
        current = config.current(name)
        if config.comment_out(name):
            changes.append(dict(path=path, name=name, before=unquote(current), after=None))
    return config.text(), changes, translated
