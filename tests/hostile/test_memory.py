"""Issue 12, classes 1 and 3: a response under the size limit is judged with bounded memory.

Before the fix a 200 response well under 1 MiB declaring thousands of namespaces drove the
controller to gigabytes (memory grew with the square of the count) and the task said ok; a
compressed body that inflates to gigabytes was decompressed whole (with the urllib3 of these test
environments, 2.8, streaming already stopped at the size limit; six nested encodings crashed).

Memory is measured as the peak resident set size of the largest process of the run (see
hostile_run: ansible-playbook runs under a wrapper that reads RUSAGE_CHILDREN after it ends),
under an address-space cap of 1.5 GB per process so the released code fails fast instead of
swapping the machine. The bound (400 MB) is behavioural: the contract says "well under 256 MB".
"""

from __future__ import annotations

import gzip
import io
import zlib
from functools import cache

from hostile_run import assert_one_clear_line, balance_task, run_hostile
from hostile_server import BALANCE_XML, http_response
from playbook_runner import play

TOKEN = "Tk-HOSTILE-memory-77ab"
PEAK_RSS_BOUND_MB = 400
NAMESPACES = 16_000


def many_namespaces() -> bytes:
    declarations = " ".join(f'xmlns:p{n}="urn:{n}"' for n in range(1, NAMESPACES + 1))
    body = f'<?xml version="1.0" encoding="utf-8"?><response {declarations}><money>150</money><sms area="Russia">111</sms></response>'
    assert len(body) < 1024 * 1024
    return body.encode()


@cache
def gzip_of_zeros(size: int) -> bytes:
    """A gzip member that inflates to ``size`` zero bytes, built in pieces (never ``size`` in memory)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    piece = bytes(1024 * 1024)
    out = io.BytesIO()
    for _piece in range(size // len(piece)):
        out.write(compressor.compress(piece))
    out.write(compressor.flush())
    return out.getvalue()


def test_hostile_bodies_are_refused_with_bounded_memory(serve, tmp_path) -> None:
    one_gib = 1024**3
    bomb = gzip_of_zeros(one_gib)  # ~1 MiB on the wire
    double_bomb = gzip.compress(bomb, 9)  # a few KiB on the wire, the same GiB after two inflations
    assert len(bomb) <= 1024 * 1024 + 65536 and len(double_bomb) < 64 * 1024
    namespaces = serve([http_response(many_namespaces())])
    gzipped = serve([http_response(bomb, headers=["Content-Encoding: gzip"])])
    gzipped_twice = serve([http_response(double_bomb, headers=["Content-Encoding: gzip, gzip"])])
    # More layers than urllib3 will peel (5): the released code crashed on it ("unexpected ContentDecodingError").
    layers = BALANCE_XML.encode()
    for _layer in range(6):
        layers = gzip.compress(layers)
    six_layers = serve([http_response(layers, headers=["Content-Encoding: " + ", ".join(["gzip"] * 6)])])
    tasks = [
        balance_task("info many namespaces", namespaces.api_url, timeout=30, retries=0),
        balance_task("info gzip bomb", gzipped.api_url, timeout=30, retries=0),
        balance_task("info gzip gzip bomb", gzipped_twice.api_url, timeout=30, retries=0),
        balance_task("info six gzip layers", six_layers.api_url, timeout=30, retries=0),
    ]
    outcome = run_hostile(tmp_path, [play(tasks)], secrets={"token": TOKEN}, measure_memory=True, timeout=240)
    assert outcome.peak_rss_mb is not None
    statuses = {task["name"]: outcome.status(task["name"]) for task in tasks}
    assert outcome.peak_rss_mb < PEAK_RSS_BOUND_MB, f"peak RSS {outcome.peak_rss_mb:.0f} MB; outcomes {statuses}"
    assert_one_clear_line(outcome, "info many namespaces", "namespace", "refused", "too many")
    for task in ("info gzip bomb", "info gzip gzip bomb", "info six gzip layers"):
        assert_one_clear_line(outcome, task, "compress", "too large", "larger", "limit", "refused", "mib")
