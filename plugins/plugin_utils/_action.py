# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the action plugins of tkj.mailserver share: they run on the controller, support check
mode, and validate their arguments with ansible-core's own argument spec validation, failing
with a message that names the plugin."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase


class CollectionAction(ActionBase):
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
