# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action of tkj.mailserver.packages: ask dpkg whether the packages are installed, and only when one
is missing install them with ansible.builtin.apt, refreshing the package lists first.

Why not ansible.builtin.apt alone: on a host that has every package, apt still opens the whole
package cache (about a second a call, three calls a run) and, with update_cache, tries the mirror,
which fails in a lab without internet. dpkg-query answers "installed?" from dpkg's own database in
a few milliseconds, offline; the install itself is left to ansible.builtin.apt."""

from __future__ import annotations

import shlex

from ansible.errors import AnsibleActionFail
# A plain Debian package name (no version, release or architecture): what dpkg-query can be asked.
from ansible_collections.tkj.mailserver.plugins.module_utils._debconf import PACKAGE_NAME
from ansible_collections.tkj.mailserver.plugins.plugin_utils._action import CollectionAction

ARGUMENT_SPEC = {
    "name": {"type": "list", "elements": "str", "required": True},
    "policy_rc_d": {"type": "int"},
    "cache_valid_time": {"type": "int", "default": 3600},
}
# One line of the query below: dpkg's three status letters, a tab, the package name.
QUERY_FORMAT = r"${db:Status-Abbrev}\t${Package}\n"


def installed(output):
    """The packages dpkg-query's output lists as installed (status ii)."""
    names = set()
    for line in output.splitlines():
        status, _tab, name = line.partition("\t")
        if status.strip() == "ii":
            names.add(name.strip())
    return names


class ActionModule(CollectionAction):
    """Install Debian packages, asking the package lists and the mirror only when one is missing."""

    NAME = "packages"
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def run(self, tmp=None, task_vars=None):
        result, args = self.start(tmp, task_vars)
        bad = [name for name in args["name"] if not PACKAGE_NAME.match(name)]
        if bad:
            raise AnsibleActionFail("tkj.mailserver.packages: name takes plain package names (no version or architecture); "
                                    "not: %s" % ", ".join(bad))

        query = self._low_level_execute_command(
            "dpkg-query -W -f %s -- %s" % (shlex.quote(QUERY_FORMAT), " ".join(shlex.quote(name) for name in args["name"])))
        missing = sorted(set(args["name"]) - installed(query.get("stdout", "")))
        result.update(changed=False, missing=missing)
        if not missing:
            return result

        apt_args = {"name": args["name"], "state": "present", "update_cache": True, "cache_valid_time": args["cache_valid_time"]}
        if args["policy_rc_d"] is not None:
            apt_args["policy_rc_d"] = args["policy_rc_d"]
        apt = self._execute_module(module_name="ansible.builtin.apt", module_args=apt_args, task_vars=task_vars)
        apt["missing"] = missing
        result.update(apt)
        return result
