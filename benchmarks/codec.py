"""Decode and build costs of the schema-driven codec.

Run: python benchmarks/codec.py [--repeat N]
Prints the median per decode and per encode, the schema build (first in a process,
which includes xmlschema's meta-schema, and again), a cold process that imports, builds
and decodes once, the same with the compiled schema loaded from the user's cache, and a
bare interpreter start.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from _collection_tree import REPO_ROOT, activate  # noqa: E402

COLLECTIONS_ROOT = activate()
DOC_BALANCE = REPO_ROOT / "tests" / "unit" / "fixtures" / "responses" / "doc_balance.xml"

COLD_TASK = f"""
import sys, time
sys.path.insert(0, {str(COLLECTIONS_ROOT)!r})
started = time.perf_counter()
from ansible_collections.webcom.mobi.plugins.plugin_utils import _codec
from ansible_collections.webcom.mobi.plugins.plugin_utils._documents import BALANCE
_codec._library()  # xmlschema, which the codec imports on first use
imported = time.perf_counter()
_codec.schema_for(BALANCE)
built = time.perf_counter()
_codec.decode_response(BALANCE, open({str(DOC_BALANCE)!r}, 'rb').read())
done = time.perf_counter()
print(imported - started, built - imported, done - built)
"""


def median_us(action, repeat: int) -> float:
    samples = []
    for _repeat in range(repeat):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2000, help="decodes/encodes to time (default 2000)")
    parser.add_argument("--cold", type=int, default=15, help="fresh processes to time (default 15)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="webcom-codec-") as cache_home:
        built = _cold_processes(args.cold, {"XDG_CACHE_HOME": cache_home})  # no cache directory: built each time
        (Path(cache_home) / "webcom.mobi").mkdir(mode=0o700)
        _cold_processes(1, {"XDG_CACHE_HOME": cache_home})  # stores the compiled schema
        loaded = _cold_processes(args.cold, {"XDG_CACHE_HOME": cache_home})
    bare = []
    for _repeat in range(args.cold):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        bare.append(time.perf_counter() - started)

    from ansible_collections.webcom.mobi.plugins.plugin_utils import _codec
    from ansible_collections.webcom.mobi.plugins.plugin_utils._credentials import Credentials
    from ansible_collections.webcom.mobi.plugins.plugin_utils._documents import BALANCE

    text = (_codec.SCHEMAS / BALANCE.schema_file).read_text(encoding="utf-8")
    rebuild_ms = median_us(lambda: _codec.xmlschema.XMLSchema11(text, **_codec._SCHEMA_SETTINGS), 20) / 1000
    body = DOC_BALANCE.read_bytes()
    decode = median_us(lambda: _codec.decode_response(BALANCE, body), args.repeat)
    credentials = Credentials.of(login="login", password="S3c&<\"'>r")
    encode = median_us(lambda: _codec.encode_request(BALANCE, credentials), args.repeat)

    import_ms, build_ms, first_decode_ms = (statistics.median(col) * 1000 for col in zip(*built, strict=True))
    _import_ms, load_ms, _first = (statistics.median(col) * 1000 for col in zip(*loaded, strict=True))
    print(f"python {sys.version.split()[0]}, xmlschema {_codec.xmlschema.__version__}")
    print(f"decode, {len(body)}-byte documented response : {decode:8.1f} us (median of {args.repeat})")
    print(f"encode request                            : {encode:8.1f} us (median of {args.repeat})")
    print(f"schema build, first in a process          : {build_ms:8.1f} ms (median of {args.cold} processes)")
    print(f"schema from the user's cache, instead     : {load_ms:8.1f} ms (median of {args.cold} processes)")
    print(f"schema build, again in the same process   : {rebuild_ms:8.1f} ms (median of 20)")
    print(f"import codec + xmlschema, cold            : {import_ms:8.1f} ms")
    print(f"first decode, cold                        : {first_decode_ms:8.1f} ms")
    print(f"codec overhead of a cold task, building   : {import_ms + build_ms + first_decode_ms:8.1f} ms")
    print(f"codec overhead of a cold task, cached     : {import_ms + load_ms + first_decode_ms:8.1f} ms")
    print(f"bare interpreter start, for scale         : {statistics.median(bare) * 1000:8.1f} ms")


def _cold_processes(count: int, env: dict[str, str]) -> list[list[float]]:
    runs = []
    for _repeat in range(count):
        out = subprocess.run([sys.executable, "-c", COLD_TASK], check=True, capture_output=True, text=True,
                             env={**os.environ, **env})
        runs.append([float(x) for x in out.stdout.split()])
    return runs


if __name__ == "__main__":
    main()
