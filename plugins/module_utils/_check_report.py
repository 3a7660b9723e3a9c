# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The results of tkj.mailserver.check: a row per check (status ok, failed or warning, what the check saw,
the fix), the table a student reads, and the class at a glance."""

from __future__ import annotations

import textwrap

OK, FAILED, WARNING = "ok", "failed", "warning"
LABELS = {OK: "OK", FAILED: "FAILED", WARNING: "WARNING"}


def row(check, status, detail, fix=""):
    """One row of the table."""
    return {"check": check, "status": status, "detail": detail, "fix": fix}


def class_table(results, width=100):
    """The class at a glance, one line per student's server in the class's order: its own checks (the
    names of those that failed), whether its message reached the next student, whether the previous
    student's message reached it. ``results`` is [(server, rows or None when it was not checked)]."""
    sent = {}
    for index, (server, rows) in enumerate(results):
        class_rows = [item for item in rows or [] if item["check"] == "Class mail"]
        sent[index] = LABELS[class_rows[0]["status"]] if class_rows else "-"
    lines = ["tkj.mailserver.check: the class, %d servers (each sends to the next, the last to the first)" % len(results),
             "%-20s %-8s %-8s %-8s %s" % ("Server", "Own", "Sends", "Receives", "Failed checks")]
    for index, (server, rows) in enumerate(results):
        if rows is None:
            lines.append("%-20s %-8s %-8s %-8s %s" % (server, "FAILED", "-", sent[(index - 1) % len(results)], "not checked: unreachable"))
            continue
        failed = [item["check"] for item in rows if item["status"] == FAILED and item["check"] != "Class mail"]
        own = "FAILED" if failed else "OK"
        text = textwrap.wrap(", ".join(failed) or "none", width - 48, break_on_hyphens=False)
        lines.append("%-20s %-8s %-8s %-8s %s" % (server, own, sent[index], sent[(index - 1) % len(results)], text[0]))
        lines.extend(" " * 48 + line for line in text[1:])
    failing = [server for server, rows in results if rows is None or any(
        item["status"] == FAILED and item["check"] != "Class mail" for item in rows)]
    lines.append("Needs help: %s" % (", ".join(failing) if failing else "nobody"))
    return lines


def table(title, rows, width=100):
    """The rows as lines a student reads: check, result, what was seen and, under a failure, the fix."""
    lines = [title, "%-12s %-8s %s" % ("Check", "Result", "What the check saw")]
    indent = " " * 22
    for item in rows:
        detail = textwrap.wrap(item["detail"], width - len(indent), break_on_hyphens=False) or [""]
        lines.append("%-12s %-8s %s" % (item["check"], LABELS[item["status"]], detail[0]))
        lines.extend(indent + line for line in detail[1:])
        if item["fix"] and item["status"] != OK:
            fix = textwrap.wrap("Fix: " + item["fix"], width - len(indent), break_on_hyphens=False)
            lines.extend(indent + line for line in fix)
    failed = sum(item["status"] == FAILED for item in rows)
    warned = sum(item["status"] == WARNING for item in rows)
    lines.append("%d checks: %d OK, %d failed, %d warnings" % (len(rows), len(rows) - failed - warned, failed, warned))
    return lines
