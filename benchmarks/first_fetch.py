"""The first fetch of a run against a far platform: loading the schema library while connecting, or before.

Run (from a tox env that has ansible-core and the collection's requirements):
    .tox/integration-core219/bin/python benchmarks/first_fetch.py [--runs 9] [--rtt 0 100 200]

A fresh process (as a forked worker is, for its first fetch) fetches the balance from the
bundled simulator through a relay that holds every byte for half a round trip each way, and
the first bytes of a connection for a whole one more (the TCP handshake a local socket skips),
with the compiled schema kept by an earlier run. Two ways, in turn, side by side:
  sequential - the request encoded first (which loads the schema library), then sent: what the
               collection did before
  overlapped - what it does now: the library loads in a thread while the connection is made,
               and the request is encoded once the connection is up
Medians of wall milliseconds per fetch, from the import of the client to the decoded answer.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCHMARKS.parent / "tests"))
from _collection_tree import activate  # noqa: E402
from simulator_harness import DEFAULT_ACCOUNTS, RunningSimulator  # noqa: E402

FETCH = """
import sys, time
started = time.perf_counter()
from ansible_collections.webcom.mobi.plugins.plugin_utils import _client, _codec, _transport
from ansible_collections.webcom.mobi.plugins.plugin_utils._documents import BALANCE
from ansible_collections.webcom.mobi.plugins.plugin_utils._options import connection_settings
settings = connection_settings({"api_url": sys.argv[1], "token": "big-token-7f3a", "cache_ttl": 0, "retries": 0})
if sys.argv[2] == "sequential":
    body = _codec.encode_request(BALANCE, settings.credentials)
    reply = _transport.post_document(settings, settings.endpoint(BALANCE.path), body)
    _codec.decode_response(BALANCE, reply.body)
else:
    _client.fetch(settings, BALANCE)
print((time.perf_counter() - started) * 1000)
"""


class Relay:
    """A TCP relay on 127.0.0.1: each direction half a round trip late, and nothing passes a new connection for one whole."""

    def __init__(self, target_port: int, rtt_ms: float) -> None:
        self.target_port, self.one_way = target_port, rtt_ms / 2000
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self.thread.start()
        ready.wait(10)

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = self.server.sockets[0].getsockname()[1]
        ready.set()
        self.loop.run_forever()

    async def _handle(self, client_reader, client_writer) -> None:
        accepted = self.loop.time()
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
            await asyncio.gather(
                self._pipe(client_reader, server_writer, not_before=accepted + 2 * self.one_way),
                self._pipe(server_reader, client_writer, not_before=0.0),
                return_exceptions=True,
            )
            server_writer.close()
        except asyncio.CancelledError:
            pass  # the relay is stopping
        client_writer.close()

    async def _close(self) -> None:
        self.server.close()
        others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    async def _pipe(self, reader, writer, not_before: float) -> None:
        """Forward each piece half a round trip after it arrived (and none before not_before): delays never add up."""
        pieces: asyncio.Queue = asyncio.Queue()

        async def receive() -> None:
            while True:
                data = await reader.read(65536)
                await pieces.put((max(self.loop.time(), not_before) + self.one_way, data))
                if not data:
                    return

        async def forward() -> None:
            while True:
                due, data = await pieces.get()
                await asyncio.sleep(max(0.0, due - self.loop.time()))
                if not data:
                    if writer.can_write_eof():
                        writer.write_eof()
                    return
                writer.write(data)
                await writer.drain()

        await asyncio.gather(receive(), forward())

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def fetch_ms(api_url: str, way: str, environment: dict[str, str]) -> float:
    done = subprocess.run([sys.executable, "-c", FETCH, api_url, way], capture_output=True, text=True,
                          check=True, env=environment)
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="fresh processes per way and round trip (default 9)")
    parser.add_argument("--rtt", type=float, nargs="+", default=[0, 100, 200], help="round trips, ms (default 0 100 200)")
    args = parser.parse_args()
    root = activate()
    with tempfile.TemporaryDirectory(prefix="webcom-first-fetch-") as scratch:
        environment = {**os.environ, "PYTHONPATH": str(root), "XDG_CACHE_HOME": str(Path(scratch) / "cache")}
        (Path(scratch) / "cache" / "webcom.mobi").mkdir(parents=True, mode=0o700)
        sim = RunningSimulator(Path(scratch), {"accounts": DEFAULT_ACCOUNTS})
        relays: list[Relay] = []
        try:
            target_port = int(sim.api_url.split(":")[2].split("/")[0])
            fetch_ms(sim.api_url, "overlapped", environment)  # keeps the compiled schema, as an earlier run has
            print(f"python {sys.version.split()[0]}; first fetch in a fresh process, median of {args.runs} (ms):")
            for rtt in args.rtt:
                relay = Relay(target_port, rtt)
                relays.append(relay)
                api_url = f"http://127.0.0.1:{relay.port}/xml"
                samples: dict[str, list[float]] = {"sequential": [], "overlapped": []}
                for _run in range(args.runs):
                    for way in samples:  # in turn, so both see the same machine
                        samples[way].append(fetch_ms(api_url, way, environment))
                sequential, overlapped = (statistics.median(samples[way]) for way in samples)
                print(f"  round trip {rtt:5.0f} ms:  sequential {sequential:7.1f}   overlapped {overlapped:7.1f}"
                      f"   saved {sequential - overlapped:6.1f}")
        finally:
            for relay in relays:
                relay.stop()
            sim.stop()


if __name__ == "__main__":
    main()
