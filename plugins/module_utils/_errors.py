# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one error type of tkj.mailserver's parsers and modules."""

from __future__ import annotations


class InputError(Exception):
    """Input a module cannot use, or a file it cannot understand. The message names the option, file or
    line at fault and says how to fix it; a module turns it into ``fail_json`` before it changes anything."""
