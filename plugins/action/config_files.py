# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action of tkj.mailserver.config_files: run the module on the host as the normal action would,
but with no_log when an item of ``files`` is ``secret``.

Why: AnsibleModule writes "Invoked with" and all its arguments to the host's journal before the
module reads them; it masks only options whose argument spec says ``no_log``, and one item's
content of a list cannot be marked so. With no_log the module logs nothing there, while its result
(changed, changed_files, the diff with a placeholder for each secret) is shown as usual."""

from __future__ import annotations

from ansible.utils.vars import merge_hash
from ansible_collections.tkj.mailserver.plugins.plugin_utils._action import SecretModuleCalls, has_secret_files

MODULE = "tkj.mailserver.config_files"


class ActionModule(SecretModuleCalls):
    """tkj.mailserver.config_files, with no_log on the host when a file's content is secret."""

    TRANSFERS_FILES = False
    _requires_connection = True

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        self._supports_async = True
        result = super().run(tmp, task_vars)
        wrap_async = bool(self._task.async_val) and not self._connection.has_native_async
        module_args = dict(self._task.args)
        execute = self.execute_secret_module if has_secret_files(module_args.get("files")) else self._execute_module
        result = merge_hash(result, execute(module_name=MODULE, module_args=module_args, task_vars=task_vars, wrap_async=wrap_async))
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result
