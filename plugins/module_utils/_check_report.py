# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The results of tkj.mailserver.check: a row per check (status ok, failed or warning, what the check saw,
the fix), the table a student reads, the class at a glance, and the class's report as the files the
teacher keeps (HTML to open in a browser, CSV for the school's grade book)."""

from __future__ import annotations

import csv
import html
import io
import textwrap

OK, FAILED, WARNING = "ok", "failed", "warning"
LABELS = {OK: "OK", FAILED: "FAILED", WARNING: "WARNING"}


def row(check, status, detail, fix=""):
    """One row of the table."""
    return {"check": check, "status": status, "detail": detail, "fix": fix}


def class_results(servers, rows):
    """[(server, rows or None)] from the servers' names and, in the same order, each one's rows (None when
    it was not checked): what the class table and the report take. ValueError when they do not pair up."""
    if not isinstance(servers, (list, tuple)) or not isinstance(rows, (list, tuple)) or len(servers) != len(rows):
        raise ValueError("expected the servers' names and, for each, its rows or null")
    return list(zip(servers, rows))


def class_summary(results):
    """One entry per student's server, in the class's order: {server, own (OK, FAILED), sends and
    receives (OK, FAILED, or - when there was no class mail), failed (the names of its own checks that
    failed)}. ``results`` is [(server, rows or None when it was not checked)]."""
    sent = {}
    for index, (server, rows) in enumerate(results):
        class_rows = [item for item in rows or [] if item["check"] == "Class mail"]
        sent[index] = LABELS[class_rows[0]["status"]] if class_rows else "-"
    summary = []
    for index, (server, rows) in enumerate(results):
        receives = sent[(index - 1) % len(results)]
        if rows is None:
            summary.append({"server": server, "own": "FAILED", "sends": "-", "receives": receives, "failed": ["not checked: unreachable"]})
            continue
        failed = [item["check"] for item in rows if item["status"] == FAILED and item["check"] != "Class mail"]
        summary.append({"server": server, "own": "FAILED" if failed else "OK", "sends": sent[index], "receives": receives, "failed": failed})
    return summary


def class_table(results, width=100):
    """The class at a glance, one line per student's server in the class's order: its own checks (the
    names of those that failed), whether its message reached the next student, whether the previous
    student's message reached it. ``results`` is [(server, rows or None when it was not checked)]."""
    lines = ["tkj.mailserver.check: the class, %d servers (each sends to the next, the last to the first)" % len(results),
             "%-20s %-8s %-8s %-8s %s" % ("Server", "Own", "Sends", "Receives", "Failed checks")]
    summary = class_summary(results)
    for entry in summary:
        text = textwrap.wrap(", ".join(entry["failed"]) or "none", width - 48, break_on_hyphens=False)
        lines.append("%-20s %-8s %-8s %-8s %s" % (entry["server"], entry["own"], entry["sends"], entry["receives"], text[0]))
        lines.extend(" " * 48 + line for line in text[1:])
    failing = [entry["server"] for entry in summary if entry["own"] == "FAILED"]
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


# The CSV's columns, one line per check of each server.
CSV_FIELDS = ("date", "server", "check", "result", "seen", "fix")
UNREACHABLE = row("Reachable", FAILED, "not checked: unreachable", "Start the server and check that ssh (or the container) answers, "
                  "then run the check again.")


def server_rows(rows):
    """A server's rows, or the one row of a server that was not checked."""
    return [UNREACHABLE] if rows is None else rows


def report_csv(results, date):
    """The class's report as CSV: a header line (CSV_FIELDS), then one line per check of each server, with
    the fix of each that did not pass. ``results`` as for class_table."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for server, rows in results:
        for item in server_rows(rows):
            writer.writerow([date, server, item["check"], LABELS[item["status"]], item["detail"], item["fix"] if item["status"] != OK else ""])
    return out.getvalue()


def cell(text):
    """A table cell holding ``text``."""
    return "<td>%s</td>" % html.escape(text)


def report_html(results, date):
    """The class's report as one HTML page: the class at a glance, then each server's checks with the fix
    of each that did not pass."""
    parts = ["<!DOCTYPE html>", '<html lang="id">', '<head><meta charset="utf-8"><title>Laporan kelas %s</title>' % html.escape(date),
             "<style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse;margin:0.5em 0 1.5em}"
             "th,td{border:1px solid #999;padding:0.25em 0.6em;text-align:left;vertical-align:top}th{background:#eee}"
             ".OK{background:#d9f2d9}.FAILED{background:#f8d0d0}.WARNING{background:#fcefc7}</style></head>",
             "<body>", "<h1>Laporan kelas (class report) %s</h1>" % html.escape(date),
             "<table><tr><th>Server</th><th>Own checks</th><th>Sends</th><th>Receives</th><th>Failed checks</th></tr>"]
    for entry in class_summary(results):
        results_cells = "".join('<td class="%s">%s</td>' % (value, value) for value in (entry["own"], entry["sends"], entry["receives"]))
        parts.append("<tr>%s%s%s</tr>" % (cell(entry["server"]), results_cells, cell(", ".join(entry["failed"]) or "none")))
    parts.append("</table>")
    for server, rows in results:
        parts.append('<h2 id="%s">%s</h2>' % (html.escape(server, quote=True), html.escape(server)))
        parts.append("<table><tr><th>Check</th><th>Result</th><th>What the check saw</th><th>Fix</th></tr>")
        for item in server_rows(rows):
            label = LABELS[item["status"]]
            fix = item["fix"] if item["status"] != OK else ""
            parts.append('<tr>%s<td class="%s">%s</td>%s%s</tr>' % (cell(item["check"]), label, label, cell(item["detail"]), cell(fix)))
        parts.append("</table>")
    parts.extend(["</body>", "</html>", ""])
    return "\n".join(parts)
