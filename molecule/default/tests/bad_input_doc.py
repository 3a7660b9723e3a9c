"""The bad-input catalogue: the cases of bad_input_cases.yml, and docs/bad-input.md rendered from them.

After changing the cases run ``python molecule/default/tests/bad_input_doc.py`` to write the document;
test_bad_input.py checks that the document is current.
"""

import math
import pathlib

import yaml

HERE = pathlib.Path(__file__).resolve().parent
CASES_FILE = HERE / "bad_input_cases.yml"
DOC_FILE = HERE.parents[2] / "docs" / "bad-input.md"

# What a refused module call leaves byte-identical, by module.
MODULE_FILES = {
    "tkj.mailserver.postconf": "/etc/postfix/main.cf and master.cf",
    "tkj.mailserver.dovecot_config": "every file under /etc/dovecot",
    "tkj.mailserver.bind_zone": "the zone file",
    "tkj.mailserver.debconf_preseed": "Postfix's answers in debconf (/var/cache/debconf/config.dat)",
}

INTRO = """\
# Bad input

What tkj.mailserver does with wrong settings: each row is a mistake it refuses, the message it
gives, and what it leaves untouched. None of them changes a host. A wrong role variable stops the
site playbook at the role's checks (`tasks/validate.yml`: the types and choices of its
`meta/argument_specs.yml`, then every other check), which `playbooks/site.yml` runs for every host
before any host changes; the host then takes no further part in the run. A wrong
module argument is refused by the
module before it writes; where only Postfix's, Dovecot's or BIND's own checker can tell, the module
checks the new file with it and keeps the old one (byte-identical) when it is rejected.

This file is generated from `molecule/default/tests/bad_input_cases.yml` by
`python molecule/default/tests/bad_input_doc.py`; edit the cases there, not here.
"""

TESTED = """\
## How it is tested

`molecule/default/tests/test_bad_input.py` runs the rows against the converged servers of the
default scenario. Each module row runs on both servers (Debian 12 and Debian 13 ship different
Postfix, Dovecot and BIND) as `ansible <server> -m <module> -a <the row's arguments>`; each
role-variable row, which the controller checks, runs on one of them in turn as
`ansible-playbook playbooks/site.yml --limit <server> -e @<the row's values>`. The test asserts that
the run fails with the message shown (for role variables: at the named task of the role's checks);
that afterwards the SHA-256 of every file under `/etc/postfix`, `/etc/dovecot` and `/etc/bind` (so
`main.cf`, `master.cf`, `named.conf.*` and the zone files) and of `/etc/mailname`,
`/etc/default/named`, `/etc/passwd`, `/etc/shadow` and debconf's `config.dat` is the same as before
the run; that no temporary file (`.*.tkj-tmp-*`) is left behind; and that the services still
answer: the SMTP greeting on port 25, an IMAP login after STARTTLS on port 143, and the zone's SOA
record, serial unchanged, from `dig @127.0.0.1`. The two servers are tested at the same time, the
rows on each server one after another. The same test fails when this file is not the rendering of
the cases.
"""


def load_cases():
    """The cases, in catalogue order."""
    return yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))["cases"]


def flow(value):
    """A value as one line of YAML, the way it would be written in an inventory."""
    return yaml.safe_dump(value, default_flow_style=True, width=math.inf, sort_keys=False).strip()


def cell(text):
    """Text safe inside a Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def row(case):
    """One table row: input, message, what stays untouched."""
    if "module" in case:
        given = "`%s`, %s: `%s`" % (case["module"], case["what"], flow(case["args"]))
        untouched = "%s, byte-identical: refused by %s." % (MODULE_FILES[case["module"]], case["caught_by"])
    else:
        given = "%s: `%s`" % (case["what"], flow(case["vars"]))
        untouched = "Every file and service on every host: the role stops at `%s`, before it changes anything." % case["caught_by"]
    return "| %s | `%s` | %s |" % (cell(given), cell(case["message"]), cell(untouched))


def table(cases):
    """The Markdown table of ``cases``."""
    return "\n".join(["| Input | Message | What stays untouched |", "| --- | --- | --- |"] + [row(case) for case in cases])


def render_doc(cases):
    """The whole of docs/bad-input.md."""
    role_cases = [case for case in cases if "vars" in case]
    module_cases = [case for case in cases if "module" in case]
    return "\n".join([
        INTRO,
        "## Role variables (playbooks/site.yml)",
        "",
        table(role_cases),
        "",
        "## Module arguments",
        "",
        table(module_cases),
        "",
        TESTED,
    ])


if __name__ == "__main__":
    DOC_FILE.write_text(render_doc(load_cases()), encoding="utf-8")
