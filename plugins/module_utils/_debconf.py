# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Private helpers shared by the modules of tkj.mailserver: read debconf's File database (the one
RFC 822 stanza parser of the collection), and turn answers into the text debconf stores."""

from __future__ import annotations

import re

from ansible_collections.tkj.mailserver.plugins.module_utils._errors import InputError

QUESTION_TYPES = ["boolean", "multiselect", "note", "password", "select", "string", "text", "title"]
TRUE_WORDS = ("true", "yes", "on", "1")
FALSE_WORDS = ("false", "no", "off", "0")
PASSWORD_MASK = "********"
PACKAGE_NAME = re.compile(r"^[a-z0-9][a-z0-9+.-]+$")
QUESTION_NAME = re.compile(r"^[^/\s]+(/[^/\s]+)+$")
# debconf splits a multiselect value at a comma followed by white space; "\," and "\ " are escapes.
DEBCONF_MULTISELECT_CHUNKS = re.compile(r"(\\[, ]|,\s+)")
UNESCAPED_COMMA = re.compile(r"(?<!\\),")


class PasswordsUnreadable:
    """Stands for the stored value of a password question when passwords.dat cannot be read."""


def read_database(path):
    """Return {question: value} from a debconf File database (RFC 822 stanzas); a question without
    a Value field maps to None. A missing file is an empty database."""
    try:
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return {}
    values = {}
    for stanza in text.split("\n\n"):
        fields = {}
        for line in stanza.split("\n"):
            if not line or line[0].isspace():
                continue  # the indented lines of a Variables field
            key, _colon, value = line.partition(":")
            # Like debconf's own reader: drop one white space character after the colon, no unescaping,
            # so the stored text compares equal to the text debconf-set-selections was given.
            fields[key.lower()] = value[1:] if value[:1].isspace() else value
        if "name" in fields:
            values[fields["name"]] = fields.get("value")
    return values


def debconf_split(value):
    """Split a stored multiselect value into its choices, exactly as debconf's value_split does."""
    choices = []
    choice = ""
    for chunk in DEBCONF_MULTISELECT_CHUNKS.split(value):
        if chunk in ("\\,", "\\ "):
            choice += chunk[1]
        elif re.match(r"^,\s+$", chunk):
            choices.append(choice)
            choice = ""
        else:
            choice += chunk
    if choice:
        choices.append(choice)
    return choices


def debconf_join(choices):
    """Join multiselect choices the way debconf stores them."""
    return ", ".join(choice.replace(",", "\\,") for choice in choices)


def normalise_boolean(question, value):
    """Return "true" or "false" for a boolean answer given in any of the accepted spellings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    word = str(value).strip().lower() if isinstance(value, (str, int)) else None
    if word in TRUE_WORDS:
        return "true"
    if word in FALSE_WORDS:
        return "false"
    raise InputError(
        "question %s: boolean value %r is not a boolean; expected one of %s or %s"
        % (question, value, "/".join(TRUE_WORDS), "/".join(FALSE_WORDS))
    )


def normalise_multiselect(question, value):
    """Return the choices of a multiselect answer (a list, or a string separated by commas) as debconf stores them."""
    if isinstance(value, list):
        raw_choices = value
    elif isinstance(value, str):
        raw_choices = [choice.replace("\\,", ",") for choice in UNESCAPED_COMMA.split(value)] if value.strip() else []
    else:
        raise InputError("question %s: multiselect value %r must be a list of choices or a string of choices separated by commas" % (question, value))
    choices = []
    for choice in raw_choices:
        if not isinstance(choice, (str, int, float)) or isinstance(choice, bool):
            raise InputError("question %s: multiselect choice %r must be a string" % (question, choice))
        choice = str(choice).strip()
        if not choice:
            raise InputError("question %s: multiselect value %r has an empty choice" % (question, value))
        choices.append(choice)
    return debconf_join(choices)


def normalise_text(question, question_type, value):
    """Return the answer of a string-like question as text."""
    if value is None:
        raise InputError("question %s: value is missing; give '' for an empty answer" % question)
    if isinstance(value, bool):
        raise InputError("question %s: %s value %r is a YAML boolean; quote it if you mean the text" % (question, question_type, value))
    if not isinstance(value, (str, int, float)):
        raise InputError("question %s: %s value %r must be a string" % (question, question_type, value))
    text = str(value)
    if question_type == "select" and not text.strip():
        raise InputError("question %s: select value must not be empty" % question)
    return text


def normalise_value(question, question_type, value):
    """Return the answer as the text debconf will store; raise InputError naming the question."""
    if question_type == "boolean":
        return normalise_boolean(question, value)
    if question_type == "multiselect":
        text = normalise_multiselect(question, value)
    else:
        text = normalise_text(question, question_type, value)
    text = text.rstrip("\n")
    if "\n" in text or "\r" in text:
        raise InputError("question %s: value contains a line break; debconf-set-selections takes one line per answer" % question)
    if text.endswith("\\"):
        raise InputError("question %s: value ends with a backslash, which debconf-set-selections reads as a line continuation" % question)
    return text


def wanted_answers(package, questions):
    """Check the package and the questions (dicts with question, type and value) and return the
    wanted answers as a list of (question, type, value as debconf stores it); raise InputError."""
    if not PACKAGE_NAME.match(package):
        raise InputError("package %r is not a Debian package name (lower case letters, digits, '+', '-', '.')" % package)
    wanted = []
    seen = set()
    for entry in questions:
        question = entry["question"]
        if not QUESTION_NAME.match(question):
            raise InputError("question %r: a debconf question name is owner/name, with a slash and no spaces, e.g. postfix/mailname" % question)
        if question in seen:
            raise InputError("question %s is listed more than once" % question)
        seen.add(question)
        wanted.append((question, entry["type"], normalise_value(question, entry["type"], entry["value"])))
    return wanted


def read_current(wanted, database_dir):
    """Return {question: stored value} for the wanted answers, reading config.dat (and passwords.dat
    when a password is wanted) in ``database_dir`` once each. A password question maps to
    PasswordsUnreadable when passwords.dat cannot be read; an unreadable config.dat is an InputError."""
    config_path = database_dir + "/config.dat"
    try:
        config = read_database(config_path)
    except OSError as error:
        raise InputError("cannot read the debconf database %s: %s" % (config_path, error)) from None
    passwords = {}
    if any(question_type == "password" for _question, question_type, _value in wanted):
        try:
            passwords = read_database(database_dir + "/passwords.dat")
        except OSError:
            passwords = None
    current = {}
    for question, question_type, _value in wanted:
        if question_type != "password":
            stored = config.get(question)
            if question_type == "multiselect" and stored is not None:
                stored = debconf_join(debconf_split(stored))
            current[question] = stored
        elif passwords is None:
            current[question] = PasswordsUnreadable
        else:
            current[question] = passwords.get(question)
    return current


def shown(question_type, value):
    """The value as a module may show it: passwords (also those that could not be read) masked."""
    if question_type == "password" and value is not None:
        return PASSWORD_MASK
    return value
