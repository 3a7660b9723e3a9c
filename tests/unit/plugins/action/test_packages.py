# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the tkj.mailserver.packages action: dpkg-query's answer decides whether
ansible.builtin.apt runs at all; the host's commands are faked."""

from __future__ import annotations

import re
from unittest import mock

import pytest

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible_collections.tkj.mailserver.plugins.action import packages

QUERY_ALL = "ii \tbind9\nii \tbind9-utils\n"
QUERY_ONE_REMOVED = "ii \tdovecot-imapd\nrc \tdovecot-pop3d\n"


def run_action(args, query_stdout, apt_result=None):
    """Run the action with ``args``; dpkg-query prints ``query_stdout``. Returns (result, apt calls)."""
    action = packages.ActionModule.__new__(packages.ActionModule)
    action._task = mock.MagicMock(args=args)
    action._low_level_execute_command = mock.MagicMock(return_value={"rc": 0, "stdout": query_stdout, "stderr": ""})
    action._execute_module = mock.MagicMock(return_value=dict(apt_result or {"changed": True, "cache_updated": True}))
    with mock.patch.object(ActionBase, "run", return_value={}):
        result = action.run(task_vars={})
    return result, action._execute_module.call_args_list, action._low_level_execute_command.call_args_list


def test_installed_reads_only_ii_lines():
    """Only packages with status ii count as installed (rc: removed, config files left)."""
    assert packages.installed(QUERY_ONE_REMOVED) == {"dovecot-imapd"}
    assert packages.installed("") == set()


def test_everything_installed_runs_no_apt():
    """All packages installed: no change, nothing missing, and ansible.builtin.apt is never called."""
    result, apt_calls, queries = run_action({"name": ["bind9", "bind9-utils"], "policy_rc_d": 101}, QUERY_ALL)
    assert result == {"changed": False, "missing": []}
    assert apt_calls == []
    assert "dpkg-query -W -f " in queries[0].args[0] and queries[0].args[0].endswith("-- bind9 bind9-utils")


def test_a_missing_package_is_installed_by_apt_with_fresh_lists():
    """A removed package: apt installs the list, refreshing the package lists if older than an hour,
    with policy_rc_d passed on; its result is the task's, with the missing packages."""
    result, apt_calls, _queries = run_action({"name": ["dovecot-imapd", "dovecot-pop3d"], "policy_rc_d": 101}, QUERY_ONE_REMOVED)
    assert result["changed"] is True and result["missing"] == ["dovecot-pop3d"]
    assert len(apt_calls) == 1
    assert apt_calls[0].kwargs["module_name"] == "ansible.builtin.apt"
    assert apt_calls[0].kwargs["module_args"] == {"name": ["dovecot-imapd", "dovecot-pop3d"], "state": "present",
                                                  "update_cache": True, "cache_valid_time": 3600, "policy_rc_d": 101}


def test_apt_failure_is_the_task_failure():
    """When apt fails, the task fails with apt's message."""
    result, _apt_calls, _queries = run_action({"name": ["postfix"]}, "", {"failed": True, "msg": "No package matching 'postfix'"})
    assert result["failed"] is True and "No package matching" in result["msg"] and result["missing"] == ["postfix"]


@pytest.mark.parametrize("args, message", [
    ({}, "missing required arguments: name"),
    ({"name": ["postfix=3.7.11-0+deb12u1"]}, "plain package names (no version or architecture); not: postfix=3.7.11-0+deb12u1"),
    ({"name": ["postfix"], "policy_rc_d": "held"}, "policy_rc_d"),
])
def test_bad_arguments_are_refused_before_the_host_is_asked(args, message):
    """Bad arguments fail with a message naming them, before any command runs on the host."""
    with pytest.raises(AnsibleActionFail, match="^tkj\\.mailserver\\.packages: .*" + re.escape(message)):
        run_action(args, QUERY_ALL)
