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

QUERY_ALL = "ii \tbind9\t1:9.18.41-1~deb12u1\nii \tbind9-utils\t1:9.18.41-1~deb12u1\n"
QUERY_ONE_REMOVED = "ii \tdovecot-imapd\t1:2.3.19.1\nrc \tdovecot-pop3d\t1:2.3.19.1\n"
QUERY_BOTH = "ii \tdovecot-imapd\t1:2.3.19.1\nii \tdovecot-pop3d\t1:2.3.19.1\n"


def run_action(args, query_stdout, apt_result=None, preseed_result=None, check_mode=False):
    """Run the action with ``args``; dpkg-query prints ``query_stdout`` (a list: one answer per query).
    Returns (result, module calls, host commands)."""
    action = packages.ActionModule.__new__(packages.ActionModule)
    action._task = mock.MagicMock(args=args, check_mode=check_mode)
    answers = query_stdout if isinstance(query_stdout, list) else [query_stdout]
    action._low_level_execute_command = mock.MagicMock(side_effect=[{"rc": 0, "stdout": out, "stderr": ""} for out in answers])

    def module(module_name, module_args, task_vars):
        if module_name == "tkj.mailserver.debconf_preseed":
            return dict(preseed_result or {"changed": False})
        return dict(apt_result or {"changed": True, "cache_updated": True})

    action._execute_module = mock.MagicMock(side_effect=module)
    with mock.patch.object(ActionBase, "run", return_value={}):
        result = action.run(task_vars={})
    return result, action._execute_module.call_args_list, action._low_level_execute_command.call_args_list


def test_installed_reads_only_ii_lines():
    """Only packages with status ii count as installed (rc: removed, config files left)."""
    assert packages.installed(QUERY_ONE_REMOVED) == {"dovecot-imapd": "1:2.3.19.1"}
    assert packages.installed("") == {}


def test_everything_installed_runs_no_apt():
    """All packages installed: no change, nothing missing, and ansible.builtin.apt is never called."""
    result, apt_calls, queries = run_action({"name": ["bind9", "bind9-utils"], "policy_rc_d": 101}, QUERY_ALL)
    assert result == {"changed": False, "missing": [], "versions": {"bind9": "1:9.18.41-1~deb12u1", "bind9-utils": "1:9.18.41-1~deb12u1"}}
    assert apt_calls == []
    assert "dpkg-query -W -f " in queries[0].args[0] and queries[0].args[0].endswith("-- bind9 bind9-utils")


def test_a_missing_package_is_installed_by_apt_with_fresh_lists():
    """A removed package: apt installs the list, refreshing the package lists if older than an hour,
    with policy_rc_d passed on; its result is the task's, with the missing packages."""
    result, apt_calls, _queries = run_action({"name": ["dovecot-imapd", "dovecot-pop3d"], "policy_rc_d": 101}, [QUERY_ONE_REMOVED, QUERY_BOTH])
    assert result["changed"] is True and result["missing"] == ["dovecot-pop3d"]
    assert result["versions"] == {"dovecot-imapd": "1:2.3.19.1", "dovecot-pop3d": "1:2.3.19.1"}
    assert len(apt_calls) == 1
    assert apt_calls[0].kwargs["module_name"] == "ansible.builtin.apt"
    assert apt_calls[0].kwargs["module_args"] == {"name": ["dovecot-imapd", "dovecot-pop3d"], "state": "present",
                                                  "update_cache": True, "cache_valid_time": 3600, "policy_rc_d": 101}


def test_apt_failure_is_the_task_failure():
    """When apt fails, the task fails with apt's message."""
    result, _apt_calls, _queries = run_action({"name": ["postfix"]}, "", {"failed": True, "msg": "No package matching 'postfix'"})
    assert result["failed"] is True and "No package matching" in result["msg"] and result["missing"] == ["postfix"]


def test_check_mode_reports_the_install_and_the_versions_before_it():
    """Check mode: apt says what it would install; the versions are those installed now (dpkg asked once)."""
    result, _calls, queries = run_action({"name": ["dovecot-imapd", "dovecot-pop3d"]}, [QUERY_ONE_REMOVED], check_mode=True)
    assert result["changed"] is True and result["versions"] == {"dovecot-imapd": "1:2.3.19.1"} and len(queries) == 1


def test_debconf_answers_are_set_first_in_the_same_task():
    """With debconf, tkj.mailserver.debconf_preseed runs before dpkg is asked; a changed answer is the
    task's change (with its diff) even when every package is installed, and apt does not run."""
    debconf = {"package": "postfix", "questions": [{"question": "postfix/mailname", "type": "string", "value": "mail.nida.com"}]}
    diff = {"before": "postfix/mailname = mail\n", "after": "postfix/mailname = mail.nida.com\n"}
    result, calls, _queries = run_action({"name": ["bind9"], "debconf": debconf}, QUERY_ALL, preseed_result={"changed": True, "diff": diff})
    assert [call.kwargs["module_name"] for call in calls] == ["tkj.mailserver.debconf_preseed"]
    assert calls[0].kwargs["module_args"] == debconf
    assert (result["changed"], result["diff"], result["missing"]) == (True, diff, [])


def test_debconf_failure_stops_before_the_install():
    """Answers debconf refuses fail the task with its message; nothing is installed."""
    debconf = {"package": "postfix", "questions": [{"question": "postfix/mailname", "type": "string", "value": "x"}]}
    result, calls, queries = run_action({"name": ["postfix"], "debconf": debconf}, "", preseed_result={"failed": True, "msg": "bad answer"})
    assert result["failed"] is True and result["msg"] == "setting the debconf answers failed: bad answer"
    assert len(calls) == 1 and queries == []


def test_a_password_answer_is_not_logged_on_the_host():
    """A password question makes the preseed module run with no_log (nothing of it in the host's journal)."""
    debconf = {"package": "mariadb-server", "questions": [{"question": "mysql-server/root_password", "type": "password", "value": "s3cret"}]}
    _result, calls, _queries = run_action({"name": ["bind9"], "debconf": debconf}, QUERY_ALL)
    assert calls[0].kwargs["module_args"]["_ansible_no_log"] is True


@pytest.mark.parametrize("args, message", [
    ({}, "missing required arguments: name"),
    ({"name": ["postfix=3.7.11-0+deb12u1"]}, "plain package names (no version or architecture); not: postfix=3.7.11-0+deb12u1"),
    ({"name": ["postfix"], "policy_rc_d": "held"}, "policy_rc_d"),
])
def test_bad_arguments_are_refused_before_the_host_is_asked(args, message):
    """Bad arguments fail with a message naming them, before any command runs on the host."""
    with pytest.raises(AnsibleActionFail, match="^tkj\\.mailserver\\.packages: .*" + re.escape(message)):
        run_action(args, QUERY_ALL)
