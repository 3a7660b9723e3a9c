# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What tkj.mailserver.role_inputs shares between the roles: which variables a role reads (the options
of its meta/argument_specs.yml, the documented contract), the one command that reads on the host what
the settings name there, and each role's checks (plugin_utils/_inputs_<role>.py).

Why one task in Python instead of a list of assert tasks: each task costs the controller a worker and
the templating of every argument (fail_msg too) whether it fails or not, per host; this templates each
variable once and makes one round trip to the host."""

from __future__ import annotations

import os
import shlex

import yaml

from ansible_collections.tkj.mailserver.plugins.plugin_utils import _inputs_postfix

CHECKS = {"postfix": _inputs_postfix}

# For each argument "user:NAME" the line "user NAME" when NAME is an account; for "file:PATH" the line
# "missing PATH" when nothing is at PATH. getent only reads, so check mode runs it too.
HOST_SCRIPT = ('for item; do case "$item" in '
               'user:*) getent passwd "${item#user:}" >/dev/null && echo "user ${item#user:}";; '
               'file:*) [ -e "${item#file:}" ] || echo "missing ${item#file:}";; '
               'esac; done; exit 0')


def role_name(role):
    """The short name of a role (postfix for tkj.mailserver.postfix)."""
    return role.get_name().rsplit(".", 1)[-1]


def option_names(role_path, entry_point="main"):
    """The variables the role documents in meta/argument_specs.yml, for ``entry_point``."""
    with open(os.path.join(role_path, "meta", "argument_specs.yml"), encoding="utf-8") as stream:
        specs = yaml.safe_load(stream)["argument_specs"]
    return sorted(specs[entry_point].get("options") or {})


def host_command(queries):
    """The shell command that reads ``queries`` ({"users": [...], "files": [...]}) on the host, or None."""
    items = ["user:%s" % name for name in queries.get("users", [])] + ["file:%s" % path for path in queries.get("files", [])]
    if not items:
        return None
    return " ".join(["sh", "-c", shlex.quote(HOST_SCRIPT), "sh"] + [shlex.quote(item) for item in items])


def host_state(stdout):
    """The command's answer: {"users": the accounts found, "missing": the files that are not there}."""
    state = {"users": [], "missing": []}
    for line in stdout.splitlines():
        kind, _space, value = line.partition(" ")
        if kind == "user":
            state["users"].append(value)
        elif kind == "missing":
            state["missing"].append(value)
    return state
