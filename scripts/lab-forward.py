"""Publish container ports of the lab on 127.0.0.1: an internal Docker network cannot publish ports.

  python3 lab-forward.py --pidfile FILE LOCAL_PORT:ADDRESS:PORT [...]

Listens on 127.0.0.1 only and copies each connection both ways to ADDRESS:PORT (TCP). The pid file
is written once every port listens, so the caller knows the forwarder is ready; it is removed when
the forwarder stops (SIGTERM or SIGINT). Python's standard library only.
"""

import argparse
import asyncio
import os
import pathlib
import signal
import sys


# The connections being forwarded. asyncio drops its own reference to a connection's task when the
# client hangs up, and a task nobody references may be destroyed before it has closed both sides.
CONNECTIONS = set()


async def copy(reader, writer):
    """Copy one direction until end of file, then pass the end of file on."""
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except OSError:
        writer.close()


def connection_handler(address, port):
    """A handler that joins each client connection to ADDRESS:PORT."""
    async def handle(client_reader, client_writer):
        CONNECTIONS.add(asyncio.current_task())
        try:
            server_reader, server_writer = await asyncio.open_connection(address, port)
        except OSError as error:
            print("cannot reach %s:%d: %s" % (address, port, error), file=sys.stderr, flush=True)
            client_writer.close()
            CONNECTIONS.discard(asyncio.current_task())
            return
        try:
            await asyncio.gather(copy(client_reader, server_writer), copy(server_reader, client_writer))
        finally:
            client_writer.close()
            server_writer.close()
            CONNECTIONS.discard(asyncio.current_task())
    return handle


def forward(spec):
    """LOCAL_PORT:ADDRESS:PORT as (local port, address, port)."""
    local_port, address, port = spec.split(":")
    return int(local_port), address, int(port)


async def serve(forwards, pidfile):
    """Listen on every local port, write the pid file, and run until SIGTERM or SIGINT."""
    servers = [await asyncio.start_server(connection_handler(address, port), "127.0.0.1", local_port)
               for local_port, address, port in forwards]
    stop = asyncio.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(number, stop.set)
    pidfile.write_text("%d\n" % os.getpid())
    try:
        await stop.wait()
    finally:
        pidfile.unlink(missing_ok=True)
        for server in servers:
            server.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pidfile", type=pathlib.Path, required=True)
    parser.add_argument("forwards", nargs="+", type=forward, metavar="LOCAL_PORT:ADDRESS:PORT")
    args = parser.parse_args()
    try:
        asyncio.run(serve(args.forwards, args.pidfile))
    except OSError as error:
        sys.exit("lab-forward: %s" % error)


if __name__ == "__main__":
    main()
