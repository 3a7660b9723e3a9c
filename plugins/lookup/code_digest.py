# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The code_digest lookup: one SHA-256 over files of this collection, to tell one version of its code from another."""

from __future__ import annotations

DOCUMENTATION = r"""
name: code_digest
short_description: A SHA-256 over files and directories of this collection
version_added: 0.2.0
author:
  - tkj.mailserver developers (@tkj-lab)
description:
  - Returns one SHA-256 (hex) over the relative path and the content of every file under the given
    paths, which are relative to the root of the installed tkj.mailserver collection. Directories
    are walked in sorted order, so the same files always give the same digest; C(__pycache__)
    directories and C(.pyc) files are left out.
  - The roles put it in the fingerprint they give to M(tkj.mailserver.converged_state), so that a
    new version of a role, its templates or the modules makes the role run all its tasks again.
  - Runs on the controller and reads only the collection's own files.
options:
  _terms:
    description: Paths relative to the collection's root, for example V(roles/postfix) or V(plugins).
    type: list
    elements: str
    required: true
notes:
  - A path that does not exist, or that leaves the collection, is an error.
"""

EXAMPLES = r"""
- name: Show the digest of the postfix role and of the plugins
  ansible.builtin.debug:
    msg: "{{ lookup('tkj.mailserver.code_digest', 'roles/postfix', 'plugins') }}"
"""

RETURN = r"""
_raw:
  description: One SHA-256 in hex over all the files under the given paths.
  type: list
  elements: str
"""

import hashlib
import os

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

COLLECTION_ROOT = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))


def files_under(path):
    """Every file under ``path`` (a file or a directory), in a stable order."""
    if os.path.isfile(path):
        yield path
        return
    for directory, subdirectories, files in os.walk(path):
        subdirectories[:] = sorted(name for name in subdirectories if name != "__pycache__")
        for name in sorted(files):
            if not name.endswith(".pyc"):
                yield os.path.join(directory, name)


def code_digest(root, relative_paths):
    digest = hashlib.sha256()
    for relative in relative_paths:
        path = os.path.realpath(os.path.join(root, relative))
        if os.path.commonpath([root, path]) != root or not os.path.exists(path):
            raise AnsibleLookupError("code_digest: %r is not a file or directory of the collection at %s" % (relative, root))
        for file_path in files_under(path):
            digest.update(os.path.relpath(file_path, root).encode("utf-8") + b"\0")
            with open(file_path, "rb") as handle:
                digest.update(hashlib.sha256(handle.read()).digest())
    return digest.hexdigest()


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        return [code_digest(COLLECTION_ROOT, [str(term) for term in terms])]
