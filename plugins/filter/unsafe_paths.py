# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The unsafe_paths filter: the paths of a list that tkj.mailserver.reset must never remove.

Written in Python because the test is on normalised paths and on what contains what, which a Jinja
expression gets wrong (/etc/ssh, /etc/., /root/. or /lib passed the expression it replaces)."""

from __future__ import annotations

import posixpath

DOCUMENTATION = r"""
name: unsafe_paths
short_description: The paths a reset must never remove, with the reason for each
version_added: 0.14.0
author:
  - tkj.mailserver developers (@tkj-lab)
description:
  - Takes a list of paths to remove and returns those that must not be, each as C(PATH (REASON)).
  - Refused are a path that is not absolute or has a C(.) or C(..) part; a path that is, or holds, one of the
    system's directories (C(/), C(/etc), C(/usr), C(/var), C(/var/lib), C(/home), C(/lib), ...); and a path in what
    keeps the machine reachable and its accounts (C(/root), C(/home), C(/etc/ssh), C(/etc/sudoers.d), C(/etc/pam.d),
    C(/etc/security), C(/boot)) or a file of the accounts (C(/etc/passwd), C(/etc/shadow), C(/etc/group),
    C(/etc/sudoers)), or any C(.ssh) or C(authorized_keys).
options:
  _input:
    description: The paths.
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: Check the paths before any is removed
  ansible.builtin.fail:
    msg: "reset_paths must not name {{ reset_paths | tkj.mailserver.unsafe_paths | join(', ') }}"
  when: reset_paths | tkj.mailserver.unsafe_paths | length > 0
"""

RETURN = r"""
_value:
  description: The refused paths, each with its reason; empty when every path may be removed.
  type: list
  elements: str
"""

# Directories a reset may remove things in, but never remove (nor anything holding them).
SYSTEM = ("/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/opt", "/proc", "/root", "/run", "/sbin",
          "/srv", "/sys", "/tmp", "/usr", "/usr/bin", "/usr/lib", "/usr/local", "/usr/sbin", "/usr/share", "/var", "/var/cache",
          "/var/lib", "/var/log", "/var/mail", "/var/spool", "/var/tmp", "/etc/ssl", "/etc/ssl/certs", "/etc/ssl/private",
          "/usr/local/share/ca-certificates")
# Where nothing may be removed at all: SSH, the accounts and how they log in.
KEPT = ("/root", "/home", "/etc/ssh", "/etc/sudoers.d", "/etc/pam.d", "/etc/security", "/boot", "/etc/passwd", "/etc/shadow",
        "/etc/group", "/etc/gshadow", "/etc/sudoers")


def _within(path, directory):
    return path == directory or path.startswith(directory.rstrip("/") + "/")


def unsafe_paths(paths):
    refused = []
    for path in paths or []:
        text = str(path)
        parts = text.split("/")
        if not text.startswith("/") or "." in parts or ".." in parts:
            refused.append("%s (not an absolute path without . or ..)" % text)
            continue
        clean = posixpath.normpath(text)
        if any(_within(system, clean) for system in SYSTEM + KEPT):
            refused.append("%s (is or holds a system directory)" % text)
        elif any(_within(clean, kept) for kept in KEPT) or ".ssh" in parts or "authorized_keys" in parts:
            refused.append("%s (SSH or the accounts)" % text)
    return refused


class FilterModule:
    def filters(self):
        return {"unsafe_paths": unsafe_paths}
