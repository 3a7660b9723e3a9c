# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""File modes as the modules of tkj.mailserver take them: octal ('0644', or a number) or
symbolic ('u=rw,g=r,o=r'), the forms ansible.builtin.file accepts."""

from __future__ import annotations

import re

from ansible_collections.tkj.mailserver.plugins.module_utils._errors import InputError

OCTAL_MODE = re.compile(r"^0?[0-7]{3,4}$")
# A symbolic mode as chmod and ansible.builtin.file take it: clauses such as u=rwx, g+r or o-w, separated by commas.
SYMBOLIC_CLAUSE = r"[ugoa]*(?:[-+=][rwxXstugo]*)+"
SYMBOLIC_MODE = re.compile(r"^%s(?:,%s)*$" % (SYMBOLIC_CLAUSE, SYMBOLIC_CLAUSE))


def is_octal(mode):
    """True when ``mode`` is a number or an octal string (which ansible-core sets as it is)."""
    return isinstance(mode, int) or (isinstance(mode, str) and bool(OCTAL_MODE.match(mode)))


def check_mode_value(mode):
    """Raise InputError unless ``mode`` is a mode that set_fs_attributes_if_different can set."""
    if mode is None or (isinstance(mode, str) and SYMBOLIC_MODE.match(mode)):
        return
    if isinstance(mode, bool) or not is_octal(mode) or (isinstance(mode, int) and not 0 <= mode <= 0o7777):
        raise InputError("mode %r is not an octal mode such as '0644' nor a symbolic mode such as 'u=rw,g=r,o=r'" % (mode,))
