# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The check's webmail row: Roundcube as a student's browser uses it. Its login page over HTTPS with the
certificate verified, then a login with its own form (the CSRF token and the session cookie it sets),
which Roundcube answers by sending the browser to the mailbox once Dovecot let the user in.

Python's urllib does the talking, so this too runs on any host with Python 3."""

from __future__ import annotations

import http.client
import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request

from ansible_collections.tkj.mailserver.plugins.module_utils._check_report import FAILED, OK, row
from ansible_collections.tkj.mailserver.plugins.module_utils._mail_session import pinned

TOKEN = re.compile(r'name="_token" value="([^"]+)"')


class _Stay(urllib.request.HTTPRedirectHandler):
    """Redirects are answers to read (Roundcube's login answers with one), not to follow."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class WebmailChecks:
    """For MailCheck: ``p["webmail_host"]`` (empty: no webmail row), users(), ask(), context(), dns_fix(),
    explain(), ``server``, ``timeout``, ``rows``."""

    def webmail_session(self):
        """An opener keeping Roundcube's cookies, TLS verified as by the other checks."""
        return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                           urllib.request.HTTPSHandler(context=self.context()), _Stay())

    def login_to_webmail(self, name, user):
        """The login page and, with a user, a login; the detail of a row that passed, else a ValueError."""
        url = "https://%s/" % name
        opener = self.webmail_session()
        page = opener.open(url, timeout=self.timeout).read().decode("utf-8", "replace")
        token = TOKEN.search(page)
        if not token:
            raise ValueError("%s answers, but with no Roundcube login form" % url)
        if user is None:
            return "%s: the login page, certificate verified" % url
        form = urllib.parse.urlencode({"_token": token.group(1), "_task": "login", "_action": "login", "_timezone": "UTC",
                                       "_url": "", "_user": user["name"], "_pass": user["password"]}).encode()
        try:
            answer = opener.open(urllib.request.Request(url + "?_task=login", data=form), timeout=self.timeout)
            status, location = answer.status, ""
        except urllib.error.HTTPError as error:
            status, location = error.code, error.headers.get("Location", "")
        if status == 302 and "_task=mail" in location:
            return "%s: login as %s, the mailbox opened (certificate verified)" % (url, user["name"])
        raise ValueError("%s: the login as %s was refused (HTTP %d)" % (url, user["name"], status))

    def check_webmail(self):
        name = (self.p.get("webmail_host") or "").lower().rstrip(".")
        if not name:
            return
        user, _recipient = self.users()
        addresses = sorted({address for _server, found, _problem in self.ask(name, "A") for address in found or []})
        if not addresses:
            self.rows.append(row("Webmail", FAILED, "DNS gives no address for %s" % name,
                                 self.dns_fix("%s IN A <the server's address>" % name.split(".")[0])))
            return
        try:
            with pinned(name, addresses[0]):
                detail = self.login_to_webmail(name, user)
        except (ValueError, http.client.HTTPException) as error:
            self.rows.append(row("Webmail", FAILED, str(error) or type(error).__name__, (
                "Roundcube logs in to Dovecot over IMAPS with the user's password and checks its certificate (webmail_ca_file): "
                "on %s, sudo tail -n 30 /var/log/roundcube/errors.log says why." % self.server)))
            return
        except OSError as error:
            detail, fix = self.explain(getattr(error, "reason", error), 443)
            self.rows.append(row("Webmail", FAILED, detail, fix))
            return
        self.rows.append(row("Webmail", OK, detail))
