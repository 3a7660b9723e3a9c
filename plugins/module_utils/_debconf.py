# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Private helper shared by the modules of tkj.mailserver: read debconf's File database."""

from __future__ import annotations


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
