"""A small mail client for the tests, run inside the test containers (Python stdlib only).

Each command prints one JSON object. The password comes from the MAILPROBE_PASSWORD environment
variable, never from the command line.

TLS is always verified, as a careful mail client does: the server's certificate must chain to
--cafile (the lab CA) and name --server. --connect ADDRESS connects there instead of resolving
--server (as curl's --resolve), so a test can reach a server by address and still check its name.
A certificate that does not verify is reported as "tls_error". --source ADDRESS sends from that
address of the container (a second guesser, whose tries no server has counted yet). Defaults for --server, --connect and
--cafile come from tkj-mailprobe.json beside this file, when it exists.

  mailprobe.py send    --server H --port 25 --sender A --to B --subject S [--body T | --size N]
                       [--starttls] [--user U]
  mailprobe.py ehlo    --server H --port 25 [--starttls]
  mailprobe.py vrfy    --server H --port 25 --address A
  mailprobe.py burst   --server H --port 25 --sender A --to B --subject S --count N --threads T --deadline D
                       (N messages "S 0" .. "S N-1" from T threads at once; temporary failures are
                       retried until D seconds have passed, as a mail server would retry them)
  mailprobe.py imap    --server H --port 143|993 [--starttls | --ssl] --user U [--subject S]
  mailprobe.py pop3    --server H --port 110|995 [--starttls | --ssl] --user U [--subject S]
  mailprobe.py uids    --server H --port 143 --starttls --user U
                       (what a mail client keeps between sessions: the INBOX's IMAP UIDVALIDITY, each
                       message's UID, subject and flags, and the POP3 UIDLs, over STARTTLS on 110)
  mailprobe.py quota   --server H --port 143 --starttls --user U
                       (IMAP GETQUOTAROOT INBOX: the quota root's storage used and limit, in KiB)
  mailprobe.py login   --server H --port 143|110|587 --starttls --user U
                       (one login over IMAP, POP3 or SMTP submission, by port, and how long it took)
  mailprobe.py guess   --server H --port 143 --starttls --user U --count N --ports 143,110,587 [--source A]
                       (what a guessing script does: N logins one after another, each on a new connection,
                       with the same wrong password, on the ports in turn; then one more on each port, timed)
"""

import argparse
import email
import email.policy
import imaplib
import json
import os
import poplib
import smtplib
import socket
import ssl
import sys
import threading
import time

TIMEOUT = 20


DEFAULTS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tkj-mailprobe.json")
ARGS = None


def tls_context():
    """Verify the peer against --cafile (or the system's CAs) and check that it is --server."""
    context = ssl.create_default_context(cafile=ARGS.cafile or None)
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def send_from(address):
    """Connect from ``address`` in this process (imaplib and poplib have no source address of their own)."""
    real_create_connection = socket.create_connection

    def create_connection(destination, timeout=socket.getdefaulttimeout(), source_address=None, **kwargs):
        return real_create_connection(destination, timeout, source_address or (address, 0), **kwargs)

    socket.create_connection = create_connection


def pin_address(name, address):
    """Resolve ``name`` to ``address`` in this process, whatever DNS says (curl's --resolve)."""
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        return real_getaddrinfo(address if host == name else host, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo


def tls_details(sock):
    """What the TLS session says about itself: protocol and the certificate's subject name."""
    peer = sock.getpeercert() or {}
    subject = dict(item[0] for item in peer.get("subject", ()))
    return {"version": sock.version(), "peer": subject.get("commonName", "")}


def password():
    return os.environ.get("MAILPROBE_PASSWORD", "")


def build_message(args):
    body = args.body
    if args.size:
        line = ("tkj.mailserver size test " * 3)[:76] + "\n"
        body = (line * (args.size // len(line) + 1))[: args.size]
    message = email.message.EmailMessage()
    message["From"] = args.sender
    message["To"] = args.to
    message["Subject"] = args.subject
    message.set_content(body)
    return message


def smtp_connect(args):
    client = smtplib.SMTP(args.server, args.port, timeout=TIMEOUT)
    client.ehlo("probe.invalid")
    result = {"features_plain": sorted(client.esmtp_features)}
    if args.starttls:
        client.starttls(context=tls_context())
        result["tls"] = tls_details(client.sock)
        client.ehlo("probe.invalid")
        result["features_tls"] = sorted(client.esmtp_features)
    return client, result


def cmd_ehlo(args):
    sock = socket.create_connection((args.server, args.port), timeout=TIMEOUT)
    greeting = sock.recv(1024).decode("utf-8", "replace").strip()
    sock.close()
    try:
        client, result = smtp_connect(args)
    except ssl.SSLError as error:
        return {"greeting": greeting, "tls_error": str(error)}
    client.quit()
    result["greeting"] = greeting
    return result


def cmd_vrfy(args):
    client = smtplib.SMTP(args.server, args.port, timeout=TIMEOUT)
    client.ehlo("probe.invalid")
    code, text = client.verify(args.address)
    client.quit()
    return {"code": code, "text": text.decode("utf-8", "replace")}


def cmd_send(args):
    message = build_message(args)
    try:
        client, result = smtp_connect(args)
    except ssl.SSLError as error:
        return {"ok": False, "code": None, "error": str(error), "tls_error": str(error)}
    try:
        if args.user:
            client.login(args.user, password())
            result["authenticated"] = True
        refused = client.send_message(message)
        client.quit()
    except smtplib.SMTPResponseException as error:
        return {"ok": False, "code": error.smtp_code, "error": error.smtp_error.decode("utf-8", "replace")}
    except smtplib.SMTPRecipientsRefused as error:
        code, text = list(error.recipients.values())[0]
        return {"ok": False, "code": code, "error": text.decode("utf-8", "replace")}
    except smtplib.SMTPException as error:
        return {"ok": False, "code": None, "error": str(error)}
    result.update({"ok": not refused, "refused": {k: [v[0], v[1].decode()] for k, v in refused.items()}})
    return result


def send_once(args, number):
    """Send message ``number`` of a burst in its own SMTP session; None when the server took it,
    else the error as (code, text). The session's end (QUIT) no longer decides: once the server
    answered 250 to the data, sending again would only duplicate the message."""
    message = email.message.EmailMessage()
    message["From"] = args.sender
    message["To"] = args.to
    message["Subject"] = "%s %d" % (args.subject, number)
    message.set_content("Burst message %d of %d.\n" % (number, args.count))
    try:
        client = smtplib.SMTP(args.server, args.port, timeout=TIMEOUT)
        client.ehlo("probe.invalid")
        client.send_message(message)
    except smtplib.SMTPResponseException as error:
        return error.smtp_code, error.smtp_error.decode("utf-8", "replace")
    except smtplib.SMTPRecipientsRefused as error:
        code, text = list(error.recipients.values())[0]
        return code, text.decode("utf-8", "replace")
    except (smtplib.SMTPException, OSError) as error:
        return None, str(error)
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()
    return None


def cmd_burst(args):
    """Send args.count messages from args.threads threads at once. A temporary failure (4xx, or no
    answer) is retried until the deadline; a permanent one (5xx) is reported and not retried.
    Nothing is tried after the deadline, so the burst ends by then (plus one SMTP timeout)."""
    pending = list(range(args.count))
    failed = {}
    counts = {"sent": 0, "retries": 0}
    lock = threading.Lock()
    started = time.time()
    deadline = time.monotonic() + args.deadline

    def deliver(number):
        while time.monotonic() < deadline:
            error = send_once(args, number)
            if error is None or (error[0] is not None and error[0] >= 500):
                return error
            with lock:
                counts["retries"] += 1
            time.sleep(0.2)
        return None, "deadline passed"

    def worker():
        while True:
            with lock:
                if not pending:
                    return
                number = pending.pop(0)
            error = deliver(number)
            with lock:
                if error is None:
                    counts["sent"] += 1
                else:
                    failed[number] = error

    workers = [threading.Thread(target=worker) for count in range(args.threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    return {"sent": counts["sent"], "retries": counts["retries"], "failed": failed, "started": started, "finished": time.time()}


def parse(raw):
    message = email.message_from_bytes(raw, policy=email.policy.default)
    body = message.get_body(preferencelist=("plain",))
    return {
        "subject": message["Subject"],
        "body": body.get_content() if body is not None else "",
        "received": [str(value) for value in message.get_all("Received", [])],
    }


def cmd_imap(args):
    try:
        if args.ssl:
            client = imaplib.IMAP4_SSL(args.server, args.port, ssl_context=tls_context(), timeout=TIMEOUT)
        else:
            client = imaplib.IMAP4(args.server, args.port, timeout=TIMEOUT)
            if args.starttls:
                client.starttls(ssl_context=tls_context())
        capabilities = sorted(client.capabilities)
        tls = tls_details(client.sock) if (args.ssl or args.starttls) else None
        client.login(args.user, password())
    except ssl.SSLError as error:
        return {"login": False, "error": str(error), "tls_error": str(error)}
    except imaplib.IMAP4.error as error:
        return {"login": False, "error": str(error)}
    result = {"login": True, "capabilities": capabilities, "messages": [], "tls": tls}
    if args.subject:
        client.select("INBOX", readonly=True)
        status, data = client.search(None, "SUBJECT", '"%s"' % args.subject)
        for number in data[0].split():
            status, fetched = client.fetch(number, "(RFC822)")
            result["messages"].append(parse(fetched[0][1]))
    client.logout()
    return result


def cmd_pop3(args):
    try:
        if args.ssl:
            client = poplib.POP3_SSL(args.server, args.port, context=tls_context(), timeout=TIMEOUT)
        else:
            client = poplib.POP3(args.server, args.port, timeout=TIMEOUT)
            if args.starttls:
                client.stls(context=tls_context())
        tls = tls_details(client.sock) if (args.ssl or args.starttls) else None
        client.user(args.user)
        client.pass_(password())
    except ssl.SSLError as error:
        return {"login": False, "error": str(error), "tls_error": str(error)}
    except poplib.error_proto as error:
        return {"login": False, "error": error.args[0].decode("utf-8", "replace")}
    result = {"login": True, "messages": [], "tls": tls}
    count, _size = client.stat()
    for number in range(1, count + 1):
        _response, lines, _octets = client.retr(number)
        message = parse(b"\r\n".join(lines))
        if not args.subject or message["subject"] == args.subject:
            result["messages"].append(message)
    client.quit()
    return result


def cmd_uids(args):
    """UIDVALIDITY, UIDs, subjects and flags of the INBOX (IMAP, read-only), and the POP3 UIDLs."""
    client = imaplib.IMAP4(args.server, args.port, timeout=TIMEOUT)
    client.starttls(ssl_context=tls_context())
    client.login(args.user, password())
    client.select("INBOX", readonly=True)
    _status, data = client.status("INBOX", "(UIDVALIDITY)")
    uidvalidity = int(data[0].decode().split("UIDVALIDITY")[1].strip(" )"))
    messages = []
    _status, data = client.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    for item in data:
        if not isinstance(item, tuple):
            continue
        meta = item[0].decode()
        uid = int(meta.split("UID ")[1].split()[0].strip(")"))
        flags = sorted(flag.decode() for flag in imaplib.ParseFlags(item[0]))
        subject = email.message_from_bytes(item[1], policy=email.policy.default)["Subject"]
        messages.append({"uid": uid, "subject": str(subject), "flags": flags})
    client.logout()
    pop3 = poplib.POP3(args.server, 110, timeout=TIMEOUT)
    pop3.stls(context=tls_context())
    pop3.user(args.user)
    pop3.pass_(password())
    _response, lines, _octets = pop3.uidl()
    uidls = sorted(line.decode().split()[1] for line in lines)
    pop3.quit()
    return {"uidvalidity": uidvalidity, "messages": sorted(messages, key=lambda m: m["uid"]), "uidls": uidls}


def login_once(args, secret):
    """One login on args.port (IMAP 143, POP3 110, else SMTP submission) after STARTTLS: (ok, error)."""
    try:
        if args.port == 143:
            client = imaplib.IMAP4(args.server, args.port, timeout=TIMEOUT)
            client.starttls(ssl_context=tls_context())
            client.login(args.user, secret)
            client.logout()
        elif args.port == 110:
            client = poplib.POP3(args.server, args.port, timeout=TIMEOUT)
            client.stls(context=tls_context())
            client.user(args.user)
            client.pass_(secret)
            client.quit()
        else:
            client = smtplib.SMTP(args.server, args.port, timeout=TIMEOUT)
            client.ehlo("probe.invalid")
            client.starttls(context=tls_context())
            client.ehlo("probe.invalid")
            # One AUTH command, one password check (login() would try LOGIN after a refused PLAIN).
            client.user, client.password = args.user, secret
            client.auth("PLAIN", client.auth_plain)
            client.quit()
    except (imaplib.IMAP4.error, poplib.error_proto, smtplib.SMTPException, OSError) as error:
        return False, str(error)
    return True, None


def timed_login(args, secret):
    started = time.monotonic()
    ok, error = login_once(args, secret)
    return {"ok": ok, "error": error, "seconds": round(time.monotonic() - started, 2)}


def cmd_login(args):
    return timed_login(args, password())


def cmd_guess(args):
    """What a guessing script does: args.count logins one after another, each on a new connection, with one
    wrong password (a retry Dovecot's penalty does not slow beyond about 4 s), on --ports in turn. Then one
    more on each port, timed: what the guesser sees next. Each try: its port, seconds and error."""
    wrong = "wrong-%s" % time.time()
    ports = [int(port) for port in args.ports.split(",")]
    tries = []
    for count in range(args.count):
        port = ports[count % len(ports)]
        tries.append(dict(timed_login(argparse.Namespace(**dict(vars(args), port=port)), wrong), port=port))
    return {"failed": sum(1 for attempt in tries if not attempt["ok"]), "tries": tries,
            "next": {str(port): timed_login(argparse.Namespace(**dict(vars(args), port=port)), wrong) for port in ports}}


def cmd_quota(args):
    client = imaplib.IMAP4(args.server, args.port, timeout=TIMEOUT)
    client.starttls(ssl_context=tls_context())
    client.login(args.user, password())
    # After login the server lists more capabilities (QUOTA among them) than in its greeting.
    capabilities = sorted(client.capability()[1][0].decode().upper().split())
    status, data = client.getquotaroot("INBOX")
    client.logout()
    # data: [[b'"INBOX" "User quota"'], [b'"User quota" (STORAGE 809 1024)']]
    result = {"status": status, "capabilities": capabilities, "raw": [line.decode() for part in data for line in part]}
    for line in result["raw"]:
        words = line.replace("(", " ").replace(")", " ").split()
        if "STORAGE" in words:
            index = words.index("STORAGE")
            result["storage"] = [int(words[index + 1]), int(words[index + 2])]
    return result


def main():
    global ARGS  # pylint: disable=global-statement
    defaults = {}
    if os.path.exists(DEFAULTS_FILE):
        with open(DEFAULTS_FILE) as stream:
            defaults = json.load(stream)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["send", "ehlo", "vrfy", "imap", "pop3", "burst", "quota", "login", "guess", "uids"])
    parser.add_argument("--server", default=defaults.get("server", "127.0.0.1"))
    parser.add_argument("--connect", default=defaults.get("connect"))
    parser.add_argument("--cafile", default=defaults.get("cafile"))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--starttls", action="store_true")
    parser.add_argument("--ssl", action="store_true")
    parser.add_argument("--user")
    parser.add_argument("--sender", default="probe@probe.invalid")
    parser.add_argument("--to")
    parser.add_argument("--subject", default="")
    parser.add_argument("--body", default="")
    parser.add_argument("--size", type=int, default=0)
    parser.add_argument("--address")
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--deadline", type=float, default=60.0)
    parser.add_argument("--source")
    parser.add_argument("--ports", default="143", help="guess: the ports tried in turn (143,110,587)")
    args = ARGS = parser.parse_args()
    if args.connect:
        pin_address(args.server, args.connect)
    if args.source:
        send_from(args.source)
    result = globals()["cmd_" + args.command.replace("-", "_")](args)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
