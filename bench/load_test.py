"""`make load`: at least 1000 messages through the lab server, all delivered to ~/Maildir.

A fresh all-in-one server (tkj-load-server) converged with playbooks/site.yml and the lab's values
(inventories/lab, one mail user), and a client container (tkj-load-client), both on the internal
network tkj-load. The shared test client (molecule/shared/mailprobe.py burst) sends the messages with threads, one
SMTP session per message; then the user's Maildir is polled until every message is there, each
once. Reported: messages per second (sending, and end to end until the last one is in the Maildir),
and the peak memory of the mail services, read by the host from the cgroups systemd gives their
units (postfix@-.service, dovecot.service): the cgroup's peak usage (its page cache, such as the
Maildir files just written, included) and the peak of its anonymous memory, sampled.

  python bench/load_test.py [--image IMAGE] [--messages 1000] [--threads 8] [--timeout 300]

Prints the figures and writes them to build/bench/load.json; exits 1 if a message is missing or
was delivered twice.
"""

import argparse
import collections
import json
import os
import pathlib
import subprocess
import sys
import threading
import time

import testinfra

from run_bench import (OUTPUT_DIR, PLAYBOOKS, REPO, docker, ensure_network, remove_containers, run_playbook,
                       start_hosts, write_inventory)
from mailtests import (install_probe, maildir_files_with, maildir_subjects_starting, probe, queue_is_empty,  # run_bench put molecule/shared on the path
                       unique_subject, wait_for)

NETWORK = "tkj-load"
SUBNET = "172.30.32.0/24"
APT_PROXY = "http://%s.1:3142" % SUBNET.rsplit(".", 1)[0]
SERVER = "tkj-load-server"
CLIENT = "tkj-load-client"
SERVICES = ["postfix@-.service", "dovecot.service"]
CGROUP_ROOT = pathlib.Path("/sys/fs/cgroup")
SAMPLE_INTERVAL = 0.2
MIB = 1024 * 1024


class ServiceMemory:
    """Memory of one systemd unit in the container, read from the host's cgroup files (v1 or v2)."""

    def __init__(self, container, unit):
        self.unit = unit
        group = docker("exec", container, "systemctl", "show", "-p", "ControlGroup", "--value", unit).stdout.strip()
        if not group:
            raise RuntimeError("%s has no control group in %s (not running?)" % (unit, container))
        self.v1 = (CGROUP_ROOT / "memory").is_dir()
        self.path = CGROUP_ROOT / ("memory" if self.v1 else "") / group.lstrip("/")
        self.peak_anon = 0

    def reset_peak(self):
        """Start the cgroup's peak usage afresh (v1 takes any write; v2 kernels from 6.12 do too)."""
        (self.path / ("memory.max_usage_in_bytes" if self.v1 else "memory.peak")).write_text("0\n")

    def sample(self):
        """Note the unit's anonymous memory now (processes' own memory, no page cache)."""
        stats = dict(line.split() for line in (self.path / "memory.stat").read_text().splitlines())
        self.peak_anon = max(self.peak_anon, int(stats["total_rss" if self.v1 else "anon"]))

    def peak_usage(self):
        return int((self.path / ("memory.max_usage_in_bytes" if self.v1 else "memory.peak")).read_text())


def sample_until(services, stop):
    """Sample every service's memory until ``stop`` is set."""
    while not stop.is_set():
        for service in services:
            service.sample()
        stop.wait(SAMPLE_INTERVAL)


def inventory_values(inventory, host):
    """The lab's values for ``host`` as the inventory gives them."""
    output = subprocess.run(["ansible-inventory", "-i", str(inventory), "--host", host], capture_output=True, text=True, check=True).stdout
    return json.loads(output)


def last_delivery_time(host, user):
    """The modification time (epoch seconds) of the newest file in ``user``'s Maildir/new."""
    home = host.user(user).home
    return float(host.check_output("find %s/Maildir/new -type f -printf '%%T@\\n' | sort -n | tail -1", home))


def run_load(args, inventory):
    """Send the messages, wait for their delivery, and measure."""
    values = inventory_values(inventory, SERVER)
    user = values["lab_users"][0]["name"]
    recipient = "%s@%s" % (user, values["lab_domain"])
    server_address = docker("inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", SERVER).stdout.strip()
    server = testinfra.get_host("docker://" + SERVER)
    tag = unique_subject("load")

    docker("run", "-d", "--name", CLIENT, "--network", NETWORK, args.image, "sleep", "infinity")
    client = testinfra.get_host("docker://" + CLIENT)
    install_probe(client)

    services = [ServiceMemory(SERVER, unit) for unit in SERVICES]
    for service in services:
        service.reset_peak()
    stop = threading.Event()
    sampler = threading.Thread(target=sample_until, args=(services, stop))
    sampler.start()
    try:
        started = time.time()
        # The shared test client's burst: one SMTP session per message, numbered "TAG NUMBER" in the subject.
        burst = probe(client, "burst", "--server", server_address, "--port", 25, "--to", recipient, "--subject", tag,
                      "--count", args.messages, "--threads", args.threads, "--deadline", args.timeout)
        sender = {"sent": burst["sent"], "failed": len(burst["failed"]), "errors": list(burst["failed"].values())[:5],
                  "seconds": round(burst["finished"] - burst["started"], 3)}
        wait_for(lambda: len(maildir_files_with(server, user, tag)) >= sender["sent"], timeout=args.timeout, interval=1.0,
                 what="delivery of %d messages to %s's Maildir" % (sender["sent"], user))
        wait_for(lambda: queue_is_empty(server), timeout=args.timeout, what="an empty Postfix queue")
    finally:
        stop.set()
        sampler.join()
    delivered_at = last_delivery_time(server, user)
    # One subject per Maildir file ("TAG NUMBER"), so a message delivered twice counts twice.
    numbers = collections.Counter(int(subject.rsplit(" ", 1)[1]) for subject in maildir_subjects_starting(server, user, tag + " "))
    return {
        "messages": args.messages,
        "threads": args.threads,
        "recipient": recipient,
        "sent": sender["sent"],
        "send_failures": sender["failed"],
        "send_errors": sender["errors"],
        "delivered": len(numbers),
        "missing": sorted(set(range(args.messages)) - set(numbers)),
        "duplicates": sorted(number for number, count in numbers.items() if count > 1),
        "send_s": sender["seconds"],
        "send_msgs_per_s": round(sender["sent"] / sender["seconds"], 1),
        "end_to_end_s": round(delivered_at - started, 2),
        "delivery_msgs_per_s": round(len(numbers) / (delivered_at - started), 1),
        "memory": {
            service.unit: {"peak_usage_mib": round(service.peak_usage() / MIB, 1), "peak_anon_mib": round(service.peak_anon / MIB, 1)}
            for service in services
        },
    }


def print_report(results):
    print("tkj.mailserver load: %(messages)d messages to %(recipient)s from %(threads)d threads, one SMTP session each" % results)
    print("sent %(sent)d (failed %(send_failures)d) in %(send_s).2f s: %(send_msgs_per_s).1f msgs/s" % results)
    print("delivered %d to Maildir, %d missing, %d twice; last one %.2f s after the start: %.1f msgs/s end to end"
          % (results["delivered"], len(results["missing"]), len(results["duplicates"]), results["end_to_end_s"], results["delivery_msgs_per_s"]))
    print("%-20s %16s %16s" % ("service", "peak cgroup MiB", "peak anon MiB"))
    for unit, memory in results["memory"].items():
        print("%-20s %16.1f %16.1f" % (unit, memory["peak_usage_mib"], memory["peak_anon_mib"]))
    memories = results["memory"].values()
    print("%-20s %16.1f %16.1f" % ("together (sum)", sum(m["peak_usage_mib"] for m in memories), sum(m["peak_anon_mib"] for m in memories)))
    if results["send_errors"]:
        print("first send errors: %s" % results["send_errors"])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--image", default=os.environ.get("TKJ_IMAGE_DEBIAN12", "tkj-mailserver-debian:12"))
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=300, help="seconds for sending, and again for delivery")
    args = parser.parse_args()

    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    ensure_network(NETWORK, SUBNET)
    remove_containers("tkj-load-")
    try:
        start_hosts([SERVER], args.image, NETWORK, APT_PROXY)
        inventory = write_inventory(OUTPUT_DIR / "inventory-load", [SERVER])
        converge = run_playbook(PLAYBOOKS["collection"], inventory, 5, True, OUTPUT_DIR / "load-converge.json")
        print("converged %s with site.yml in %.1f s" % (SERVER, converge["wall_s"]), file=sys.stderr)
        results = run_load(args, inventory)
    finally:
        remove_containers("tkj-load-")
        docker("network", "rm", NETWORK, check=False)
    results["image"] = args.image
    (OUTPUT_DIR / "load.json").write_text(json.dumps(results, indent=2) + "\n")
    print_report(results)
    print("written: %s" % (OUTPUT_DIR / "load.json").relative_to(REPO))
    return 0 if results["delivered"] == args.messages and not results["missing"] and not results["duplicates"] else 1


if __name__ == "__main__":
    sys.exit(main())
