# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Private helpers shared by the modules of tkj.mailserver: read, diff, validate and write a file
atomically, so that no configuration file is ever half-written."""

from __future__ import annotations

import glob
import grp
import os
import pwd
import re
import tempfile

from ansible_collections.tkj.mailserver.plugins.module_utils._errors import InputError
from ansible_collections.tkj.mailserver.plugins.module_utils._file_modes import check_mode_value

TEMP_MARK = ".tkj-tmp-"


def read_text(path):
    """Return the text of ``path``, or ``None`` when it does not exist."""
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8")
    except FileNotFoundError:
        return None


def file_diff(path, before, after):
    """An Ansible diff entry (shown by ``--diff``) for a file going from ``before`` to ``after``."""
    return {
        "before_header": path,
        "after_header": path,
        "before": before if before is not None else "",
        "after": after,
    }


def is_pattern(text):
    """Whether ``text`` is a regular expression Python can compile."""
    try:
        re.compile(text)
    except re.error:
        return False
    return True


def keep_lines(content, before, pattern):
    """``content`` with each line that matches ``pattern`` (at its start) replaced by the first line of
    ``before`` (the existing text, or None) that matches it; unchanged when ``before`` has none."""
    regex = re.compile(pattern)
    kept = next((line for line in (before or "").splitlines() if regex.match(line)), None)
    if kept is None:
        return content
    return "".join(kept + line[len(line.rstrip("\r\n")):] if regex.match(line) else line for line in content.splitlines(True))


def remove_stale_temp_files(path):
    """Remove temporary files that an interrupted earlier run left beside ``path``."""
    directory, name = os.path.split(path)
    for stale in glob.glob(os.path.join(directory or ".", "." + glob.escape(name) + TEMP_MARK + "*")):
        try:
            os.unlink(stale)
        except OSError:
            pass


def stage_file(path, text, mode, uid=-1, gid=-1):
    """Write ``text`` to a new temporary file beside ``path`` (same directory, so that moving it
    into place is atomic) with permissions ``mode`` and ownership ``uid``:``gid`` (-1 keeps the
    process's); first remove what an interrupted earlier run left there. Returns its path."""
    directory, name = os.path.split(path)
    remove_stale_temp_files(path)
    fd, temp_path = tempfile.mkstemp(prefix="." + name + TEMP_MARK, dir=directory or ".")
    with os.fdopen(fd, "wb") as handle:
        handle.write(text.encode("utf-8"))
    os.chmod(temp_path, mode)
    set_owner(temp_path, uid, gid)
    return temp_path


def set_owner(path, uid, gid):
    """chown ``path`` where it differs; an unprivileged run keeps the ownership it can."""
    info = os.stat(path)
    if (uid not in (-1, info.st_uid)) or (gid not in (-1, info.st_gid)):
        try:
            os.chown(path, uid, gid)
        except PermissionError:
            pass


def move_into_place(module, temp_path, path):
    """Move a staged file onto ``path`` atomically. ``atomic_move`` gives the result the permissions
    of the file it replaces (or the umask's for a new one): the staged ones are set again."""
    staged = os.stat(temp_path)
    module.atomic_move(temp_path, path, unsafe_writes=False)
    os.chmod(path, staged.st_mode & 0o7777)
    set_owner(path, staged.st_uid, staged.st_gid)


def write_atomically(module, path, text, validate=None, backup=False, mode=None):
    """Write ``text`` to ``path`` without ever leaving it half-written.

    The text goes to a temporary file in the same directory (so the final rename is atomic),
    takes the permissions and ownership of the file it replaces (``mode`` for a new file),
    is checked by ``validate(temp_path)`` when given, which returns an error message or None,
    and is moved into place. On a validation error the module fails with that message and
    ``path`` is left byte-identical. Returns the backup file name or None.
    """
    if os.path.exists(path):
        current = os.stat(path)
        temp_path = stage_file(path, text, current.st_mode & 0o7777, current.st_uid, current.st_gid)
    else:
        temp_path = stage_file(path, text, mode if mode is not None else 0o644)
    try:
        if validate is not None:
            error = validate(temp_path)
            if error:
                module.fail_json(msg="%s: the new content was rejected, the file is unchanged: %s" % (path, error))
        backup_file = None
        if backup and os.path.exists(path):
            backup_file = module.backup_local(path)
        move_into_place(module, temp_path, path)
        return backup_file
    finally:
        if os.path.exists(temp_path):
            os.unlink(temp_path)


# The checks of tkj.mailserver.config_files' items, before anything is changed.

def check_account(item):
    """Raise InputError when the owner or group of ``item`` does not exist here (a number is taken as an id)."""
    for kind, lookup in (("owner", pwd.getpwnam), ("group", grp.getgrnam)):
        name = item[kind]
        if name is not None and not name.isdigit():
            try:
                lookup(name)
            except KeyError:
                raise InputError("%s %r does not exist on this host" % (kind, name)) from None


def check_item(item, directories):
    """Raise InputError when ``item`` cannot be made; ``directories`` are the paths of the directory
    items that are made before it, so they count as existing."""
    path, state = item["path"], item["state"]
    if not os.path.isabs(path):
        raise InputError("path must be absolute")
    if state == "directory" and (item["content"] is not None or item["validate"] is not None):
        raise InputError("content and validate are for files; a state=directory item takes only owner, group and mode")
    if state == "present" and item["content"] is None:
        raise InputError("content is required unless state is absent or directory")
    check_mode_value(item["mode"])
    check_account(item)
    if item["keep"] is not None and not is_pattern(item["keep"]):
        raise InputError("keep is not a regular expression: %r" % item["keep"])
    if item["validate"] is not None and "%s" not in item["validate"]:
        raise InputError("validate must contain %s where the file's path goes, as in 'named-checkconf %s'")
    if state == "directory" and os.path.lexists(path) and not os.path.isdir(path):
        raise InputError("it exists and is not a directory; remove it first or choose another path")
    if state == "present" and os.path.isdir(path):
        raise InputError("it is a directory; give state=directory to manage a directory")
    if state == "absent" and os.path.isdir(path) and not os.path.islink(path):
        raise InputError("it is a directory; state=absent removes files only")
    parent = os.path.dirname(os.path.normpath(path))
    if state != "absent" and not os.path.isdir(parent) and parent not in directories:
        hint = " (list the directory item first)" if state == "directory" else ""
        raise InputError("the directory %s does not exist%s" % (parent, hint))


def check_files(files):
    """Check every item before anything is changed; raise InputError naming the item at fault."""
    paths = [os.path.normpath(item["path"]) for item in files]
    # Every directory item is made before any file is staged, and the directories one after the other:
    # a file may be in any directory item of the call, a directory only in one listed before it.
    all_directories = set(os.path.normpath(item["path"]) for item in files if item["state"] == "directory")
    earlier_directories = set()
    for index, item in enumerate(files):
        where = "files[%d] (%s)" % (index, item["path"])
        if paths.count(os.path.normpath(item["path"])) > 1:
            raise InputError("%s: the path is given twice" % where)
        try:
            check_item(item, earlier_directories if item["state"] == "directory" else all_directories)
        except InputError as error:
            raise InputError("%s: %s" % (where, error)) from None
        if item["state"] == "directory":
            earlier_directories.add(os.path.normpath(item["path"]))
