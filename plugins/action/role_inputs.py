# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The action of tkj.mailserver.role_inputs: template each variable of the role that runs it once,
read on the host what they name in one command, and refuse with every problem at once."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.tkj.mailserver.plugins.plugin_utils._role_inputs import (
    CHECKS, host_command, host_state, not_yet_installed, option_specs, role_name, spec_errors)


class ActionModule(ActionBase):
    """Check the settings of the role this task belongs to (see plugins/modules/role_inputs.py)."""

    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        result = super().run(tmp, task_vars)
        if self._task.args:
            raise AnsibleActionFail("role_inputs takes no arguments: it checks the variables of the role it runs in")
        role = self._task._role
        checks = CHECKS.get(role_name(role)) if role is not None else None
        if checks is None:
            raise AnsibleActionFail("role_inputs runs inside a role of tkj.mailserver that it has checks for: %s"
                                    % ", ".join(sorted(CHECKS)))
        options = option_specs(role._role_path)
        values = {name: self._templar.template(task_vars[name]) for name in options if name in task_vars}
        errors = spec_errors(options, values)
        if errors:
            result.update(changed=False, failed=True, msg="Validation of arguments failed: %s" % "; ".join(errors), argument_errors=errors)
            return result
        queries = checks.host_queries(values)
        queries["files"] = not_yet_installed(queries.get("files", []), task_vars)
        command = host_command(queries)
        host = host_state("")
        if command is not None:
            answer = self._low_level_execute_command(command)
            if answer["rc"] != 0:
                raise AnsibleActionFail("reading what the settings name on the host failed: %s" % (answer["stderr"] or answer["stdout"]))
            host = host_state(answer["stdout"])
        errors, warnings = checks.check(values, host, task_vars["inventory_hostname"])
        result.update(changed=False, checked=sorted(values))
        if hasattr(checks, "outputs"):
            result.update(checks.outputs(values, host))
        if warnings:
            result["warnings"] = warnings
        if errors:
            result.update(failed=True, msg=" ".join(errors))
        return result
