"""What a hostile answer costs the controller: time and peak memory per class, each in a fresh process.

Run: python benchmarks/hostile.py [--repeat N]
For every body a hostile server could send (under the 1 MiB cap), prints the median wall time
of decode_response() and the peak RSS of the process that ran it, then the whole time a check
takes against a server that dribbles one byte every 0.2 s, with timeout 2 and retries 3
(the bound is (retries + 1) x timeout plus the backoff waits, 0.5 + 1 + 2 s).
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from _collection_tree import activate  # noqa: E402

COLLECTIONS_ROOT = activate()

HEAD = b'<response><money>10</money><sms area="Russia">10</sms>'


def bodies() -> dict[str, bytes]:
    namespaces = " ".join(f'xmlns:p{n}="urn:p{n}"' for n in range(16_000))
    attributes = " ".join(f'a{n}="{n}"' for n in range(20_000))
    return {
        "a balance with one area": HEAD + b"</response>",
        "16 000 namespace declarations": f"<response {namespaces}><money>10</money></response>".encode(),
        "20 000 attributes on one element": f"<response {attributes}><money>10</money></response>".encode(),
        "20 000 empty elements": HEAD + b"<x/>" * 20_000 + b"</response>",
        "5 000 levels deep": HEAD + b"<x>" * 5_000 + b"</x>" * 5_000 + b"</response>",
        "billion laughs": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
        + b"".join(b'<!ENTITY %c "&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;">' % ((98 + n,) + (97 + n,) * 10) for n in range(9))
        + b"]><response><money>&j;</money></response>",
        "one 1 MiB text node": b"<response><money>1</money><x>" + b"y" * (1024 * 1024 - 60) + b"</x></response>",
        "gzip bomb as a body (never inflated)": gzip.compress(gzip.compress(b"\0" * 100_000_000)),
    }


PROBE = """
import json, sys, time
sys.path.insert(0, {root!r})
from ansible_collections.webcom.mobi.plugins.plugin_utils import _codec
_codec.balance_schema()
body = open({path!r}, "rb").read()
samples = []
for _ in range({repeat}):
    started = time.perf_counter()
    try:
        _codec.decode_response(body)
        outcome = "decoded"
    except Exception as exc:
        outcome = str(exc)[:70]
    samples.append(time.perf_counter() - started)
samples.sort()
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across fork and exec.
peak_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({{"median_ms": samples[len(samples) // 2] * 1000, "outcome": outcome, "peak_mb": peak_kb / 1024}}))
"""


def decode_costs(repeat: int, scratch: Path) -> None:
    print(f"{'body':<40} {'size':>9} {'median':>9} {'peak RSS':>9}  outcome")
    for name, body in bodies().items():
        path = scratch / "body.bin"
        path.write_bytes(body)
        probe = PROBE.format(root=str(COLLECTIONS_ROOT), path=str(path), repeat=repeat)
        figures = json.loads(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout)
        print(f"{name:<40} {len(body):>9} {figures['median_ms']:>7.1f}ms {figures['peak_mb']:>7.0f}MB  {figures['outcome']}")


def dribble_cost() -> None:
    from hostile_server import HostileServer

    from ansible_collections.webcom.mobi.plugins.plugin_utils._errors import TransportError
    from ansible_collections.webcom.mobi.plugins.plugin_utils._options import connection_settings
    from ansible_collections.webcom.mobi.plugins.plugin_utils._transport import post_document

    answer = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"x" * 1000
    with HostileServer([("drip", answer, 0.2)]) as server:
        settings = connection_settings({"api_url": server.api_url, "token": "t", "timeout": 2, "retries": 3})
        started = time.monotonic()
        try:
            post_document(settings, settings.endpoint("balance.php"), b"<request/>")
            said = "answered"
        except TransportError as exc:
            said = str(exc)[:60]
        took = time.monotonic() - started
    print(f"\nserver dribbling 1 byte / 0.2 s, timeout 2, retries 3: {took:.1f} s (bound 2 x 4 + 3.5 = 11.5 s)")
    print(f"  {said}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        decode_costs(args.repeat, Path(scratch))
    dribble_cost()
    print(f"\npython {sys.version.split()[0]}; median of {args.repeat} decodes per body, each body in its own process")


if __name__ == "__main__":
    main()
