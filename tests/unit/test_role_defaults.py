"""Each role's defaults are written once and documented once: every variable of defaults/main.yml is an
option of meta/argument_specs.yml (the documented contract ansible-doc shows), and where the spec gives
a default it is the same value as defaults/main.yml's, so the two cannot drift apart."""

import pathlib

import pytest
import yaml

ROLES = sorted(path for path in (pathlib.Path(__file__).resolve().parents[2] / "roles").iterdir() if (path / "meta").is_dir())


def load(role):
    """(defaults/main.yml, the options of the main entry point of meta/argument_specs.yml)."""
    defaults = yaml.safe_load((role / "defaults" / "main.yml").read_text(encoding="utf-8")) or {}
    specs = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text(encoding="utf-8"))["argument_specs"]
    return defaults, specs["main"]["options"]


@pytest.mark.parametrize("role", ROLES, ids=lambda role: role.name)
def test_every_default_is_a_documented_option(role):
    defaults, options = load(role)
    assert sorted(set(defaults) - set(options)) == []


@pytest.mark.parametrize("role", ROLES, ids=lambda role: role.name)
def test_the_spec_gives_the_same_defaults(role):
    defaults, options = load(role)
    differing = {name: (option["default"], defaults.get(name, "(not in defaults/main.yml)"))
                 for name, option in options.items() if "default" in option and option["default"] != defaults.get(name)}
    assert differing == {}
