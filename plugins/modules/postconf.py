#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: postconf
short_description: Manage Postfix main.cf parameters and master.cf services in one call
version_added: 0.1.0
author:
  - tkj.mailserver developers (@tkj-lab)
description:
  - Sets and resets Postfix C(main.cf) parameters and adds, replaces or removes C(master.cf) service entries, then checks
    the result with C(postfix check).
  - The live configuration is read once with C(postconf -c config_dir), which lists every parameter Postfix knows with
    its raw (unexpanded) value, defaults included. Unknown parameter names are rejected with the closest real names as
    suggestions, so a typo never lands in C(main.cf).
  - Values are compared after normalisation. Whitespace is collapsed and commas and whitespace count as the same list
    separator, so V(a, b), V(a,b) and V(a b) are equal; booleans become V(yes) or V(no). A value equal to the current
    effective value is not a change, even when that value is Postfix's default and C(main.cf) does not set it.
  - C(main.cf) is edited like a person would edit it. An existing C(name = value) line (with its continuation lines) is replaced
    in place, a new parameter is appended at the end, comments stay. O(reset) removes the line so the parameter falls
    back to its default.
  - A C(master.cf) entry is compared field by field (the C(-o) overrides as a mapping) and replaced in place. When there
    is no active entry for the service and type but a commented-out one (as in Debian's C(#submission inet n - y - -
    smtpd) block with its C(#  -o ...) lines), that commented block is replaced by the active entry; otherwise the entry
    is appended.
  - Both files are written atomically (temporary file beside the target, then rename), then C(postfix -c config_dir
    check) runs. When it fails, the previous content of both files is restored atomically (byte-identical) and the module
    fails with the checker's message.
  - The module neither reloads nor restarts Postfix. Notify a handler that runs C(postfix reload), or restarts Postfix
    when RV(restart_required) is true.
notes:
  - C(postfix check) writes its own diagnostics to standard error only when that is a terminal (otherwise only to the
    mail log), so the module runs it on a pseudo-terminal to be able to show why the new configuration was rejected.
  - Warnings of a successful C(postfix check), for example C(unused parameter) for a parameter that nothing refers to,
    do not fail the module; they are passed on as Ansible warnings. Names are validated before anything is written, so
    such warnings concern settings the module was not asked to make.
  - Accepted parameter names are the names C(postconf) lists, the names set in C(main.cf), user-defined names that this
    call refers to as C($name) in a value or an C(-o) override, and the per-service names (such as
    C(dovecot_destination_recipient_limit)) that Postfix will derive for a delivery service (C(local), C(error),
    C(virtual), C(smtp), C(lmtp), C(pipe); C(spawn) for C(_time_limit)) that this call adds.
  - Per C(postconf(5)), only C(inet_interfaces) and C(inet_protocols) need Postfix to be stopped and
    started; everything else, including C(master.cf) changes (C(master(5)) - "After changing master.cf you must execute
    postfix reload"), takes effect with C(postfix reload).
  - Between the write and the restore of a rejected configuration there is a short window in which the new files are in
    place; a C(postfix reload) running concurrently at exactly that moment would see them.
  - The C(postconf) and C(postfix) commands come from the Debian package C(postfix).
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Computes changes, diffs and the result; writes nothing and does not run C(postfix check).
  diff_mode:
    support: full
    details: Returns one diff per changed file (C(main.cf), C(master.cf)).
  platform:
    platforms: debian
options:
  settings:
    description:
      - C(main.cf) parameters to set, as parameter name to value, for example C(home_mailbox) to V(Maildir/).
      - A value may be a string, a number, a boolean (written as V(yes) or V(no)) or a list (joined with V(, )).
      - Values are single-line; Postfix joins long values itself. Names contain only letters, digits, V(_) and V(-).
    type: dict
    default: {}
  reset:
    description:
      - C(main.cf) parameters to remove, so that they fall back to Postfix's default.
      - A parameter that C(main.cf) does not set is not a change.
    type: list
    elements: str
    default: []
  services:
    description:
      - C(master.cf) service entries. An entry is identified by its O(services[].name) and O(services[].type).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description:
          - Service name, for example V(submission), V(smtps), V(127.0.0.1:10025) or V(dovecot).
        type: str
        required: true
      type:
        description:
          - Service type.
        type: str
        default: inet
        choices: [inet, unix, unix-dgram, fifo, pass]
      private:
        description:
          - Whether the service is accessible only by the mail system (C(master.cf) column 3). V(-) is Postfix's default.
        type: str
        default: '-'
        choices: ['y', 'n', '-']
      unprivileged:
        description:
          - Whether the service runs with the least privilege (column 4). V(-) is Postfix's default.
        type: str
        default: '-'
        choices: ['y', 'n', '-']
      chroot:
        description:
          - Whether the service runs chrooted to the queue directory (column 5). V(-) is Postfix's default.
        type: str
        default: '-'
        choices: ['y', 'n', '-']
      wakeup:
        description:
          - Wake-up time in seconds (column 6), optionally followed by V(?), or V(-) for none.
        type: str
        default: '-'
      maxproc:
        description:
          - Maximum number of processes (column 7), a number or V(-) for C(default_process_limit).
        type: str
        default: '-'
      command:
        description:
          - Command and its arguments (column 8 on), for example V(smtpd) or
            V(pipe flags=DRhu user=vmail argv=/usr/lib/dovecot/deliver -d ${recipient}).
          - Put C(-o name=value) overrides in O(services[].options), not here.
          - Required when O(services[].state=present).
        type: str
      options:
        description:
          - The C(-o name=value) overrides of the service, in the order to write them. Values may be strings, numbers,
            booleans or lists (joined with V(,)).
          - A value containing whitespace is written in Postfix's C(-o { name = value }) form.
          - Compared as a mapping, so a different order alone is not a change.
        type: dict
        default: {}
      state:
        description:
          - Whether the entry should be present or absent. V(absent) removes the active entry; commented-out entries stay.
        type: str
        default: present
        choices: [present, absent]
  config_dir:
    description:
      - Postfix configuration directory holding C(main.cf) and C(master.cf).
    type: path
    default: /etc/postfix
  backup:
    description:
      - Keep a timestamped copy of each file the module changes, beside it.
    type: bool
    default: false
seealso:
  - name: postconf(5)
    description: Postfix configuration parameters.
    link: https://www.postfix.org/postconf.5.html
  - name: master(5)
    description: Postfix master process configuration file format.
    link: https://www.postfix.org/master.5.html
"""

EXAMPLES = r"""
- name: Deliver to Maildir and accept mail for the lab domain
  tkj.mailserver.postconf:
    settings:
      home_mailbox: Maildir/
      mydestination: [$myhostname, localhost, nida.com]
      mynetworks: [127.0.0.0/8, "[::1]/128", 26.26.26.0/24]
      message_size_limit: 52428800
      smtpd_sasl_auth_enable: false
    reset:
      - relayhost
  notify: Reload postfix

- name: Enable submission on port 587 with TLS and SASL authentication
  tkj.mailserver.postconf:
    services:
      - name: submission
        type: inet
        private: n
        chroot: y
        command: smtpd
        options:
          syslog_name: postfix/submission
          smtpd_tls_security_level: encrypt
          smtpd_sasl_auth_enable: true
          smtpd_client_restrictions: [permit_sasl_authenticated, reject]
  register: postfix_config
  notify: Reload postfix

- name: Restart instead of reload when a listening parameter changed
  ansible.builtin.service:
    name: postfix
    state: restarted
  when: postfix_config.restart_required

- name: Remove the smtps service
  tkj.mailserver.postconf:
    services:
      - name: smtps
        state: absent
"""

RETURN = r"""
changes:
  description:
    - The C(main.cf) parameters that changed, with their value before (the effective value, possibly Postfix's default;
      null for a user-defined parameter that did not exist) and after (null for a reset, which falls back to the default).
  returned: always
  type: list
  elements: dict
  sample: [{name: home_mailbox, before: '', after: Maildir/}, {name: relayhost, before: smtp.example.net, after: null}]
  contains:
    name:
      description: Parameter name.
      returned: always
      type: str
    before:
      description: Raw value before the change.
      returned: always
      type: str
    after:
      description: Value written, or null when the parameter was reset.
      returned: always
      type: str
services_changed:
  description: The C(master.cf) entries added, replaced or removed, as C(name/type).
  returned: always
  type: list
  elements: str
  sample: [submission/inet]
restart_required:
  description:
    - True when a changed parameter takes effect only after Postfix is stopped and started (C(inet_interfaces),
      C(inet_protocols)); otherwise C(postfix reload) is enough, for C(master.cf) changes too.
  returned: always
  type: bool
  sample: false
backup_files:
  description: Backup copies made because O(backup=true), one per changed file.
  returned: always
  type: list
  elements: str
  sample: [/etc/postfix/main.cf.12345.2025-11-26@16:00:00~]
"""

import difflib
import os
import pty
import re

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.tkj.mailserver.plugins.module_utils._files import file_diff, read_text, write_atomically

SERVICE_TYPES = ["inet", "unix", "unix-dgram", "fifo", "pass"]
FLAG_CHOICES = ["y", "n", "-"]
RESTART_PARAMETERS = frozenset(["inet_interfaces", "inet_protocols"])
DELIVERY_AGENTS = frozenset(["local", "error", "virtual", "smtp", "lmtp", "pipe"])
TIME_LIMIT_PROGRAMS = frozenset(["pipe", "spawn"])
NAME_PATTERN = re.compile(r"^[A-Za-z0-9_-]+$")
REFERENCE_PATTERN = re.compile(r"\$[{(]?([A-Za-z0-9_]+)")
WAKEUP_PATTERN = re.compile(r"^(-|[0-9]+\??)$")
MAXPROC_PATTERN = re.compile(r"^(-|[0-9]+)$")
COMMENTED_ENTRY = re.compile(r"^#(\S+)\s+(" + "|".join(re.escape(kind) for kind in SERVICE_TYPES) + r")\s")
COMMENTED_CONTINUATION = re.compile(r"^#[ \t]")
COMMENTED_ARGUMENT = re.compile(r"^#[ \t]+(-o|\S+=)")


class InputError(Exception):
    """A module argument that cannot be used; the message names it and says what is expected."""


# ---------------------------------------------------------------- values


def normalise(value):
    """Comparable form of a value: whitespace collapsed, commas and whitespace as one list separator."""
    return " ".join(part for part in re.split(r"[\s,]+", value) if part)


def to_postfix_text(where, value, separator):
    """Postfix text of a module value (str, number, bool or list of those), single-line."""
    if isinstance(value, list):
        text = separator.join(to_postfix_text(where, item, separator) for item in value)
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, (int, float, str)):
        text = str(value).strip()
    else:
        raise InputError(f"{where}: expected a string, number, boolean or list, got {type(value).__name__}")
    if "\n" in text or "\r" in text:
        raise InputError(f"{where}: the value contains a newline; give a one-line value or a list")
    return text


def check_name(where, name):
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise InputError(f"{where}: {name!r} is not a Postfix parameter name (letters, digits, '_' and '-' only)")


# ---------------------------------------------------------------- files


def logical_lines(lines):
    """Spans of the logical lines of a Postfix file, as [first, end, joined text].

    A logical line starts with non-whitespace text; lines starting with whitespace continue it. Blank lines
    and comment lines are skipped (they neither start nor end a logical line)."""
    spans = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if line[0].isspace():
            if spans:
                spans[-1][1] = index + 1
                spans[-1][2] += " " + stripped
            continue
        spans.append([index, index + 1, stripped])
    return spans


def apply_edits(lines, edits, appended):
    """Text of ``lines`` with the (first, end, replacement lines) edits made and ``appended`` lines added."""
    lines = list(lines)
    for first, end, replacement in sorted(edits, key=lambda edit: edit[0], reverse=True):
        lines[first:end] = replacement
    if appended and lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    return "".join(lines + appended)


def parse_main_cf(lines):
    """Active parameters of main.cf: name -> list of (first, end, value), in file order."""
    parameters = {}
    for first, end, text in logical_lines(lines):
        name, equals, value = text.partition("=")
        if equals:
            parameters.setdefault(name.strip(), []).append((first, end, value.strip()))
    return parameters


def split_words(text):
    """Words of a master.cf logical line; a word starting with '{' extends to its matching '}'."""
    words = []
    position = 0
    while position < len(text):
        if text[position].isspace():
            position += 1
            continue
        end = position
        if text[position] == "{":
            depth = 0
            while end < len(text):
                depth += {"{": 1, "}": -1}.get(text[end], 0)
                end += 1
                if depth == 0:
                    break
        else:
            while end < len(text) and not text[end].isspace():
                end += 1
        words.append(text[position:end])
        position = end
    return words


def parse_option(word):
    """(name, value) of an -o word: name=value or { name = value }."""
    if word.startswith("{") and word.endswith("}"):
        word = word[1:-1]
    name, _equals, value = word.partition("=")
    return name.strip(), value.strip()


def parse_service(words):
    """A master.cf entry from its words, or None when they are not one."""
    if len(words) < 8 or words[1] not in SERVICE_TYPES:
        return None
    arguments = words[8:]
    options = {}
    while arguments and arguments[0].startswith("-o"):
        word = arguments.pop(0)
        if word == "-o":
            if not arguments:
                break
            word = arguments.pop(0)
        else:
            word = word[2:]
        name, value = parse_option(word)
        options[name] = value
    return {
        "name": words[0],
        "type": words[1],
        "private": words[2],
        "unprivileged": words[3],
        "chroot": words[4],
        "wakeup": words[5],
        "maxproc": words[6],
        "command": " ".join([words[7]] + arguments),
        "options": options,
    }


def parse_master_cf(lines):
    """Active entries of master.cf as (first, end, entry) and commented-out entries as (first, end, name, type)."""
    active = []
    for first, end, text in logical_lines(lines):
        entry = parse_service(split_words(text))
        if entry is not None:
            active.append((first, end, entry))
    commented = []
    for first, line in enumerate(lines):
        match = COMMENTED_ENTRY.match(line)
        if not match or len(line[1:].split()) < 8:
            continue
        end = first + 1
        for index in range(first + 1, len(lines)):
            if not COMMENTED_CONTINUATION.match(lines[index]):
                break
            if COMMENTED_ARGUMENT.match(lines[index]):
                end = index + 1
        commented.append((first, end, match.group(1), match.group(2)))
    return active, commented


def render_option(name, value):
    if re.search(r"\s", value):
        return f"  -o {{ {name} = {value} }}\n"
    return f"  -o {name}={value}\n"


def render_service(entry):
    """master.cf lines of an entry, in the column layout of Debian's master.cf."""
    command_words = entry["command"].split(None, 1)
    columns = (entry["name"], entry["type"], entry["private"], entry["unprivileged"], entry["chroot"], entry["wakeup"], entry["maxproc"])
    lines = ["".join(f"{column:<{width}} " for column, width in zip(columns, (9, 5, 7, 7, 7, 7, 7))) + command_words[0] + "\n"]
    lines.extend(render_option(name, value) for name, value in entry["options"].items())
    if len(command_words) > 1:
        lines.append(f"  {command_words[1]}\n")
    return lines


def same_service(existing, wanted):
    """Whether two entries are equivalent: same columns, same command words, same overrides as a mapping."""
    for field in ("private", "unprivileged", "chroot", "wakeup", "maxproc"):
        if existing[field] != wanted[field]:
            return False
    if split_words(existing["command"]) != split_words(wanted["command"]):
        return False
    normalised_existing = {name: normalise(value) for name, value in existing["options"].items()}
    normalised_wanted = {name: normalise(value) for name, value in wanted["options"].items()}
    return normalised_existing == normalised_wanted


# ---------------------------------------------------------------- commands


def run_on_terminal(argv):
    """Run ``argv`` with a pseudo-terminal as its standard input, output and error; return (rc, output).

    postfix(1) and postlog(1) print their diagnostics only when standard error is a terminal (otherwise they
    go to the mail log only), so this is the way to learn why ``postfix check`` failed."""
    pid, terminal = pty.fork()
    if pid == 0:
        try:
            os.execv(argv[0], argv)
        finally:
            os._exit(127)
    chunks = []
    while True:
        try:
            chunk = os.read(terminal, 4096)
        except OSError:  # EIO: every process holding the terminal has closed it
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(terminal)
    status = os.waitpid(pid, 0)[1]
    output = b"".join(chunks).decode("utf-8", errors="replace").replace("\r\n", "\n")
    return os.waitstatus_to_exitcode(status), output


def unique_lines(output):
    """Non-empty lines of ``output``, each once, in order (postfix check repeats its warnings)."""
    seen = []
    for line in output.splitlines():
        line = line.strip()
        if line and line not in seen:
            seen.append(line)
    return seen


def read_live_parameters(module, postconf, config_dir):
    """Every parameter Postfix knows for ``config_dir`` with its raw current value (defaults included)."""
    rc, out, err = module.run_command([postconf, "-c", config_dir])
    if rc != 0:
        module.fail_json(msg=f"postconf -c {config_dir} failed: {(err or out).strip()}")
    parameters = {}
    for line in out.splitlines():
        name, equals, value = line.partition(" =")
        if equals:
            parameters[name] = value.strip()
    return parameters


# ---------------------------------------------------------------- the module's work


class PostfixConfig:
    """The requested state, checked against what Postfix knows, and the edits it takes to get there."""

    def __init__(self, params, live, main_lines, master_lines):
        self.live = live
        self.main_lines = main_lines
        self.master_lines = master_lines
        self.main_parameters = parse_main_cf(main_lines)
        self.services, self.commented_services = parse_master_cf(master_lines)
        self.settings = {name: to_postfix_text(f"settings.{name}", value, ", ") for name, value in params["settings"].items()}
        self.reset = list(params["reset"])
        self.wanted_services = [self.wanted_service(index, service) for index, service in enumerate(params["services"])]
        self.known = set(live) | set(self.main_parameters) | self.referenced_names() | self.new_service_parameters()
        self.validate()

    @staticmethod
    def wanted_service(index, service):
        where = f"services[{index}] ({service['name']})"
        if not service["name"] or re.search(r"[\s#]", service["name"]):
            raise InputError(f"{where}: name must be a non-empty service name without whitespace or '#'")
        if not WAKEUP_PATTERN.match(service["wakeup"]):
            raise InputError(f"{where}: wakeup {service['wakeup']!r} must be '-' or a number of seconds, optionally followed by '?'")
        if not MAXPROC_PATTERN.match(service["maxproc"]):
            raise InputError(f"{where}: maxproc {service['maxproc']!r} must be '-' or a number")
        wanted = dict(service)
        if service["state"] == "present":
            wanted["command"] = to_postfix_text(where + ".command", service["command"], " ")
            if not wanted["command"]:
                raise InputError(f"{where}: command must not be empty")
            if any(word.startswith("-o") for word in split_words(wanted["command"])[1:]):
                raise InputError(f"{where}: command {wanted['command']!r} contains -o; put the overrides in options")
        options = {}
        for name, value in service["options"].items():
            check_name(where + ".options", name)
            options[name] = to_postfix_text(f"{where}.options.{name}", value, ",")
        wanted["options"] = options
        return wanted

    def referenced_names(self):
        """User-defined parameter names that this call refers to as $name, ${name} or $(name)."""
        texts = list(self.settings.values())
        for service in self.wanted_services:
            texts.extend(service["options"].values())
            texts.append(service["command"] or "")
        return {name for text in texts for name in REFERENCE_PATTERN.findall(text)}

    def service_suffixes(self, service):
        prefix = service + "_"
        return {name[len(prefix):] for name in self.live if name.startswith(prefix)}

    def new_service_parameters(self):
        """Per-service names (e.g. dovecot_destination_recipient_limit) of delivery services this call adds.

        Postfix gives every service running a delivery agent the same set of per-service parameters, so that set
        is what the existing delivery services have in common; pipe and spawn services also get _time_limit."""
        suffix_sets = [self.service_suffixes(entry["name"]) for _first, _end, entry in self.services if entry["command"].split()[0] in DELIVERY_AGENTS]
        delivery_suffixes = set.intersection(*suffix_sets) if suffix_sets else set()
        names = set()
        for wanted in self.wanted_services:
            program = wanted["command"].split()[0] if wanted["state"] == "present" else None
            suffixes = set(delivery_suffixes) if program in DELIVERY_AGENTS else set()
            if program in TIME_LIMIT_PROGRAMS:
                suffixes.add("time_limit")
            names.update(f"{wanted['name']}_{suffix}" for suffix in suffixes)
        return names

    def check_known(self, where, name):
        check_name(where, name)
        if name in self.known:
            return
        suggestions = difflib.get_close_matches(name, sorted(self.known), n=3)
        hint = f"did you mean {' or '.join(suggestions)}?" if suggestions else "see postconf(5) for the parameter names"
        raise InputError(f"{where}: unknown Postfix parameter {name!r}; {hint}")

    def validate(self):
        for name in self.settings:
            self.check_known("settings", name)
        for name in self.reset:
            self.check_known("reset", name)
            if name in self.settings:
                raise InputError(f"reset: {name!r} is also in settings; a parameter is either set or reset")
        seen = set()
        for index, service in enumerate(self.wanted_services):
            key = (service["name"], service["type"])
            if key in seen:
                raise InputError(f"services[{index}]: {key[0]}/{key[1]} is listed more than once")
            seen.add(key)
            for name in service["options"]:
                self.check_known(f"services[{index}] ({service['name']}).options", name)

    def current_value(self, name):
        if name in self.live:
            return self.live[name]
        if name in self.main_parameters:
            return self.main_parameters[name][-1][2]
        return None

    def main_cf_text(self):
        """New main.cf text and the list of changes."""
        changes = []
        edits = []
        appended = []
        for name, value in self.settings.items():
            before = self.current_value(name)
            if before is not None and normalise(before) == normalise(value):
                continue
            changes.append({"name": name, "before": before, "after": value})
            line = f"{name} = {value}\n" if value else f"{name} =\n"
            spans = self.main_parameters.get(name)
            if not spans:
                appended.append(line)
                continue
            edits.append((spans[0][0], spans[0][1], [line]))
            edits.extend((first, end, []) for first, end, _value in spans[1:])
        for name in self.reset:
            spans = self.main_parameters.get(name)
            if not spans:
                continue
            changes.append({"name": name, "before": self.current_value(name), "after": None})
            edits.extend((first, end, []) for first, end, _value in spans)
        return apply_edits(self.main_lines, edits, appended), changes

    def master_cf_text(self):
        """New master.cf text and the list of changed services as name/type."""
        changed = []
        edits = []
        appended = []
        for wanted in self.wanted_services:
            key = (wanted["name"], wanted["type"])
            existing = [(first, end, entry) for first, end, entry in self.services if (entry["name"], entry["type"]) == key]
            if wanted["state"] == "absent":
                edits.extend((first, end, []) for first, end, _value in existing)
            elif existing:
                if same_service(existing[0][2], wanted):
                    continue
                edits.append((existing[0][0], existing[0][1], render_service(wanted)))
                edits.extend((first, end, []) for first, end, _value in existing[1:])
            else:
                commented = [(first, end) for first, end, name, kind in self.commented_services if (name, kind) == key]
                if commented:
                    edits.append((commented[0][0], commented[0][1], render_service(wanted)))
                else:
                    appended.extend(render_service(wanted))
            if wanted["state"] == "present" or existing:
                changed.append(f"{key[0]}/{key[1]}")
        return apply_edits(self.master_lines, edits, appended), changed


def restore(module, originals):
    """Put back the previous content of each (path, text) written; remove a file that did not exist."""
    for path, text in originals:
        if text is None:
            os.unlink(path)
        else:
            write_atomically(module, path, text)


def write_and_check(module, postfix, config_dir, files):
    """Write each (path, before, after) atomically, run postfix check, roll back on failure; return the backups."""
    backups = []
    written = []
    try:
        for path, before, after in files:
            backup = write_atomically(module, path, after, backup=module.params["backup"])
            written.append((path, before))
            if backup:
                backups.append(backup)
    except OSError as error:
        restore(module, written)
        module.fail_json(msg=f"could not write {error.filename or 'the configuration'}, restored previous main.cf/master.cf: {error}")
    rc, output = run_on_terminal([postfix, "-c", config_dir, "check"])
    lines = unique_lines(output)
    if rc != 0:
        restore(module, written)
        for backup in backups:
            os.unlink(backup)
        errors = [line for line in lines if "fatal:" in line or "error:" in line] or lines or [f"exit code {rc} without a message"]
        module.fail_json(
            msg=f"postfix check rejected the new configuration, restored previous main.cf/master.cf: {'; '.join(errors)}",
            check_output=lines,
        )
    # Only warnings: postfix check also reports, for example, refreshing its chroot copies of /etc files.
    for line in lines:
        if "warning:" in line:
            module.warn(f"postfix check: {line}")
    return backups


def main():
    service_options = {
        "name": {"type": "str", "required": True},
        "type": {"type": "str", "default": "inet", "choices": SERVICE_TYPES},
        "private": {"type": "str", "default": "-", "choices": FLAG_CHOICES},
        "unprivileged": {"type": "str", "default": "-", "choices": FLAG_CHOICES},
        "chroot": {"type": "str", "default": "-", "choices": FLAG_CHOICES},
        "wakeup": {"type": "str", "default": "-"},
        "maxproc": {"type": "str", "default": "-"},
        "command": {"type": "str"},
        "options": {"type": "dict", "default": {}},
        "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
    }
    module = AnsibleModule(
        argument_spec={
            "settings": {"type": "dict", "default": {}},
            "reset": {"type": "list", "elements": "str", "default": []},
            "services": {"type": "list", "elements": "dict", "default": [], "options": service_options,
                         "required_if": [("state", "present", ["command"])]},
            "config_dir": {"type": "path", "default": "/etc/postfix"},
            "backup": {"type": "bool", "default": False},
        },
        supports_check_mode=True,
    )
    config_dir = os.path.abspath(module.params["config_dir"])
    postconf = module.get_bin_path("postconf", required=True)
    postfix = module.get_bin_path("postfix", required=True)
    main_cf = os.path.join(config_dir, "main.cf")
    master_cf = os.path.join(config_dir, "master.cf")

    live = read_live_parameters(module, postconf, config_dir)
    main_before = read_text(main_cf)
    master_before = read_text(master_cf)
    try:
        config = PostfixConfig(module.params, live, (main_before or "").splitlines(True), (master_before or "").splitlines(True))
    except InputError as error:
        module.fail_json(msg=str(error))
    main_after, changes = config.main_cf_text()
    master_after, services_changed = config.master_cf_text()

    files = []
    if changes:
        files.append((main_cf, main_before, main_after))
    if services_changed:
        files.append((master_cf, master_before, master_after))
    result = {
        "changed": bool(files),
        "changes": changes,
        "services_changed": services_changed,
        "restart_required": any(change["name"] in RESTART_PARAMETERS for change in changes),
        "backup_files": [],
    }
    if module._diff:
        result["diff"] = [file_diff(path, before, after) for path, before, after in files]
    if files and not module.check_mode:
        result["backup_files"] = write_and_check(module, postfix, config_dir, files)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
