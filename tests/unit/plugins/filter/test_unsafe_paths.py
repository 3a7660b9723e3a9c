# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the unsafe_paths filter (what tkj.mailserver.reset refuses to remove)."""

from __future__ import annotations

import pytest

from ansible_collections.tkj.mailserver.plugins.filter.unsafe_paths import unsafe_paths


def test_the_resets_own_paths_pass():
    assert unsafe_paths(["/etc/postfix", "/var/spool/postfix", "/etc/dkimkeys", "/etc/ssl/certs/tkj-mailserver.pem",
                         "/usr/local/share/ca-certificates/tkj-lab-ca.crt", "/var/lib/roundcube", "/etc/opendkim.conf"]) == []


@pytest.mark.parametrize("path", ["/", "/etc", "/etc/", "/etc/.", "/etc/..", "/lib", "/usr", "/var/lib", "/root/.", "/etc/ssh",
                                  "/etc/ssh/sshd_config", "/home/ani", "/root/.bashrc", "/srv/x/.ssh", "/etc/sudoers.d/siswa",
                                  "etc/postfix", "/etc/ssl", "/usr/local/share/ca-certificates", "/var//lib"])
def test_system_ssh_and_account_paths_are_refused(path):
    assert len(unsafe_paths([path])) == 1 and unsafe_paths([path])[0].startswith(path)
