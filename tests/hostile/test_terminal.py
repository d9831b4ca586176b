"""Issue 12, class 8: text from the server reaches no terminal raw.

Before the fix escape sequences (clear screen, set the window title) and bidirectional overrides
in an <error> text or a redirect's Location went into messages as sent, and from there to the
terminal and the log.
"""

from __future__ import annotations

import unicodedata

from hostile_run import assert_lookup_failed_clearly, assert_one_clear_line, balance_task, lookup_task, run_hostile
from hostile_server import http_response
from playbook_runner import play

TOKEN = "Tk-HOSTILE-terminal-8f27"
ESCAPES = "\x1b[2J\x1b]0;owned\x07"
BIDI = "\u202eevil\u202c \u2066isolate\u2069"
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# In files and terminal output line breaks and tabs are legitimate; escapes, BEL, C1 controls and bidi controls are not.
FORBIDDEN_IN_OUTPUT = frozenset(chr(c) for c in [0x07, 0x1B, *range(0x80, 0xA0)]) | BIDI_CONTROLS


def control_characters_in(msg: str) -> list[str]:
    return sorted({repr(ch) for ch in msg if unicodedata.category(ch) == "Cc" or ch in BIDI_CONTROLS})


def xml_error(text: str) -> bytes:
    return http_response(f'<?xml version="1.0" encoding="utf-8"?><response><error>Wrong {text} account</error></response>')


def test_control_characters_from_the_server_never_reach_the_terminal(serve, tmp_path) -> None:
    servers = {
        "info error text with bidi overrides": serve([xml_error(BIDI)]),
        "info error text with escapes": serve([xml_error(ESCAPES + BIDI)]),
        "info HTTP 500 body": serve([http_response(f"Wrong {ESCAPES}{BIDI} account", status="500 Internal Server Error", content_type="text/plain")]),
        "info redirect": serve([http_response("", status="302 Found", headers=[f"Location: http://elsewhere.example/{ESCAPES}{BIDI}"])]),
        "facts error text": serve([xml_error(BIDI)]),
        "lookup redirect": serve([http_response("", status="302 Found", headers=[f"Location: http://elsewhere.example/{ESCAPES}{BIDI}"])]),
    }
    tasks = []
    for name, server in servers.items():
        if name.startswith("lookup"):
            tasks.append(lookup_task(name, server.api_url, timeout=2, retries=0))
        else:
            module = "webcom.mobi.balance_facts" if name.startswith("facts") else "webcom.mobi.balance_info"
            tasks.append(balance_task(name, server.api_url, module=module, timeout=2, retries=0))
    outcome = run_hostile(tmp_path, [play(tasks)], secrets={"token": TOKEN}, verbose=True, timeout=180)
    for name in servers:
        msg = assert_lookup_failed_clearly(outcome, name) if name.startswith("lookup") else assert_one_clear_line(outcome, name)
        assert not control_characters_in(msg), f"{name}: control characters {control_characters_in(msg)} in the message: {msg!r}"
    assert outcome.msg("info error text with bidi overrides").lower().count("wrong") == 1  # the text still reaches the user
    # What a terminal or a log viewer shows (other files, such as the cache's binary ones, are not text).
    shown = {"stdout": outcome.run.stdout, "stderr": outcome.run.stderr, "ansible.log": (tmp_path / "ansible.log").read_text(encoding="utf-8")}
    for where, text in shown.items():
        found = sorted({repr(char) for char in FORBIDDEN_IN_OUTPUT if char in text})
        assert not found, f"{where} holds {found} from the server"
