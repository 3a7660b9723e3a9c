# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the action plugins of tkj.mailserver share: they run on the controller, support check
mode, and validate their arguments with ansible-core's own argument spec validation, failing
with a message that names the plugin; and they call a module with ``no_log`` when its arguments
carry a secret.

Why ``no_log`` for the module call: AnsibleModule writes "Invoked with" and every argument to the
host's journal before the module has read them, masking only options whose argument spec says
``no_log``. A secret inside a list of files (a private key, a session key) cannot be marked so;
the module then must not log at all, which is what ``_ansible_no_log`` tells it."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase

NO_LOG = "_ansible_no_log"


def has_secret_files(files):
    """Whether any item of a config_files ``files`` list says ``secret: true``."""
    if not isinstance(files, list):
        return False
    return any(isinstance(item, dict) and boolean(item.get("secret", False), strict=False) for item in files)


class SecretModuleCalls(ActionBase):
    """An action whose module calls may carry secrets: module_args with ``_ansible_no_log: True``
    keep it (ansible-core would set it from the task's no_log alone), so the module neither logs
    its arguments on the host nor returns them unmasked."""

    def _update_module_args(self, module_name, module_args, task_vars, *args, **kwargs):
        secret = module_args.get(NO_LOG) is True
        super()._update_module_args(module_name, module_args, task_vars, *args, **kwargs)
        if secret:
            module_args[NO_LOG] = True

    def execute_secret_module(self, module_name, module_args, task_vars, **kwargs):
        """Run ``module_name`` on the host with ``no_log``: nothing of its arguments reaches the host's
        journal. The result comes back whole; the caller decides what of it to show."""
        return self._execute_module(module_name=module_name, module_args=dict(module_args, **{NO_LOG: True}),
                                    task_vars=task_vars, **kwargs)


class CollectionAction(SecretModuleCalls):
    """An action that runs modules on the host itself; subclasses set NAME and ARGUMENT_SPEC."""

    TRANSFERS_FILES = False
    _requires_connection = True
    NAME = ""
    ARGUMENT_SPEC = {}

    def start(self, tmp, task_vars):
        """The base result of the run and the validated arguments (with their defaults)."""
        self._supports_check_mode = True
        result = super().run(tmp, task_vars)
        try:
            _validation, args = self.validate_argument_spec(self.ARGUMENT_SPEC)
        except AnsibleActionFail as error:
            raise AnsibleActionFail("tkj.mailserver.%s: %s" % (self.NAME, error.message)) from None
        return result, args
