#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) tkj.mailserver developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: mail_check
short_description: Check a mail server as its clients see it, and say how to fix what fails
version_added: 0.9.0
author:
  - tkj.mailserver developers (@tkj-lab)
description:
  - Run on a client of the mail server (the controller, or a lab client with C(delegate_to)); the
    C(tkj.mailserver.check) playbook runs it for every host of C(mail_servers).
  - Asks the DNS servers O(dns_servers) for the MX of O(domain), the A record of O(mail_host) and
    the PTR record of that address, then connects to that address as a mail client does, verifying
    TLS against O(ca_pem) for the name O(mail_host). SMTP on 25 and 587 (STARTTLS, and a login on
    587), IMAP on 993 and POP3 on 995 (TLS, a login), the certificate's names and end, an
    open-relay probe on 25 (C(RCPT TO) for O(relay_domain) without a login, never followed by
    C(DATA)), a message from the first user of O(users) to the second over 587 read back over
    IMAP and POP3 and then deleted, and the SPF, DKIM and DMARC records of O(records).
  - Reports each check as a row with what it saw and, for a failure, the fix; the module itself
    fails only on bad options. The caller decides what a failed row means (the playbook fails).
  - Needs Python 3.9 or later on the host it runs on, and nothing else.
options:
  server:
    description: The mail server's inventory name, used in the fixes (C(On SERVER, sudo systemctl ...)).
    type: str
    required: true
  domain:
    description: The mail domain, for example V(nida.com).
    type: str
    required: true
  mail_host:
    description: The name of the mail server, the MX of O(domain) and the name on its certificate, for example V(mail.nida.com).
    type: str
    required: true
  dns_servers:
    description:
      - IPv4 or IPv6 addresses of the DNS servers the clients use. Each is asked and must give the same answer.
      - Empty, the name servers of this host's C(/etc/resolv.conf).
    type: list
    elements: str
    default: []
  ca_pem:
    description:
      - The CA certificates (PEM) that TLS connections must chain to, for example the lab CA's C(lab-ca.crt).
      - Empty, the system's trusted CAs.
    type: str
    default: ""
  users:
    description:
      - Mail users with their passwords (as C(dovecot_users)); entries without a password are left out.
      - The logins use the first two; the test message goes from the first to the second (to
        itself with one). Without users the logins are left out and the message row is a warning.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The user's login name; the address is C(NAME@DOMAIN).
        type: str
        required: true
      password:
        description: The user's password.
        type: str
  records:
    description:
      - The TXT records that must be published, as the C(tkj_mail_auth) local fact of the mail_auth role has them.
    type: list
    elements: dict
    default: []
    suboptions:
      zone:
        description: The zone, for example V(nida.com).
        type: str
        required: true
      name:
        description: The owner name in the zone, V(@), V(_dmarc) or C(SELECTOR._domainkey).
        type: str
        required: true
      type:
        description: The record type; only V(TXT) records are checked.
        type: str
        default: TXT
      value:
        description: The text the record must have (several strings of a TXT record are joined).
        type: str
        required: true
  services:
    description:
      - The state of the servers' services, for the first rows. For each host a mapping of each
        systemd unit to the word C(systemctl is-active UNIT) printed there, for example
        C(mail.nida.com) with C(postfix) V(active) and C(dovecot) V(inactive).
      - Any state but V(active) fails; a host with no units was not looked at.
    type: dict
    default: {}
  relay_domain:
    description:
      - A domain the server must not take mail for from a client that did not log in. An
        C(.invalid) one, or another lab domain (mail to it is refused unless the client logs in).
    type: str
    default: relay-test.invalid
  send_to:
    description:
      - In a class, the next student's server, to which this one sends the C(Class mail) row's message. It goes
        from the first user of O(users) to the first of O(send_to.users), over this server's 587, and is read back
        over IMAP 993 and POP3 995 on the next server (its address from the A record of O(send_to.mail_host),
        its certificate verified against O(ca_pem)), then deleted.
    type: dict
    version_added: 0.10.0
    suboptions:
      server:
        description: The next server's inventory name, for the messages.
        type: str
        required: true
      domain:
        description: Its mail domain.
        type: str
        required: true
      mail_host:
        description: Its mail host's name.
        type: str
        required: true
      users:
        description: Its users, as O(users).
        type: list
        elements: dict
        default: []
        suboptions:
          name:
            description: The user name.
            type: str
            required: true
          password:
            description: The password.
            type: str
  webmail_host:
    description:
      - The name of the server's webmail (Roundcube), for example V(webmail.nida.com). The C(Webmail) row loads
        C(https://NAME/) at the address DNS gives for it, the certificate verified against O(ca_pem), and logs
        in as the first user of O(users) through Roundcube's own login form, which must open the mailbox.
      - Empty, no webmail row.
    type: str
    default: ""
    version_added: 0.14.0
  profile:
    description:
      - V(site) judges the server C(tkj.mailserver.site) builds.
      - V(tutorial) judges a server a student built by hand from the tutorial. Debian's snakeoil
        certificate, plain IMAP and POP3 on 143 and 110, no 587 and the tutorial's open
        C(mynetworks) are warnings that teach the better way, each fix in English and in Bahasa
        Indonesia. What is broken fails (no MX or A record, a service down, a message that
        does not reach C(~/Maildir) or that Dovecot does not read). The test message goes over
        25 without a login unless 587 takes the login.
    type: str
    choices: [site, tutorial]
    default: site
    version_added: 0.14.0
  server_state:
    description:
      - What the server says about itself, the result of M(tkj.mailserver.mail_server_state) on it.
      - Gives the C(Mailbox) row (Postfix delivers where Dovecot reads, into a C(~/Maildir) each
        user owns) and names the firewall rule that stops a port that does not answer. Empty,
        neither.
    type: dict
    default: {}
    version_added: 0.14.0
  min_days:
    description: A certificate that ends within this many days is a warning.
    type: int
    default: 14
  timeout:
    description: Seconds to wait for each answer.
    type: int
    default: 10
  message_wait:
    description: Seconds to wait for the test message to reach the recipient's INBOX.
    type: int
    default: 30
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details:
      - Changes nothing on any managed host and runs the same in check mode; the test message is
        delivered and deleted in check mode too, as the check needs it.
  diff_mode:
    support: none
  platform:
    platforms: posix
notes:
  - The open-relay probe runs from the host the module runs on. Run it from a host the server does
    not trust (not the server itself, not one in C(postfix_mynetworks)), or it reports what that host may do.
seealso:
  - name: The tkj.mailserver.check playbook
    description: Runs this module for every mail server and fails when a check does.
    link: https://github.com/tkj-lab/tkj.mailserver/blob/main/playbooks/check.yml
"""

EXAMPLES = r"""
- name: Check mail.nida.com as a client of the lab DNS sees it
  tkj.mailserver.mail_check:
    server: mail.nida.com
    domain: nida.com
    mail_host: mail.nida.com
    dns_servers: [192.0.2.53]
    ca_pem: "{{ lookup('ansible.builtin.file', 'inventories/lab/.lab-ca/lab-ca.crt') }}"
    users: "{{ lab_users }}"
  delegate_to: localhost
  register: nida_check

- name: Print the table
  ansible.builtin.debug:
    msg: "{{ nida_check.table }}"
"""

RETURN = r"""
rows:
  description: One entry per check, in the order mail flows.
  returned: always
  type: list
  elements: dict
  contains:
    check:
      description: The check, for example C(DNS MX), C(SMTP 587), C(Message).
      type: str
    status:
      description: V(ok), V(failed) or V(warning).
      type: str
    detail:
      description: What the check saw.
      type: str
    fix:
      description: What to do about a failure or warning (empty for V(ok)).
      type: str
  sample: [{check: DNS MX, status: ok, detail: "nida.com MX 10 mail.nida.com. (192.0.2.53)", fix: ""}]
table:
  description: The rows as lines of text, for ansible.builtin.debug.
  returned: always
  type: list
  elements: str
failures:
  description: The number of rows with status V(failed).
  returned: always
  type: int
address:
  description: The address of O(mail_host) that DNS gave, the one the checks connected to (null when DNS gave none).
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.tkj.mailserver.plugins.module_utils._check_report import FAILED, table
from ansible_collections.tkj.mailserver.plugins.module_utils._mail_tutorial import checker


def main():
    module = AnsibleModule(
        argument_spec=dict(
            server=dict(type="str", required=True),
            domain=dict(type="str", required=True),
            mail_host=dict(type="str", required=True),
            dns_servers=dict(type="list", elements="str", default=[]),
            ca_pem=dict(type="str", default=""),
            users=dict(type="list", elements="dict", default=[], options=dict(
                name=dict(type="str", required=True), password=dict(type="str", no_log=True))),
            records=dict(type="list", elements="dict", default=[], options=dict(
                zone=dict(type="str", required=True), name=dict(type="str", required=True),
                type=dict(type="str", default="TXT"), value=dict(type="str", required=True))),
            services=dict(type="dict", default={}),
            relay_domain=dict(type="str", default="relay-test.invalid"),
            send_to=dict(type="dict", options=dict(
                server=dict(type="str", required=True), domain=dict(type="str", required=True),
                mail_host=dict(type="str", required=True),
                users=dict(type="list", elements="dict", default=[], options=dict(
                    name=dict(type="str", required=True), password=dict(type="str", no_log=True))))),
            webmail_host=dict(type="str", default=""),
            profile=dict(type="str", choices=["site", "tutorial"], default="site"),
            server_state=dict(type="dict", default={}),
            min_days=dict(type="int", default=14),
            timeout=dict(type="int", default=10),
            message_wait=dict(type="int", default=30),
        ),
        supports_check_mode=True,
    )
    params = module.params
    for option in ("timeout", "message_wait"):
        if params[option] < 1:
            module.fail_json(msg="%s is %d: it counts seconds, 1 or more" % (option, params[option]))
    for host, units in params["services"].items():
        if not isinstance(units, dict) or not all(isinstance(state, str) for state in units.values()):
            module.fail_json(msg="services[%s] must map each unit to its state, for example {dovecot: active}" % host)
    params["records"] = [record for record in params["records"] if record["type"].upper() == "TXT"]

    check = checker(params)
    rows = check.run()
    title = "tkj.mailserver.check: %s (%s), DNS %s" % (check.mail_host, check.domain, ", ".join(check.dns_servers) or "none")
    module.exit_json(changed=False, rows=rows, table=table(title, rows), address=check.address,
                     failures=sum(item["status"] == FAILED for item in rows))


if __name__ == "__main__":
    main()
