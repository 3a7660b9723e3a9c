# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Option documentation shared by the modules of tkj.mailserver that write configuration files."""

from __future__ import annotations


class ModuleDocFragment:
    """Options and attributes of the modules that rewrite configuration files atomically."""

    DOCUMENTATION = r"""
options:
  backup:
    description:
      - Keep a copy of each file the module replaces or removes, beside it, with a time stamp in its name.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    details: Computes the changes, the diff and the result without writing anything.
  diff_mode:
    support: full
  platform:
    platforms: debian
notes:
  - Every new file content is written to a temporary file beside its target and checked before it is
    moved into place atomically, so a target is never half-written; when a check fails, every target
    stays byte-identical.
"""
