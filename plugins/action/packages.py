# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action of tkj.mailserver.packages: set the packages' debconf answers (tkj.mailserver.debconf_preseed),
ask dpkg whether the packages are installed, and only when one is missing install them with
ansible.builtin.apt, refreshing the package lists first.

Why not ansible.builtin.apt alone: on a host that has every package, apt still opens the whole
package cache (about a second a call, three calls a run) and, with update_cache, tries the mirror,
which fails in a lab without internet. dpkg-query answers "installed?" from dpkg's own database in
a few milliseconds, offline; the install itself is left to ansible.builtin.apt. The answers are set in
the same task because they belong to the install: one task where a role had two, each costing the
controller a worker on every run."""

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
    "debconf": {"type": "dict", "options": {"package": {"type": "str", "required": True},
                                            "questions": {"type": "list", "elements": "dict", "required": True}}},
}
# One line of the query below: dpkg's three status letters, the package name and its version, by tabs.
QUERY_FORMAT = r"${db:Status-Abbrev}\t${Package}\t${Version}\n"


def installed(output):
    """The packages dpkg-query's output lists as installed (status ii), with their versions."""
    versions = {}
    for line in output.splitlines():
        status, name, version = (line.split("\t") + ["", ""])[:3]
        if status.strip() == "ii":
            versions[name.strip()] = version.strip()
    return versions


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

        result["changed"] = False
        if args["debconf"] is not None:
            answers = self.preseed(args["debconf"], task_vars)
            if answers.get("failed"):
                return dict(result, failed=True, msg="setting the debconf answers failed: %s" % answers.get("msg"))
            result["changed"] = bool(answers.get("changed"))
            if "diff" in answers:
                result["diff"] = answers["diff"]

        versions = self.query(args["name"])
        missing = sorted(set(args["name"]) - set(versions))
        result.update(missing=missing, versions=versions)
        if not missing:
            return result

        apt_args = {"name": args["name"], "state": "present", "update_cache": True, "cache_valid_time": args["cache_valid_time"]}
        if args["policy_rc_d"] is not None:
            apt_args["policy_rc_d"] = args["policy_rc_d"]
        apt = self._execute_module(module_name="ansible.builtin.apt", module_args=apt_args, task_vars=task_vars)
        apt.pop("diff", None)
        apt["changed"] = bool(apt.get("changed")) or result["changed"]
        result.update(apt)
        if apt.get("changed") and not apt.get("failed") and not self._task.check_mode:
            result["versions"] = self.query(args["name"])
        return result

    def query(self, names):
        """The installed packages among ``names`` and their versions, from dpkg's database."""
        answer = self._low_level_execute_command(
            "dpkg-query -W -f %s -- %s" % (shlex.quote(QUERY_FORMAT), " ".join(shlex.quote(name) for name in names)))
        return installed(answer.get("stdout", ""))

    def preseed(self, debconf, task_vars):
        """Set the debconf answers with tkj.mailserver.debconf_preseed; a password answer keeps the
        module from logging its arguments on the host."""
        if any(isinstance(item, dict) and item.get("type") == "password" for item in debconf["questions"]):
            return self.execute_secret_module("tkj.mailserver.debconf_preseed", debconf, task_vars)
        return self._execute_module(module_name="tkj.mailserver.debconf_preseed", module_args=debconf, task_vars=task_vars)
