"""The load generator of `make load`, run inside the client container (Python stdlib only).

Sends --messages messages to one recipient over SMTP from --threads threads in parallel, one SMTP
session per message, each numbered in its subject (TAG NUMBER) so the receiver can count them.
Stops starting new messages after --timeout seconds. Prints one JSON object:
{"sent": ..., "failed": ..., "errors": [first few], "seconds": ...}.
"""

import argparse
import email.message
import json
import smtplib
import sys
import threading
import time

TIMEOUT = 30


def build_message(args, number):
    message = email.message.EmailMessage()
    message["From"] = args.sender
    message["To"] = args.to
    message["Subject"] = "%s %d" % (args.tag, number)
    message.set_content(("tkj.mailserver load test message %d\n" % number) * 20)
    return message


def send_one(args, number):
    """One SMTP session, one message; returns None or the error text."""
    try:
        with smtplib.SMTP(args.server, args.port, timeout=TIMEOUT) as client:
            client.ehlo("load.invalid")
            refused = client.send_message(build_message(args, number))
        return "refused: %r" % refused if refused else None
    except (smtplib.SMTPException, OSError) as error:
        return "%s: %s" % (type(error).__name__, error)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", required=True)
    parser.add_argument("--port", type=int, default=25)
    parser.add_argument("--sender", default="load@client.invalid")
    parser.add_argument("--to", required=True)
    parser.add_argument("--tag", required=True)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=300, help="seconds after which no new message is started")
    args = parser.parse_args()

    numbers = iter(range(args.messages))
    lock = threading.Lock()
    errors = []
    started = time.monotonic()
    deadline = started + args.timeout

    def worker():
        while time.monotonic() < deadline:
            with lock:
                number = next(numbers, None)
            if number is None:
                return
            error = send_one(args, number)
            if error:
                with lock:
                    errors.append(error)

    threads = [threading.Thread(target=worker) for thread_number in range(args.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - started
    with lock:
        attempted = args.messages - len(list(numbers))
    json.dump({"sent": attempted - len(errors), "failed": len(errors), "errors": errors[:5], "seconds": round(seconds, 3)}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
