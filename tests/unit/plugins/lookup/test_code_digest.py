# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the tkj.mailserver.code_digest lookup."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleLookupError
from ansible_collections.tkj.mailserver.plugins.lookup.code_digest import LookupModule, code_digest


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "roles" / "dns" / "templates").mkdir(parents=True)
    (tmp_path / "roles" / "dns" / "templates" / "named.conf.j2").write_text("options {};\n")
    (tmp_path / "roles" / "dns" / "tasks.yml").write_text("---\n")
    (tmp_path / "roles" / "dns" / "__pycache__").mkdir()
    (tmp_path / "roles" / "dns" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    return tmp_path


def test_same_files_give_the_same_digest(tree):
    assert code_digest(str(tree), ["roles/dns"]) == code_digest(str(tree), ["roles/dns"])
    assert len(code_digest(str(tree), ["roles/dns"])) == 64


@pytest.mark.parametrize("change", [
    lambda tree: (tree / "roles" / "dns" / "templates" / "named.conf.j2").write_text("options { version none; };\n"),
    lambda tree: (tree / "roles" / "dns" / "new.yml").write_text("---\n"),
    lambda tree: (tree / "roles" / "dns" / "tasks.yml").rename(tree / "roles" / "dns" / "main.yml"),
])
def test_any_change_of_a_file_changes_the_digest(tree, change):
    before = code_digest(str(tree), ["roles/dns"])
    change(tree)
    assert code_digest(str(tree), ["roles/dns"]) != before


def test_bytecode_caches_are_left_out(tree):
    before = code_digest(str(tree), ["roles/dns"])
    (tree / "roles" / "dns" / "__pycache__" / "x.pyc").write_bytes(b"\1")
    assert code_digest(str(tree), ["roles/dns"]) == before


@pytest.mark.parametrize("path", ["roles/missing", "../outside"])
def test_paths_outside_the_collection_are_refused(tree, path):
    with pytest.raises(AnsibleLookupError, match="is not a file or directory of the collection"):
        code_digest(str(tree), [path])


def test_lookup_digests_this_collection():
    digest = LookupModule().run(["roles/postfix", "plugins"], variables={})
    assert len(digest) == 1 and len(digest[0]) == 64
