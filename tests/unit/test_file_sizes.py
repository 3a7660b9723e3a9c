"""The collection's Python stays small enough to read: no plugin file over 400 lines, and no module over
250 lines outside its documentation (DOCUMENTATION, EXAMPLES, RETURN). Logic that outgrows a module
belongs in plugins/module_utils, one file per subject."""

import ast
import pathlib

import pytest

PLUGINS = pathlib.Path(__file__).resolve().parents[2] / "plugins"
DOC_STRINGS = {"DOCUMENTATION", "EXAMPLES", "RETURN"}


def code_lines(path):
    """Lines of ``path`` less the module's documentation strings."""
    text = path.read_text()
    lines = len(text.splitlines())
    for node in ast.parse(text).body:
        if isinstance(node, ast.Assign) and any(getattr(target, "id", None) in DOC_STRINGS for target in node.targets):
            lines -= node.end_lineno - node.lineno + 1
    return lines


@pytest.mark.parametrize("path", sorted(PLUGINS.rglob("*.py")), ids=lambda path: str(path.relative_to(PLUGINS)))
def test_plugin_files_stay_under_400_lines(path):
    assert len(path.read_text().splitlines()) <= 400


@pytest.mark.parametrize("path", sorted((PLUGINS / "modules").glob("*.py")), ids=lambda path: path.name)
def test_modules_stay_under_250_lines_of_code(path):
    assert code_lines(path) <= 250
