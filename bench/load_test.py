"""`make load`: 1000 messages into ~/Maildir through the collection's server and through the builtin
yardstick's (bench/builtin.yml), in one run, with the same client: their delivered messages per
second and the ratio. Absolute figures differ from day to day on a shared machine; the ratio, measured
in one run, compares.

Three fresh all-in-one servers on the internal network tkj-load, converged with the lab's values
(inventories/lab) and one mail user:
  collection           playbooks/site.yml with a mailbox quota: Dovecot delivers (LMTP) and checks
                       the quota for every message
  collection_no_quota  playbooks/site.yml as the lab inventory has it: Postfix's local(8) writes the Maildir
(both with the mail_auth role: every message passes OpenDKIM, which finds no signature, and OpenDMARC,
which checks the sender's SPF and DMARC in the server's own DNS; the client's probe.invalid has none)
  builtin              bench/builtin.yml (it makes no users: the test adds the same one with useradd)
One client container (tkj-load-client) runs the shared test client (molecule/shared/mailprobe.py
burst): threads, one SMTP session per message. Each server's Maildir is then polled until every
message is there, each once. The servers take turns, in one order then the reverse (--rounds 2), so
that a machine that gets slower during the run weighs on all alike; each server's figure is the mean
of its rounds. Reported per server: messages per second (sending, and delivered: until the last one
is in the Maildir) and the peak memory of the mail services, read by the host from the cgroups
systemd gives their units (postfix@-.service, dovecot.service, the milters'): the cgroup's peak usage (page cache
such as the Maildir files just written included) and the peak of its anonymous memory, sampled.

  python bench/load_test.py [--image IMAGE] [--messages 1000] [--threads 8] [--rounds 2] [--timeout 300] [--keep]

Prints the figures and writes them to build/bench/load.json (collection.delivered_per_s,
builtin.delivered_per_s, ratio.delivered: with the quota; ratio.delivered_no_quota); exits 1 if a
message is missing or was delivered twice.
"""

import argparse
import collections
import json
import os
import pathlib
import statistics
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
SERVERS = {"collection": "tkj-load-collection", "collection_no_quota": "tkj-load-noquota", "builtin": "tkj-load-builtin"}
CLIENT = "tkj-load-client"
# The collection's server keeps the mail under a quota (Dovecot delivers, over LMTP), large enough
# for every round; root's mail then goes to the user. collection_no_quota is the same without it
# (Postfix's local(8) writes the Maildir, as the yardstick's does).
SERVER_VARS = {"collection": {"dovecot_quota": "1G", "lab_postmaster": "nida"}, "collection_no_quota": {}}
PLAYBOOK_OF = {"collection": "collection", "collection_no_quota": "collection", "builtin": "builtin"}
SERVICES = ["postfix@-.service", "dovecot.service", "opendkim.service", "opendmarc.service"]
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


def server_address(name):
    return docker("inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", name).stdout.strip()


def run_round(args, name, user, recipient, client):
    """Send the messages to server ``name``, wait for their delivery to ``user``'s Maildir, and measure."""
    server = testinfra.get_host("docker://" + name)
    tag = unique_subject("load")
    # The builtin yardstick has no milters.
    services = [ServiceMemory(name, unit) for unit in SERVICES
                if docker("exec", name, "systemctl", "show", "-p", "LoadState", "--value", unit).stdout.strip() == "loaded"]
    for service in services:
        service.reset_peak()
    stop = threading.Event()
    sampler = threading.Thread(target=sample_until, args=(services, stop))
    sampler.start()
    try:
        started = time.time()
        # The shared test client's burst: one SMTP session per message, numbered "TAG NUMBER" in the subject.
        burst = probe(client, "burst", "--server", server_address(name), "--port", 25, "--to", recipient, "--subject", tag,
                      "--count", args.messages, "--threads", args.threads, "--deadline", args.timeout)
        sender = {"sent": burst["sent"], "failed": len(burst["failed"]), "errors": list(burst["failed"].values())[:5],
                  "seconds": round(burst["finished"] - burst["started"], 3)}
        wait_for(lambda: len(maildir_files_with(server, user, tag)) >= sender["sent"], timeout=args.timeout, interval=1.0,
                 what="delivery of %d messages to %s's Maildir on %s" % (sender["sent"], user, name))
        wait_for(lambda: queue_is_empty(server), timeout=args.timeout, what="an empty Postfix queue on %s" % name)
    finally:
        stop.set()
        sampler.join()
    delivered_at = last_delivery_time(server, user)
    # One subject per Maildir file ("TAG NUMBER"), so a message delivered twice counts twice.
    numbers = collections.Counter(int(subject.rsplit(" ", 1)[1]) for subject in maildir_subjects_starting(server, user, tag + " "))
    return {
        "sent": sender["sent"],
        "send_failures": sender["failed"],
        "send_errors": sender["errors"],
        "delivered": len(numbers),
        "missing": sorted(set(range(args.messages)) - set(numbers)),
        "duplicates": sorted(number for number, count in numbers.items() if count > 1),
        "send_s": sender["seconds"],
        "send_per_s": round(sender["sent"] / sender["seconds"], 1),
        "end_to_end_s": round(delivered_at - started, 2),
        "delivered_per_s": round(len(numbers) / (delivered_at - started), 1),
        "memory": {
            service.unit: {"peak_usage_mib": round(service.peak_usage() / MIB, 1), "peak_anon_mib": round(service.peak_anon / MIB, 1)}
            for service in services
        },
    }


def summarize_rounds(rounds):
    """One server's figures: the mean of its rounds' rates, the largest memory peaks, every loss."""
    memory = {}
    for unit in rounds[0]["memory"]:  # the same units in every round of one server
        memory[unit] = {key: max(one["memory"][unit][key] for one in rounds) for key in rounds[0]["memory"][unit]}
    return {
        "delivered_per_s": round(statistics.mean(one["delivered_per_s"] for one in rounds), 1),
        "send_per_s": round(statistics.mean(one["send_per_s"] for one in rounds), 1),
        "delivered": sum(one["delivered"] for one in rounds),
        "missing": sum(len(one["missing"]) for one in rounds),
        "duplicates": sum(len(one["duplicates"]) for one in rounds),
        "send_failures": sum(one["send_failures"] for one in rounds),
        "memory": memory,
        "rounds": rounds,
    }


def converge_servers(args):
    """Start both servers and converge each with its playbook; add the builtin one's mail user."""
    start_hosts(list(SERVERS.values()), args.image, NETWORK, APT_PROXY)
    converged = {}
    for label, name in SERVERS.items():
        inventory = write_inventory(OUTPUT_DIR / ("inventory-load-" + label), [name])
        if SERVER_VARS.get(label):
            (inventory.parent / "group_vars" / "all" / "tkj_load.yml").write_text(json.dumps(SERVER_VARS[label], indent=2) + "\n")
        playbook = PLAYBOOKS[PLAYBOOK_OF[label]]
        run = run_playbook(playbook, inventory, 5, True, OUTPUT_DIR / ("load-converge-%s.json" % label))
        print("converged %s with %s in %.1f s" % (name, playbook.name, run["wall_s"]), file=sys.stderr)
        converged[label] = inventory
    values = inventory_values(converged["collection"], SERVERS["collection"])
    user = values["lab_users"][0]["name"]
    # The yardstick makes no users; the same one, with the Maildir /etc/skel gives it.
    docker("exec", SERVERS["builtin"], "useradd", "--create-home", user)
    return user, "%s@%s" % (user, values["lab_domain"])


def run_load(args):
    """Both servers, one client, the rounds in turn; the figures of each and their ratio."""
    user, recipient = converge_servers(args)
    docker("run", "-d", "--name", CLIENT, "--network", NETWORK, args.image, "sleep", "infinity")
    client = testinfra.get_host("docker://" + CLIENT)
    install_probe(client)
    order = []
    for number in range(args.rounds):
        order += list(SERVERS) if number % 2 else list(reversed(SERVERS))
    rounds = {label: [] for label in SERVERS}
    for label in order:
        result = run_round(args, SERVERS[label], user, recipient, client)
        print("%s: %d delivered, %.1f msgs/s" % (label, result["delivered"], result["delivered_per_s"]), file=sys.stderr)
        rounds[label].append(result)
    results = {label: summarize_rounds(rounds[label]) for label in SERVERS}
    results.update({
        "messages": args.messages, "threads": args.threads, "rounds": args.rounds, "order": order, "recipient": recipient,
        "server_vars": SERVER_VARS,
        "ratio": {
            "delivered": round(results["collection"]["delivered_per_s"] / results["builtin"]["delivered_per_s"], 3),
            "send": round(results["collection"]["send_per_s"] / results["builtin"]["send_per_s"], 3),
            "delivered_no_quota": round(results["collection_no_quota"]["delivered_per_s"] / results["builtin"]["delivered_per_s"], 3),
        },
    })
    return results


def print_report(results):
    print("tkj.mailserver load: %(messages)d messages per round to %(recipient)s from %(threads)d threads, one SMTP session each;"
          " order %(order)s" % dict(results, order=" ".join(results["order"])))
    print("%-20s %14s %14s %10s %8s %10s" % ("server", "delivered/s", "sent/s", "delivered", "missing", "twice"))
    for label in SERVERS:
        figures = results[label]
        print("%-20s %14.1f %14.1f %10d %8d %10d" % (label, figures["delivered_per_s"], figures["send_per_s"], figures["delivered"],
                                                     figures["missing"], figures["duplicates"]))
    print("ratio collection/builtin: delivered %(delivered).2f, sent %(send).2f (with dovecot_quota: Dovecot delivers, over LMTP);"
          " without the quota %(delivered_no_quota).2f" % results["ratio"])
    print("%-20s %-20s %16s %16s" % ("server", "service", "peak cgroup MiB", "peak anon MiB"))
    for label in SERVERS:
        for unit, memory in results[label]["memory"].items():
            print("%-20s %-20s %16.1f %16.1f" % (label, unit, memory["peak_usage_mib"], memory["peak_anon_mib"]))
    for label in SERVERS:
        errors = [error for one in results[label]["rounds"] for error in one["send_errors"]]
        if errors:
            print("%s: first send errors: %s" % (label, errors[:5]))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--image", default=os.environ.get("TKJ_IMAGE_DEBIAN12", "tkj-mailserver-debian:12"))
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2, help="rounds per server, taken in turns")
    parser.add_argument("--timeout", type=float, default=300, help="seconds for sending, and again for delivery")
    parser.add_argument("--keep", action="store_true", help="leave the containers and the network running afterwards")
    args = parser.parse_args()

    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    ensure_network(NETWORK, SUBNET)
    remove_containers("tkj-load-")
    try:
        results = run_load(args)
    finally:
        if not args.keep:
            remove_containers("tkj-load-")
            docker("network", "rm", NETWORK, check=False)
    results["image"] = args.image
    (OUTPUT_DIR / "load.json").write_text(json.dumps(results, indent=2) + "\n")
    print_report(results)
    print("written: %s" % (OUTPUT_DIR / "load.json").relative_to(REPO))
    complete = all(results[label]["delivered"] == args.messages * args.rounds and not results[label]["missing"]
                   and not results[label]["duplicates"] for label in SERVERS)
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
