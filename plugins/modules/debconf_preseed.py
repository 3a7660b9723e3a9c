#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: debconf_preseed
short_description: Set many debconf answers of one package in one call
version_added: 0.1.0
author:
  - tkj.mailserver developers (@tkj-lab)
description:
  - Sets the answers (values) of debconf questions of one package, for example before
    C(apt-get install postfix), so that the package's maintainer scripts configure it without asking.
  - Reads the debconf database once, normalises the wanted answers the way debconf stores them,
    and writes only the answers that differ, all of them in one C(debconf-set-selections) call
    that is checked first with C(debconf-set-selections -c).
  - Like C(debconf-set-selections), every written answer is also marked as seen, so debconf
    does not ask that question again.
  - A package purged with dbconfig-common (OpenDMARC) leaves its template in the database without its question,
    and C(debconf-set-selections) then refuses an answer to it (C(Cannot find a question)). The module then runs
    debconf's own repair, C(/usr/share/debconf/fix_db.pl), which removes such templates, and checks again; the
    package's install registers the template anew.
options:
  package:
    description:
      - The package that owns the questions, for example V(postfix). It is the first field of each
        C(debconf-set-selections) line and becomes an owner of the question.
      - Must be a Debian package name (lower case letters, digits, V(+), V(-), V(.)).
    type: str
    required: true
  questions:
    description:
      - The answers to set. Each question may appear only once.
      - An empty list changes nothing.
    type: list
    elements: dict
    required: true
    suboptions:
      question:
        description:
          - The name of the debconf question, C(owner/name) with at least one slash and no spaces,
            for example V(postfix/main_mailer_type).
        type: str
        required: true
      type:
        description:
          - The debconf type of the question, as in the package's templates.
          - V(error) is not offered although debconf templates use it, because
            C(debconf-set-selections) skips lines of that type, so it can never be preseeded.
        type: str
        required: true
        choices: [boolean, multiselect, note, password, select, string, text, title]
      value:
        description:
          - The answer.
          - For O(questions[].type=boolean), one of V(true), V(yes), V(on), V(1) (stored as V(true)) or
            V(false), V(no), V(off), V(0) (stored as V(false)), in any letter case, or a YAML boolean.
          - For O(questions[].type=multiselect), a list of choices or a string of choices separated by commas;
            stored as the choices joined with V(", ") in the given order, the way debconf stores them.
            A comma inside a list item is stored escaped as C(\,). V([]) or V("") selects nothing.
          - For O(questions[].type=select), a non-empty string.
          - For the other types, a string (numbers are turned into strings). An empty string is a valid
            answer, for example for C(postfix/root_address).
          - Trailing newlines are removed. Any other line break, and a trailing backslash (which
            C(debconf-set-selections) reads as a line continuation), is refused.
          - A O(questions[].type=password) value is hidden in all output of the module, see the notes.
        type: raw
        required: true
notes:
  - The current answers are read directly from debconf's own database files,
    C(/var/cache/debconf/config.dat) and, for password questions, C(/var/cache/debconf/passwords.dat),
    the locations set by Debian's default C(/etc/debconf.conf). C(debconf-get-selections) is not used,
    because it is in C(debconf-utils), which Debian does not install by default.
    Writing uses C(debconf-set-selections) from the C(debconf) package, which every Debian system has.
  - A question that is not in the database yet (the package was never installed or preseeded)
    counts as unset, so its answer is written.
  - Password answers are compared with the plain text that debconf keeps in C(passwords.dat).
    An equal stored value means no change. When C(passwords.dat) cannot be read (the module does not
    run as root), every password question is reported as changed and written again.
  - Password values are registered as secrets, so they are replaced by C(********) in the module's
    result and diff. They are still part of the task arguments; set C(no_log=true) on the task to keep
    them out of the target's syslog and out of verbose controller output.
  - There is no C(backup) option, because the module owns no file; debconf writes its own databases
    and keeps the previous C(config.dat) and C(templates.dat) as C(config.dat-old) and C(templates.dat-old).
  - Only the answers (values) are compared; the seen flag and the other flags of a question are not.
  - Package maintainer scripts may change answers when they run. For example, the configuration script
    of the C(postfix) package (Debian 12 and 13) replaces a preseeded C(postfix/destinations) with its own
    default on first installation, and on reconfiguration or upgrade reads C(postfix/destinations),
    C(postfix/mynetworks) and C(postfix/protocols) back from C(main.cf) (expanded by C(postconf -x)).
    A later run of this module then reports those answers as changed once.
attributes:
  check_mode:
    support: full
    description: Reports what would change, and checks the answers with C(debconf-set-selections -c), which writes nothing.
  diff_mode:
    support: full
    description: One C(question = value) line for each answer that changes, passwords shown as C(********).
  platform:
    platforms: debian
    support: full
    description: Debian and its derivatives, with debconf's default file databases.
seealso:
  - module: ansible.builtin.debconf
    description: Sets a single debconf answer, reading the current values with C(debconf-get-selections).
"""

EXAMPLES = r"""
- name: Preseed the answers of the postfix package before installing it
  tkj.mailserver.debconf_preseed:
    package: postfix
    questions:
      - {question: postfix/main_mailer_type, type: select, value: Internet Site}
      - {question: postfix/mailname, type: string, value: mail.nida.com}
      - {question: postfix/root_address, type: string, value: ""}
      - {question: postfix/chattr, type: boolean, value: false}
      - {question: postfix/mailbox_limit, type: string, value: 5242880}
      - {question: postfix/protocols, type: select, value: ipv4}

- name: Choose several locales at once
  tkj.mailserver.debconf_preseed:
    package: locales
    questions:
      - question: locales/locales_to_be_generated
        type: multiselect
        value:
          - en_US.UTF-8 UTF-8
          - id_ID.UTF-8 UTF-8

- name: Preseed a password without logging it
  tkj.mailserver.debconf_preseed:
    package: mariadb-server
    questions:
      - question: mysql-server/root_password
        type: password
        value: "{{ vault_mysql_root_password }}"
  no_log: true
"""

RETURN = r"""
changes:
  description:
    - The answers that were (or, in check mode, would be) written, in the order of O(questions).
    - Password values are shown as C(********).
  returned: always
  type: list
  elements: dict
  contains:
    question:
      description: The name of the question.
      returned: always
      type: str
      sample: postfix/mailname
    type:
      description: The debconf type written with the answer.
      returned: always
      type: str
      sample: string
    before:
      description: The answer stored before, as stored by debconf; V(null) when the question was not set.
      returned: always
      type: str
      sample: localhost
    after:
      description: The answer written, normalised the way debconf stores it.
      returned: always
      type: str
      sample: mail.nida.com
  sample:
    - {question: postfix/mailname, type: string, before: null, after: mail.nida.com}
    - {question: postfix/chattr, type: boolean, before: "true", after: "false"}
package:
  description: The package given in O(package).
  returned: always
  type: str
  sample: postfix
"""

import os
import re

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.tkj.mailserver.plugins.module_utils._debconf import QUESTION_TYPES, read_current, shown, wanted_answers
from ansible_collections.tkj.mailserver.plugins.module_utils._errors import InputError

# Where Debian's default /etc/debconf.conf keeps the File databases "config" and "passwords".
DATABASE_DIR = "/var/cache/debconf"
CHECK_ERROR_LINE = re.compile(r"line (\d+)")
# debconf's repair of its database, and what debconf-set-selections -c says of a template left without its question.
FIX_DB = "/usr/share/debconf/fix_db.pl"
STALE_TEMPLATE = "Cannot find a question for "


def register_secrets(module):
    """Hide every password value in all output, before anything can fail and echo the arguments."""
    for entry in module.params["questions"]:
        if entry["type"] == "password" and entry["value"] is not None:
            secret = str(entry["value"])
            module.no_log_values.update(text for text in (secret, secret.rstrip("\n")) if text)


def check_batch(module, command, batch, changes):
    """Run debconf-set-selections -c on the batch; fail naming the question of the line it rejects."""
    rc, out, err = module.run_command([command, "-c"], data=batch)
    if rc != 0 and STALE_TEMPLATE in (err or out) and os.path.exists(FIX_DB) and not module.check_mode:
        fixed, fix_out, fix_err = module.run_command([FIX_DB])
        if fixed != 0:
            module.fail_json(msg="%s could not repair the debconf database: %s" % (FIX_DB, (fix_err or fix_out).strip()), rc=fixed)
        rc, out, err = module.run_command([command, "-c"], data=batch)
    if rc == 0:
        return
    # With -c, debconf silences its warnings, among them the one about a locked database.
    message = (err or out).strip() or "no message; it fails silently when another process (apt, dpkg, debconf-communicate) holds the debconf database lock"
    line = CHECK_ERROR_LINE.search(message)
    where = ""
    if line and 0 < int(line.group(1)) <= len(changes):
        where = " (line %s is question %s)" % (line.group(1), changes[int(line.group(1)) - 1]["question"])
    module.fail_json(msg="debconf-set-selections -c rejected the answers, nothing was written%s: %s" % (where, message), rc=rc)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            package=dict(type="str", required=True),
            questions=dict(
                type="list",
                elements="dict",
                required=True,
                options=dict(
                    question=dict(type="str", required=True),
                    type=dict(type="str", required=True, choices=QUESTION_TYPES),
                    value=dict(type="raw", required=True),
                ),
            ),
        ),
        supports_check_mode=True,
    )
    package = module.params["package"]
    register_secrets(module)
    try:
        wanted = wanted_answers(package, module.params["questions"])
        current = read_current(wanted, DATABASE_DIR)
    except InputError as error:
        module.fail_json(msg=str(error))

    changes = []
    lines = []
    for question, question_type, value in wanted:
        if current[question] == value:
            continue
        before = shown(question_type, current[question])
        changes.append(dict(question=question, type=question_type, before=before, after=shown(question_type, value)))
        lines.append("%s %s %s %s\n" % (package, question, question_type, value))

    result = dict(changed=bool(changes), changes=changes, package=package)
    if module._diff:
        result["diff"] = dict(
            before_header="debconf: %s" % package,
            after_header="debconf: %s" % package,
            before="".join("%s = %s\n" % (change["question"], change["before"]) for change in changes if change["before"] is not None),
            after="".join("%s = %s\n" % (change["question"], change["after"]) for change in changes),
        )
    if changes:
        command = module.get_bin_path("debconf-set-selections", required=True)
        batch = "".join(lines)
        check_batch(module, command, batch, changes)
        if not module.check_mode:
            rc, out, err = module.run_command([command], data=batch)
            if rc != 0:
                module.fail_json(msg="debconf-set-selections failed: %s" % (err or out).strip(), rc=rc, **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
