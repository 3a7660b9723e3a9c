# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the tkj.mailserver.config_files action: it runs the module as the normal action
would, with _ansible_no_log when an item is secret, so that the host's journal never records a
secret content; the module's result (changed, diff) comes back as it is."""

from __future__ import annotations

from unittest import mock

import pytest

from ansible.plugins.action import ActionBase
from ansible_collections.tkj.mailserver.plugins.action import config_files
from ansible_collections.tkj.mailserver.plugins.plugin_utils._action import has_secret_files

KEY = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"
PLAIN = {"path": "/etc/mailname", "content": "mail.nida.com\n"}


def run(args, no_log=False, async_val=0, answer=None):
    """Run the action with task ``args``; returns (result, the _execute_module call's kwargs, the
    module_args as ansible-core would finish them)."""
    action = config_files.ActionModule.__new__(config_files.ActionModule)
    action._task = mock.MagicMock(args=args, async_val=async_val, check_mode=False, no_log=no_log)
    action._connection = mock.MagicMock(has_native_async=False)
    action._remove_tmp_path = mock.MagicMock()
    action._execute_module = mock.MagicMock(return_value=dict(answer or {"changed": True, "diff": []}))
    with mock.patch.object(ActionBase, "run", return_value={}):
        result = action.run(task_vars={})
    kwargs = action._execute_module.call_args.kwargs

    def core_update(self, module_name, module_args, task_vars, *more, **named):
        module_args["_ansible_no_log"] = self._task.no_log

    finished = dict(kwargs["module_args"])
    with mock.patch.object(ActionBase, "_update_module_args", core_update):
        action._update_module_args(kwargs["module_name"], finished, {})
    return result, kwargs, finished


@pytest.mark.parametrize("secret", [True, "yes", "true", 1])
def test_a_secret_item_runs_the_module_with_no_log(secret):
    """Any item with secret (as YAML or a template gives it) makes the module call no_log, and
    ansible-core's own setting of _ansible_no_log (from the task) does not undo it."""
    _result, kwargs, finished = run({"files": [PLAIN, {"path": "/etc/ssl/private/k.key", "content": KEY, "secret": secret}]})
    assert kwargs["module_name"] == "tkj.mailserver.config_files"
    assert kwargs["module_args"]["_ansible_no_log"] is True
    assert finished["_ansible_no_log"] is True
    assert kwargs["module_args"]["files"][1]["content"] == KEY


@pytest.mark.parametrize("files", [[PLAIN], [dict(PLAIN, secret=False)], [dict(PLAIN, secret="no")], "not a list"])
def test_without_a_secret_the_module_logs_as_usual(files):
    """No secret item: the action adds nothing, and the task's no_log (here false) decides."""
    _result, kwargs, finished = run({"files": files})
    assert "_ansible_no_log" not in kwargs["module_args"]
    assert finished["_ansible_no_log"] is False


def test_the_task_no_log_still_counts_without_a_secret():
    _result, _kwargs, finished = run({"files": [PLAIN]}, no_log=True)
    assert finished["_ansible_no_log"] is True


def test_the_module_result_is_the_task_result():
    """changed, changed_files and the diff (a placeholder for the secret) come back unchanged."""
    answer = {"changed": True, "changed_files": ["/k.key"],
              "diff": [{"before_header": "/k.key", "after_header": "/k.key", "before": "", "after": "(new) (secret content, not shown)\n"}]}
    result, _kwargs, _finished = run({"files": [{"path": "/k.key", "content": KEY, "secret": True}]}, answer=answer)
    assert result == answer
    assert "MIIEvQ" not in repr(result)


def test_async_is_handed_to_the_module_call():
    _result, kwargs, _finished = run({"files": [PLAIN]}, async_val=30)
    assert kwargs["wrap_async"] is True


def test_has_secret_files():
    assert has_secret_files([PLAIN, {"path": "/k", "secret": True}])
    assert not has_secret_files([PLAIN, "junk", None])
    assert not has_secret_files(None)
