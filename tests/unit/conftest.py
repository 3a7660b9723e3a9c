"""Shared fixtures for the unit tests: import the collection as ``ansible_collections.tkj.mailserver``
from this checkout, and drive a module's real ``main()`` with arguments, catching its JSON result."""

from __future__ import annotations

import importlib
import json
import os
import sys
import tempfile

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def _collection_root():
    """A directory holding ansible_collections/tkj/mailserver -> this checkout."""
    root = tempfile.mkdtemp(prefix="tkj-units-")
    namespace = os.path.join(root, "ansible_collections", "tkj")
    os.makedirs(namespace)
    os.symlink(REPO, os.path.join(namespace, "mailserver"))
    return root


if not any(os.path.isdir(os.path.join(p, "ansible_collections", "tkj", "mailserver")) for p in sys.path if p):
    sys.path.insert(0, _collection_root())


class ModuleExit(Exception):
    """Raised instead of sys.exit when a module calls exit_json or fail_json."""

    def __init__(self, result, failed):
        super().__init__(result)
        self.result = result
        self.failed = failed


@pytest.fixture
def run_module(monkeypatch, capsys):
    """Return ``run(name, args, check_mode=False, diff=False)``: runs plugins/modules/NAME.py main()
    with ``args`` and returns the result dict (``result["failed"]`` set on failure)."""
    from ansible.module_utils.common import warnings

    try:
        from ansible.module_utils import _internal
    except ImportError:  # ansible-core before 2.19 has no controller/module switch to set
        _internal = None

    try:
        from ansible.module_utils.testing import patch_module_args
    except ImportError:  # ansible-core before 2.18: the same, by hand
        import contextlib

        from ansible.module_utils import basic
        from ansible.module_utils.common.text.converters import to_bytes

        @contextlib.contextmanager
        def patch_module_args(args):
            with monkeypatch.context() as patch:
                patch.setattr(basic, "_ANSIBLE_ARGS", to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args})))
                yield

    def run(name, args, check_mode=False, diff=False):
        payload = dict(args)
        payload["_ansible_check_mode"] = check_mode
        payload["_ansible_diff"] = diff
        payload["_ansible_remote_tmp"] = tempfile.gettempdir()
        payload["_ansible_keep_remote_files"] = False
        # Warnings are collected process-wide; each run starts with none, as a real module does.
        # (a dict in ansible-core 2.19, a list in 2.14: an empty one of the same kind)
        monkeypatch.setattr(warnings, "_global_warnings", type(warnings._global_warnings)())
        monkeypatch.setattr(warnings, "_global_deprecations", type(warnings._global_deprecations)())
        # Importing controller code (the filter tests do) would send warnings to the display instead.
        if _internal is not None:
            monkeypatch.setattr(_internal, "is_controller", False)
        module = importlib.import_module("ansible_collections.tkj.mailserver.plugins.modules." + name)
        capsys.readouterr()
        with patch_module_args(payload), pytest.raises(SystemExit):
            module.main()
        out = capsys.readouterr().out
        result = json.loads(out)
        result.setdefault("failed", False)
        return result

    return run
