# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the kept_running filter, which the roles' handlers use to reload only running services."""

from __future__ import annotations

from ansible_collections.tkj.mailserver.plugins.filter.kept_running import kept_running


def started(name, before):
    """What ansible.builtin.systemd returns for ``name`` whose ActiveState was ``before``."""
    return {"name": name, "changed": before != "active", "status": {"ActiveState": before}}


def test_one_service_running_before_the_task_is_kept_running():
    assert kept_running(started("named", "active")) == ["named"]
    assert kept_running(started("named", "reloading")) == ["named"]
    assert kept_running(started("named", "inactive")) == []
    assert kept_running(started("named", "failed")) == []


def test_a_loop_lists_the_services_that_were_running_in_its_order():
    loop = {"results": [dict(started("nginx", "active"), item="nginx"), dict(started("php8.2-fpm", "failed"), item="php8.2-fpm"),
                        dict(started("fail2ban", "activating"), item="fail2ban")]}
    assert kept_running(loop) == ["nginx", "fail2ban"]


def test_nothing_is_reloaded_when_the_task_did_not_start_anything():
    """Skipped (check mode before the packages), not run (tags), or the role keeps the services stopped."""
    assert kept_running({"changed": False, "skipped": True}) == []
    assert kept_running({"results": [{"skipped": True, "item": "opendkim"}]}) == []
    assert kept_running({}) == []
    assert kept_running(started("postfix", "active"), enabled=False) == []
