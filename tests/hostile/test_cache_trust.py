"""Issue 12, class 5: the cache serves an answer only to a task that would have trusted its source,
and nothing placed in the cache directory can block a play.

Before the fix an entry was keyed by api_url and credentials only, so a balance fetched with
validate_certs: false (or through another proxy, or with another CA bundle) was served to a task that
validates; and a FIFO where the key file or an entry would be blocked the play forever on open().
"""

from __future__ import annotations

import os
import ssl
from pathlib import Path

from hostile_run import run_hostile
from hostile_server import BALANCE_XML, http_response
from playbook_runner import play

TOKEN = "Tk-HOSTILE-cache-c4d5"
# A FIFO must be a miss at once; this bound only keeps a regression from hanging the suite, and the
# finished run must be far below it (it takes a few seconds).
HANG_GUARD_S = 60
FINISHED_WELL_BEFORE_S = 40


def cached_task(name: str, api_url: str, **options: object) -> dict:
    arguments = {"api_url": api_url, "token": "{{ token }}", "cache_ttl": 60, "timeout": 2, "retries": 0, **options}
    return {"name": name, "webcom.mobi.balance_info": arguments, "ignore_errors": True}


def a_ca_bundle() -> str:
    """Any real CA bundle: the api_url is plain http, so only the option's value matters, not its certificates."""
    try:
        import certifi
    except ImportError:
        return ssl.get_default_verify_paths().openssl_cafile
    return certifi.where()


def cache_directory(workdir: Path) -> Path:
    return workdir / "cache" / "webcom.mobi"


def test_an_answer_is_served_only_under_the_same_trust_settings(serve, tmp_path) -> None:
    certs, proxied, bundle = (serve([http_response(BALANCE_XML)]) for _server in range(3))
    tasks = [
        cached_task("insecure fetch", certs.api_url, validate_certs=False),
        cached_task("validating task", certs.api_url, validate_certs=True),
        cached_task("validating task again", certs.api_url, validate_certs=True),
        cached_task("direct fetch", proxied.api_url),
        # The server is its own proxy: it answers "POST http://... HTTP/1.1" like any request.
        cached_task("task through a proxy", proxied.api_url, proxy=proxied.base_url),
        cached_task("system CA bundle", bundle.api_url),
        cached_task("own ca_path", bundle.api_url, ca_path=a_ca_bundle()),
    ]
    outcome = run_hostile(tmp_path, [play(tasks)], secrets={"token": TOKEN}, timeout=180)
    cached = {task["name"]: outcome.result(task["name"])["result"].get("balance", {}).get("cached") for task in tasks}
    assert cached == {
        "insecure fetch": False, "validating task": False, "validating task again": True,
        "direct fetch": False, "task through a proxy": False, "system CA bundle": False, "own ca_path": False,
    }, f"cached per task: {cached}"
    assert (certs.request_count, proxied.request_count, bundle.request_count) == (2, 2, 2)


def test_a_fifo_as_the_key_file_does_not_block(serve, tmp_path) -> None:
    server = serve([http_response(BALANCE_XML)])
    directory = cache_directory(tmp_path)
    directory.mkdir(parents=True, mode=0o700)
    os.mkfifo(directory / "key", 0o600)
    outcome = run_hostile(tmp_path, [play([cached_task("key is a FIFO", server.api_url)])], secrets={"token": TOKEN}, timeout=HANG_GUARD_S)
    assert outcome.elapsed_s < FINISHED_WELL_BEFORE_S
    record = outcome.result("key is a FIFO")
    assert record["status"] == "ok" and record["result"]["balance"]["money_text"] == "150", record
    assert server.request_count == 1


def test_fifos_as_cache_entries_do_not_block(serve, tmp_path) -> None:
    server = serve([http_response(BALANCE_XML)])
    plays = [play([cached_task("entry", server.api_url)])]
    first = run_hostile(tmp_path, plays, secrets={"token": TOKEN}, timeout=HANG_GUARD_S)
    assert first.result("entry")["status"] == "ok"
    # Entry names are HMACs under the user's key: take them from the first run, put FIFOs in their place.
    entries = [path for path in cache_directory(tmp_path).iterdir() if path.name != "key" and not path.name.startswith(".")]
    assert entries, "the first run stored nothing"
    for path in entries:
        path.unlink()
        os.mkfifo(path, 0o600)
    second = run_hostile(tmp_path, plays, secrets={"token": TOKEN}, timeout=HANG_GUARD_S)
    assert second.elapsed_s < FINISHED_WELL_BEFORE_S
    record = second.result("entry")
    assert record["status"] == "ok" and record["result"]["balance"]["cached"] is False, record
    assert server.request_count == 2
