# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The kept_running filter: the services a start task found running, for the handlers that reload them."""

from __future__ import annotations

DOCUMENTATION = r"""
name: kept_running
short_description: The services that were already running when a start task ran
version_added: 0.14.0
author:
  - tkj.mailserver developers (@tkj-lab)
description:
  - Takes what an M(ansible.builtin.systemd) task that starts services registered, for one service or a loop, and
    returns the names of those that were active before it (C(ActiveState) neither C(inactive) nor C(failed)).
  - A change to a running service's files takes effect only through a reload or restart; a service the task has just
    started already runs, and has checked, the new files. The roles' handlers reload only the services this returns.
  - A task that was skipped (check mode on a host without the packages) or did not run (tags) leaves nothing to
    reload; give it as C(result | default({})).
options:
  _input:
    description: The registered result of the start task.
    type: dict
    required: true
  enabled:
    description: Whether the role keeps the services enabled and running; when false, none is reloaded.
    type: bool
    default: true
"""

EXAMPLES = r"""
# roles/dovecot/handlers/main.yml
- name: Reload Dovecot
  ansible.builtin.systemd:
    name: dovecot
    state: reloaded
  when: "'dovecot' in dovecot_service_start | default({}) | tkj.mailserver.kept_running(dovecot_service_enabled)"
"""

RETURN = r"""
_value:
  description: The names of the services that were running before the start task, in its order.
  type: list
  elements: str
  sample: [dovecot]
"""

from collections.abc import Mapping

# systemd's states of a unit that is not running.
STOPPED = ("inactive", "failed")


def kept_running(result, enabled=True):
    """The names of the services in ``result`` (a systemd task's registered result, a loop's or one
    service's) whose ActiveState before the task was neither inactive nor failed; none when not ``enabled``."""
    if not enabled or not isinstance(result, Mapping):
        return []
    names = []
    for item in result.get("results", [result]):
        status = item.get("status") if isinstance(item, Mapping) else None
        if isinstance(status, Mapping) and status.get("ActiveState", "inactive") not in STOPPED:
            names.append(item.get("name") or item.get("item"))
    return names


class FilterModule:
    """The tkj.mailserver filters defined in this file."""

    def filters(self):
        return {"kept_running": kept_running}
