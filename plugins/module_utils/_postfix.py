# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Private helpers of tkj.mailserver.postconf: the text of Postfix's main.cf and master.cf (parse, compare,
render, edit in place), ``postconf`` output, and the requested state checked against them (PostfixConfig).
Running ``postconf`` and ``postfix check`` is in _postfix_commands.py."""

from __future__ import annotations

import difflib
import re

from ansible_collections.tkj.mailserver.plugins.module_utils._errors import InputError

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
    """Fail unless ``name`` has the form of a Postfix parameter name."""
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
    """The master.cf line of an -o override; a value with whitespace needs Postfix's { name = value } form."""
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


# ---------------------------------------------------------------- postconf output


def parse_postconf_output(output):
    """Parameters listed by ``postconf`` (one ``name = value`` line each) as name -> raw value."""
    parameters = {}
    for line in output.splitlines():
        name, equals, value = line.partition(" =")
        if equals:
            parameters[name] = value.strip()
    return parameters


# ---------------------------------------------------------------- the requested state


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
        """The service entry services[index] asks for, checked, with its values in Postfix text."""
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
        """Suffixes of the per-service parameters (service_suffix) Postfix lists for ``service``."""
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
        """Fail unless ``name`` is a known parameter name, suggesting the closest known names."""
        check_name(where, name)
        if name in self.known:
            return
        suggestions = difflib.get_close_matches(name, sorted(self.known), n=3)
        hint = f"did you mean {' or '.join(suggestions)}?" if suggestions else "see postconf(5) for the parameter names"
        raise InputError(f"{where}: unknown Postfix parameter {name!r}; {hint}")

    def validate(self):
        """Check every requested name and that no parameter or service is asked for twice."""
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
        """Effective raw value of ``name`` (postconf's, else main.cf's last setting), or None when it has none."""
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
