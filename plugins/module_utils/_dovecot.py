# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Private helpers of tkj.mailserver.dovecot_config: read and edit a Dovecot configuration file the way a
person would (top-level ``name = value`` lines, comments, ``{ }`` sections, continued lines), render values,
and check a whole configuration directory with new file contents by doveconf before anything is written."""

from __future__ import annotations

import difflib
import os
import re
import shutil
import tempfile

from ansible_collections.tkj.mailserver.plugins.module_utils._errors import InputError
from ansible_collections.tkj.mailserver.plugins.module_utils._files import move_into_place, stage_file

SETTING_NAME = re.compile(r"^[A-Za-z0-9_]+$")
ACTIVE_LINE = re.compile(r"^(?P<indent>[ \t]*)(?P<name>[A-Za-z0-9_]+)(?P<separator>[ \t]*=[ \t]*)(?P<rest>.*)$", re.DOTALL)
COMMENTED_LINE = re.compile(r"^#(?P<name>[A-Za-z0-9_]+)[ \t]*=")
VERSION = re.compile(r"^(\d+)\.(\d+)\S*")
UNKNOWN_SETTING = re.compile(r"Unknown setting: ([A-Za-z0-9_/]+)")
DEFAULTS_NAME = re.compile(r"^([a-z0-9_]+) (?:=|\{$)")


def parse_version(output):
    """Return (text, (major, minor)) from the output of ``dovecot --version``, e.g. '2.3.19.1 (9b53102964)'."""
    match = VERSION.match(output.strip())
    if not match:
        raise InputError("cannot read the Dovecot version from 'dovecot --version' output %r" % output.strip())
    return match.group(0), (int(match.group(1)), int(match.group(2)))


def render_value(name, value, where="settings"):
    """Turn a settings value (str, number, bool or a list of those) into the text to write."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (str, int, float)):
        text = str(value)
    elif isinstance(value, list) and all(isinstance(item, (str, int, float)) for item in value):
        text = " ".join(render_value(name, item, where) for item in value)
    else:
        raise InputError("%s.%s: value %r must be a string, number, boolean or a list of those (use '' for an empty value)" % (where, name, value))
    if "\n" in text or "\r" in text:
        raise InputError("%s.%s: value %r contains a line break; a Dovecot setting value is one line" % (where, name, text))
    return text


def unquote(text):
    """The value Dovecot reads from a raw value: surrounding quotes removed, backslash escapes undone."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    return text


def normalise(text):
    """A value as compared: unquoted, white space collapsed."""
    return " ".join(unquote(text).split())


def quote_if_needed(text):
    """Quote a value containing '#' (otherwise a comment) unless it is quoted already."""
    if "#" in text and not (len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'"):
        return '"%s"' % text.replace("\\", "\\\\").replace('"', '\\"')
    return text


def split_comment(rest):
    """Split the text after '=' into (value, trailing comment), the comment starting at a '#' outside quotes."""
    quote = None
    escaped = False
    for index, char in enumerate(rest):
        if escaped:
            escaped = False
        elif quote:
            if char == "\\":
                escaped = True
            elif char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "#":
            return rest[:index], rest[index:]
    return rest, ""


def line_ending(line):
    """The line ending of a physical line ('' for a last line without one)."""
    return line[len(line.rstrip("\r\n")):]


def is_comment(line):
    """True for a line whose first non-blank character is '#'."""
    return line.lstrip().startswith("#")


def parse_entries(lines):
    """Group physical lines into logical lines (a line ending in a backslash continues on the next one).
    Returns a list of (first line index, end index, section depth before the line)."""
    entries = []
    depth = 0
    index = 0
    while index < len(lines):
        end = index + 1
        comment = is_comment(lines[index])
        if not comment:
            while end < len(lines) and lines[end - 1].rstrip("\r\n").endswith("\\"):
                end += 1
        entries.append((index, end, depth))
        if not comment:
            code = split_comment("".join(line.rstrip("\r\n").rstrip("\\") for line in lines[index:end]))[0].strip()
            if code.endswith("{"):
                depth += 1
            elif code.startswith("}"):
                depth = max(0, depth - 1)
        index = end
    return entries


def logical_value(lines):
    """The raw value (without the trailing comment) of an active setting spread over ``lines``."""
    joined = " ".join(line.rstrip("\r\n").rstrip("\\").strip() for line in lines)
    return split_comment(ACTIVE_LINE.match(joined).group("rest"))[0]


class ConfigFile:
    """The lines of a Dovecot configuration file, indexed by top-level setting name. Changes are collected
    as replacements of whole logical lines, so every line that is not changed stays byte-identical."""

    def __init__(self, text):
        self.lines = text.splitlines(True)
        self.newline = line_ending(self.lines[0]) if self.lines and line_ending(self.lines[0]) else "\n"
        self.replacements = {}
        self.appended = []
        self.active = {}
        self.commented = {}
        for start, end, depth in parse_entries(self.lines):
            if depth:
                continue
            active = ACTIVE_LINE.match(self.lines[start])
            commented = COMMENTED_LINE.match(self.lines[start])
            if active and not is_comment(self.lines[start]):
                self.active.setdefault(active.group("name"), []).append((start, end))
            elif commented:
                self.commented.setdefault(commented.group("name"), (start, end))

    def value(self, start, end):
        """The raw value of the active setting on lines ``start`` to ``end``."""
        return logical_value(self.lines[start:end])

    def current(self, name):
        """The raw value of the last active top-level line of ``name``, or None."""
        if name not in self.active:
            return None
        return self.value(*self.active[name][-1])

    def set(self, name, value):
        """Set ``name`` to ``value`` (already rendered); return True when that changes the file."""
        written = quote_if_needed(value)
        if name in self.active:
            changed = False
            for start, end in self.active[name]:
                if normalise(self.value(start, end)) != normalise(written):
                    self.replacements[start] = (end, [self._replace_value(self.lines[start:end], written)])
                    changed = True
            return changed
        if name in self.commented:
            start, end = self.commented[name]
            self.replacements[start] = (end, [self._setting_line(name, written, line_ending(self.lines[start]))])
        else:
            self.appended.append(self._setting_line(name, written, self.newline))
        return True

    def comment_out(self, name):
        """Comment out every active top-level line of ``name``; return True when there was one."""
        for start, end in self.active.get(name, []):
            self.comment_out_lines(start, end)
        return name in self.active

    def comment_out_lines(self, start, end):
        """Put a '#' in front of the (possibly continued) active setting on lines ``start`` to ``end``."""
        commented = []
        for line in self.lines[start:end]:
            stripped = line.lstrip(" \t")
            commented.append(line if stripped.startswith("#") else "#" + stripped)
        self.replacements[start] = (end, commented)

    def rewrite(self, start, end, pairs):
        """Write the active setting on lines ``start`` to ``end`` as the settings ``pairs`` [(name, rendered value)]
        instead: the first keeps the line's indentation, separator and trailing comment, the others follow it."""
        lines = self.lines[start:end]
        indent = ACTIVE_LINE.match(lines[0]).group("indent")
        new_lines = [self._replace_value(lines, quote_if_needed(pairs[0][1]), pairs[0][0])]
        last_ending = line_ending(new_lines[0])
        for name, value in pairs[1:]:
            if not line_ending(new_lines[-1]):
                new_lines[-1] += self.newline  # the old line was the file's last, without a line ending
            new_lines.append(self._setting_line(indent + name, quote_if_needed(value), last_ending))
        self.replacements[start] = (end, new_lines)

    def text(self):
        """The file's text with all changes applied."""
        result = []
        index = 0
        while index < len(self.lines):
            if index in self.replacements:
                end, new_lines = self.replacements[index]
                result.extend(new_lines)
                index = end
            else:
                result.append(self.lines[index])
                index += 1
        if self.appended and result and not line_ending(result[-1]):
            result[-1] += self.newline
        return "".join(result + self.appended)

    @staticmethod
    def _setting_line(name, value, newline):
        return ("%s = %s" % (name, value)).rstrip(" ") + newline

    def _replace_value(self, lines, value, name=None):
        """The line for an active setting with its value (and, when given, its name) replaced, keeping
        indentation, separator and trailing comment. A setting continued over several lines becomes one line."""
        newline = line_ending(lines[-1])
        match = ACTIVE_LINE.match(lines[0].rstrip("\r\n"))
        head = match.group("indent") + (name or match.group("name"))
        if len(lines) > 1:
            return self._setting_line(head, value, newline)
        old_value, comment = split_comment(match.group("rest"))
        if not comment:
            return (head + match.group("separator") + value).rstrip(" \t") + newline
        if not old_value.strip():
            return self._setting_line(head, value, "") + " " + comment + newline
        spacing = old_value[len(old_value.rstrip()):]
        return head + match.group("separator") + value + spacing + comment + newline


def resolve_path(config_dir, path, where="path"):
    """Return (absolute path, path relative to config_dir) of the file to edit, refusing paths outside config_dir."""
    config_dir = os.path.normpath(config_dir)
    if "\n" in path or "\0" in path:
        raise InputError("%s: %r is not a file name" % (where, path))
    target = os.path.normpath(os.path.join(config_dir, path))
    relative = os.path.relpath(target, config_dir)
    if relative == os.curdir or relative == os.pardir or relative.startswith(os.pardir + os.sep):
        raise InputError("%s: %r is not a file inside config_dir %s" % (where, path, config_dir))
    if not os.path.isdir(os.path.dirname(target)):
        raise InputError("%s: the directory of %s does not exist" % (where, target))
    if os.path.isdir(target):
        raise InputError("%s: %s is a directory, not a file" % (where, target))
    return target, relative


def resolve_paths(config_dir, items):
    """[(absolute path, relative path)] of the files of [(option prefix, {path, ...})], refusing a file listed twice."""
    paths = []
    seen = {}
    for where, item in items:
        target, relative = resolve_path(config_dir, item["path"], where + "path")
        if relative in seen:
            raise InputError("%spath: %s is also %spath; list each file once" % (where, target, seen[relative]))
        seen[relative] = where
        paths.append((target, relative))
    return paths


def password_values(items, result):
    """The values of *_password settings (given in the items, found in a file or translated) in a result's
    changes and translated lists, to keep out of the module's output."""
    values = [value for _where, item in items for name, value in item["settings"].items() if name.endswith("_password")]
    for change in result["changes"]:
        if change["name"].endswith("_password"):
            values.extend((change["before"], change["after"]))
    for translation in result["translated"]:
        if translation["name"].endswith("_password"):
            values.extend((translation["value"], translation["to_value"]))
    return {str(value) for value in values if value not in (None, "")}


def build_mirror(config_dir, texts):
    """A private temporary copy of the configuration tree made of symbolic links to the real entries, except for
    the files being edited ({path relative to config_dir: new text}), which hold their new text.
    Returns the mirror's root directory."""
    root = tempfile.mkdtemp(prefix="tkj-dovecot-config-")
    try:
        mirror_directory(config_dir, root, {tuple(relative.split(os.sep)): text for relative, text in texts.items()})
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return root


def mirror_directory(real_dir, mirror_dir, texts):
    """Fill ``mirror_dir`` with symbolic links to the entries of ``real_dir``, except the files of ``texts``
    ({path parts: text}), which are written, and the directories that lead to them, which are mirrored in turn."""
    here = {parts[0]: text for parts, text in texts.items() if len(parts) == 1}
    below = {}
    for parts, text in texts.items():
        if len(parts) > 1:
            below.setdefault(parts[0], {})[parts[1:]] = text
    for entry in os.listdir(real_dir):
        if entry not in here and entry not in below:
            os.symlink(os.path.join(real_dir, entry), os.path.join(mirror_dir, entry))
    for name, text in here.items():
        with open(os.path.join(mirror_dir, name), "wb") as handle:
            handle.write(text.encode("utf-8"))
    for name, sub_texts in below.items():
        os.mkdir(os.path.join(mirror_dir, name), 0o700)
        mirror_directory(os.path.join(real_dir, name), os.path.join(mirror_dir, name), sub_texts)


def known_names(module, doveconf, extra_names):
    """Top-level setting names that doveconf shows by default (hidden ones are missing), and ``extra_names``,
    for suggestions."""
    rc, out, _err = module.run_command([doveconf, "-d", "-c", os.devnull])
    names = set(extra_names)
    if rc == 0:
        names.update(match.group(1) for match in map(DEFAULTS_NAME.match, out.splitlines()) if match)
    return names


def unknown_setting_message(module, doveconf, version, name, doveconf_message, where="settings", extra_names=()):
    """The message for a name doveconf does not know, with close names."""
    close = difflib.get_close_matches(name, sorted(known_names(module, doveconf, extra_names)), n=3, cutoff=0.7)
    suggestion = "did you mean %s?" % " or ".join(close) if close else "no similar setting name is known"
    return "%s: %r is not a Dovecot %d.%d setting; %s (%s)" % (where, name, version[0], version[1], suggestion, doveconf_message)


def validate(module, doveconf, version, config_dir, texts, names, extra_names=()):
    """Check the whole configuration with the new files ({relative path: text}) in it with doveconf, once.
    ``names`` maps the setting names the task sets to the option that sets them ('settings', 'files[1].settings'),
    for a better message when doveconf does not know one (suggesting close names among doveconf's and
    ``extra_names``). Raises InputError when doveconf rejects it."""
    root = build_mirror(config_dir, texts)
    try:
        rc, out, err = module.run_command([doveconf, "-c", os.path.join(root, "dovecot.conf"), "-n"])
    finally:
        shutil.rmtree(root, ignore_errors=True)
    message = (err if rc == 0 else (err or out)).strip().replace(root, config_dir)
    if rc == 0:
        for line in message.splitlines():
            module.warn(line)
        return
    unknown = UNKNOWN_SETTING.search(message)
    if unknown and unknown.group(1) in names:
        raise InputError(unknown_setting_message(module, doveconf, version, unknown.group(1), message, names[unknown.group(1)], extra_names))
    paths = ", ".join(os.path.join(config_dir, relative) for relative in texts)
    unchanged = "the file is unchanged" if len(texts) == 1 else "the files are unchanged"
    raise InputError("%s: doveconf rejected the new configuration, %s: %s" % (paths, unchanged, message))


def write_files(module, texts, backup=False):
    """Write the new texts ({absolute path: text}) of several files: first every one to a temporary file beside
    its target (keeping the target's permissions and ownership; 0644 for a new file), then each is moved into
    place atomically, so a failure while staging (a full disk) changes no file. Returns {path: backup file}."""
    staged = {}
    backups = {}
    try:
        for path, text in texts.items():
            if os.path.exists(path):
                current = os.stat(path)
                staged[path] = stage_file(path, text, current.st_mode & 0o7777, current.st_uid, current.st_gid)
            else:
                staged[path] = stage_file(path, text, 0o644)
        for path, temp_path in staged.items():
            if backup and os.path.exists(path):
                backups[path] = module.backup_local(path)
            move_into_place(module, temp_path, path)
    finally:
        for temp_path in staged.values():
            if os.path.exists(temp_path):
                os.unlink(temp_path)
    return backups


FILE_OPTIONS = ("path", "settings", "mail_location", "absent")


def file_items(params):
    """The files to edit as [(option prefix for messages, {path, settings, mail_location, absent})]:
    the items of ``files``, or the one file of the top-level options."""
    if params["files"] is not None:
        return [("files[%d]." % index, item) for index, item in enumerate(params["files"])]
    return [("", {option: params[option] for option in FILE_OPTIONS})]
