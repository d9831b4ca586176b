"""Masking echoed secrets in every common form, and keeping server text from reaching a terminal raw.

redact must mask a whole occurrence of a secret however a server echoed it (folded whitespace,
HTML/XML references, JSON or Python escapes, URL encoding, any mixture, cut by truncation) and
change nothing else; one_line must keep control and invisible format characters out of messages.
"""

from __future__ import annotations

import html
import json
import random
import threading
import unicodedata
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from ansible_collections.webcom.mobi.plugins.plugin_utils._client import current_balance
from ansible_collections.webcom.mobi.plugins.plugin_utils._errors import (
    HTTPStatusError,
    PlatformError,
    TransportError,
    WebcomError,
    one_line,
)
from ansible_collections.webcom.mobi.plugins.plugin_utils._masking import MASK, redact
from ansible_collections.webcom.mobi.plugins.plugin_utils._options import connection_settings
from ansible_collections.webcom.mobi.plugins.plugin_utils._transport import excerpt

# Terminal escapes, C1 controls, bidirectional and invisible format characters: none may reach a message.
SPOOFING = ["\x1b", "\x07", "\x08", "\x00", "\x7f", "\x9b", "\u202e", "\u202d", "\u2066", "\u2069", "\u200e", "\u200f", "\u061c", "\u200b", "\ufeff"]
WHITESPACE_RUNS = [" ", "  ", "\t", "\n", "\r\n", "\u00a0", " \t\u00a0 ", "\u2003"]


def fold(text: str) -> str:
    return " ".join(text.split())


# ---------------------------------------------------------------- whole occurrences only


@pytest.mark.parametrize(
    "text, secret",
    [
        ("money 100000", "10"),
        ("money 100", "10"),
        ("127.0.0.1", "1"),
        ("10.1", "1"),
        ("version 1.10.2", "10"),
        ("pw10abc", "10"),
        ("2026-10-30", "10"),
        ("at 10:30", "10"),
        ("1,000,000 sms", "000"),
        ("balance_10", "10"),
        ("Россия10", "10"),
    ],
)
def test_a_secret_inside_a_longer_word_or_number_is_left_alone(text: str, secret: str) -> None:
    assert redact(text, [secret]) == text


@pytest.mark.parametrize(
    "text, secret, masked",
    [
        ("password 1 was wrong", "1", "password ******** was wrong"),
        ('{"password": "1"}', "1", '{"password": "********"}'),
        ('<input value="1">', "1", '<input value="********">'),
        ("1 is wrong", "1", "******** is wrong"),
        ("wrong: 1", "1", "wrong: ********"),
        ("1", "1", "********"),
        ("the password was 10.", "10", "the password was ********."),
        ("password=10&login=x", "10", "password=********&login=x"),
        ("login failed for s3cret.Please retry", "s3cret", "login failed for ********.Please retry"),
        # an escaped neighbour is read decoded: \n before the secret is a line break, not a letter
        ('{"msg": "bad password:\\nhunter2"}', "hunter2", '{"msg": "bad password:\\n********"}'),
    ],
)
def test_a_whole_occurrence_is_masked(text: str, secret: str, masked: str) -> None:
    assert redact(text, [secret]) == masked


def test_a_secret_containing_a_shorter_one_is_masked_whole() -> None:
    assert redact("token abc, password abcdef!", ["abc", "abcdef"]) == f"token {MASK}, password {MASK}!"
    assert redact("token abc, password abcdef!", ["abcdef", "abc"]) == f"token {MASK}, password {MASK}!"


@pytest.mark.parametrize("secret", ["", " ", "\t\n"])
def test_an_empty_or_blank_secret_masks_nothing(secret: str) -> None:
    assert redact("nothing to see  here", [secret]) == "nothing to see  here"


def test_regex_metacharacters_in_a_secret_are_literal() -> None:
    assert redact("a.*b (x|y) [z]", ["a.*b", "(x|y)"]) == f"{MASK} {MASK} [z]"
    assert redact("aXXb", ["a.*b"]) == "aXXb"


# ---------------------------------------------------------------- every listed form (issue 12, class 4)

QUOTE_PW = "it's"
FORMS_OF_IT_S = ["it&#039;s", "it&#39;s", "it&#x27;s", "it&#X27;s", "it&#x0027;s", "it&#0000039;s", "it&apos;s", "it\\u0027s", "it%27s", "it\\'s"]


@pytest.mark.parametrize("echo", FORMS_OF_IT_S)
def test_apostrophe_as_any_character_reference_or_escape(echo: str) -> None:
    assert redact(f"password '{echo}' rejected", [QUOTE_PW]) == f"password '{MASK}' rejected"


@pytest.mark.parametrize(
    "secret, echo",
    [
        ("a<b>&\"c'", "a&lt;b&gt;&amp;&quot;c&apos;"),
        ("a<b>&\"c'", "a&LT;b&GT;&AMP;&QUOT;c&#39;"),
        ("a<b", "a&#60;b"),
        ("R&D&", "R&amp;D&amp;"),  # an escape is taken whole, not its first character as the literal
        ("a<b>&c", "a&amp;lt;b&amp;gt;&amp;amp;c"),  # escaped twice: an HTML page quoting the XML request
        ("a'b", "a&amp;#39;b"),
        ("a<b", "a&#x3C;b"),
        ("a<b", "a&#x3c;b"),
        ("café", "caf&eacute;"),
        ("café", "caf&#233;"),
        ("pass word", "pass&nbsp;word"),
        ("pass\u00a0word", "pass word"),
    ],
)
def test_html_and_xml_character_references(secret: str, echo: str) -> None:
    assert redact(f"echo: {echo} end", [secret]) == f"echo: {MASK} end"


@pytest.mark.parametrize(
    "secret, echo",
    [
        ('q"x\\y/z', 'q\\"x\\\\y\\/z'),
        ("tab\there", "tab\\there"),
        ("line\nbreak", "line\\nbreak"),
        ("Жук€", "\\u0416\\u0443\\u043a\\u20ac"),
        ("Жук€", "\\u0416\\u0443\\u043A\\u20AC"),
        ("emoji😀x", "emoji\\ud83d\\ude00x"),
        ("emoji😀x", "emoji\\U0001f600x"),
        ("ctl\x01x", "ctl\\x01x"),
        ("back\\", "back\\\\"),
    ],
)
def test_json_and_python_escapes(secret: str, echo: str) -> None:
    assert redact(f'{{"msg": "{echo}"}}', [secret]) == f'{{"msg": "{MASK}"}}'


@pytest.mark.parametrize(
    "secret, echo",
    [
        ("p@ss w/rd", "p%40ss%20w%2Frd"),
        ("p@ss w/rd", "p%40ss+w%2frd"),
        ("Жук", "%D0%96%D1%83%D0%BA"),
        ("Жук", "%d0%96%d1%83%d0%ba"),
        ("a+b", "a%2Bb"),
    ],
)
def test_url_encoding(secret: str, echo: str) -> None:
    assert redact(f"GET /x?password={echo}&y=1", [secret]) == f"GET /x?password={MASK}&y=1"


@pytest.mark.parametrize("run", WHITESPACE_RUNS)
@pytest.mark.parametrize("secret", ["correct  horse", "correct\thorse", "correct\nhorse", "correct\u00a0horse", "correct horse"])
def test_whitespace_folded_or_changed(secret: str, run: str) -> None:
    assert redact(f"password correct{run}horse rejected", [secret]) == f"password {MASK} rejected"


def test_whitespace_at_the_ends_of_a_secret_does_not_hide_it() -> None:
    assert redact("password 'hunter2' rejected", ["  hunter2\t"]) == f"password '{MASK}' rejected"


@pytest.mark.parametrize(
    "echo",
    [
        "a&nbsp;&lt;b&gt;&#10;c",  # HTML-escaped and whitespace changed
        "a%20%3Cb%3E+c",  # URL-encoded, space as %20 and as +
        "a\\u00a0<b\\u003e\\n c",  # JSON escapes mixed with literal characters
        "a &#x3c;b%3E\\tc",  # one escape per character, each of a different kind
    ],
)
def test_mixtures_of_forms(echo: str) -> None:
    assert redact(f"[{echo}]", ["a  <b> c"]) == f"[{MASK}]"


def test_python_repr_in_a_traceback() -> None:
    secret = "it's \"x\"\u00a0\x1b"
    assert repr(secret) == "'it\\'s \"x\"\\xa0\\x1b'"
    assert redact(f"ValueError: {secret!r}", [secret]) == f"ValueError: '{MASK}'"


def test_a_secret_already_sanitised_by_one_line_is_still_masked() -> None:
    message = str(WebcomError("wrong password pw\x1bword\u202ex, try again"))
    assert redact(message, ["pw\x1bword\u202ex"]) == f"wrong password {MASK}, try again"


# ---------------------------------------------------------------- rewriting never splits a secret


def test_tag_stripping_in_excerpt_does_not_split_a_secret() -> None:
    body = b"<html><body><p>Wrong password pw<x>yz for user bob</p></body></html>"
    said = excerpt(body, ("pw<x>yz",))
    assert said == f"Wrong password {MASK} for user bob"


def test_tag_stripping_in_excerpt_does_not_split_an_escaped_secret() -> None:
    body = b"<p>Wrong password pw&lt;x&gt;yz</p>"
    assert excerpt(body, ("pw<x>yz",)) == f"Wrong password {MASK}"


@pytest.mark.parametrize("cut", range(1, 7))
def test_a_secret_cut_by_one_line_leaves_no_prefix(cut: int) -> None:
    lead = "the platform said: wrong password "
    message = one_line(lead + "hunter2 for login bob", limit=len(lead) + cut + 1)
    assert message == lead + "hunter2"[:cut] + "…"
    assert redact(message, ["hunter2"]) == lead + MASK + "…"


CUT_ECHOES = [("p&ss'w", "p&amp;ss&#x27;w"), ("0000", "&#048;&#048;&#048;&#048;")]  # "&#0" cut: half of "&#048;", or "&#" and "0"


@pytest.mark.parametrize("secret, echo, cut", [(secret, echo, cut) for secret, echo in CUT_ECHOES for cut in range(1, len(echo))])
def test_a_secret_cut_inside_an_escape_leaves_no_prefix(secret: str, echo: str, cut: int) -> None:
    message = one_line(f"wrong password {echo} for bob", limit=len("wrong password ") + cut + 1)
    if echo.startswith("&") and cut <= echo.index(";"):
        # Not one character of the secret is there yet, only half an escape: nothing to protect.
        assert redact(message, [secret]).startswith("wrong password &")
    else:
        assert redact(message, [secret]) == f"wrong password {MASK}…"


def test_an_ellipsis_after_an_unrelated_word_is_left_alone() -> None:
    assert redact("the answer was truncated…", ["hunter2"]) == "the answer was truncated…"
    assert redact("the answer was hunter…", ["hunter2"]) == f"the answer was {MASK}…"
    assert redact("the answer was xhunter…", ["hunter2"]) == "the answer was xhunter…"


def test_excerpt_of_a_body_cut_inside_a_secret_leaves_no_prefix() -> None:
    secret = "Sup3r-Secret-Passw0rd"
    for kept in range(1, len(secret) + 1):  # the excerpt's window is the body's first 960 bytes
        body = (" " * (960 - kept) + secret + " and more").encode()
        assert excerpt(body, (secret,)) == MASK + "…", kept


# ---------------------------------------------------------------- properties

# Characters with escapes of their own come up often, not once in a thousand draws.
SECRET_ALPHABET = st.one_of(
    st.sampled_from("\t\u00a0 '\"<>&\\/%+;#.-1"),
    st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs"), exclude_characters="…\ufffd"),
)
# Surroundings never contain the characters an escape starts with, so the only form of the
# secret in a test text is the one the test put there.
SURROUNDING = st.text(st.sampled_from("abcdefXYZ0123456789 .,!?()-:Жж€"), max_size=40)
LEFT = st.sampled_from([" ", ": ", ' "', "'", "(", "=", "\n", "> "])
RIGHT = st.sampled_from([" ", '" ', "'", ")", "\n", " <", ", x", ". Next"])

secrets_st = st.text(SECRET_ALPHABET, min_size=4, max_size=24).map(str.strip).filter(lambda s: len(s) >= 4)


def _numeric_reference(char: str, rnd: random.Random) -> str:
    code = ord(char)
    zeros = "0" * rnd.choice([0, 0, 1, 3])
    if rnd.random() < 0.5:
        return f"&#{zeros}{code};"
    digits = f"{code:x}"
    digits = digits.upper() if rnd.random() < 0.5 else digits
    return f"&#{rnd.choice('xX')}{zeros}{digits};"


def _json_escape(char: str, rnd: random.Random) -> str:
    if rnd.random() < 0.3:
        return json.dumps(char)[1:-1]
    units = char.encode("utf-16-be")
    escaped = "".join(f"\\u{int.from_bytes(units[i:i + 2], 'big'):04x}" for i in range(0, len(units), 2))
    return escaped.upper().replace("\\U", "\\u") if rnd.random() < 0.5 else escaped


def _url_escape(char: str, rnd: random.Random) -> str:
    if char == " " and rnd.random() < 0.5:
        return "+"
    escaped = "".join(f"%{byte:02X}" for byte in char.encode("utf-8"))
    return escaped.lower() if rnd.random() < 0.5 else escaped


def _refold(secret: str, rnd: random.Random) -> str:
    return rnd.choice(WHITESPACE_RUNS).join(secret.split())


def _mixture(secret: str, rnd: random.Random) -> str:
    pieces = []
    for char in fold(secret):
        if char == " ":
            pieces.append(rnd.choice(WHITESPACE_RUNS + ["&nbsp;", "%20", "+", "\\n", "&#10;", "\\u00a0"]))
        else:
            pieces.append(rnd.choice([char, html.escape(char), _numeric_reference(char, rnd), _json_escape(char, rnd), _url_escape(char, rnd)]))
    return "".join(pieces)


ENCODINGS = {
    "as sent": lambda s, rnd: s,
    "whitespace folded": lambda s, rnd: fold(s),
    "whitespace changed": _refold,
    "html.escape": lambda s, rnd: html.escape(s),
    "xml &apos;": lambda s, rnd: html.escape(s, quote=False).replace('"', "&quot;").replace("'", "&apos;"),
    "numeric references": lambda s, rnd: "".join(_numeric_reference(c, rnd) for c in s),
    "html.escape, folded": lambda s, rnd: html.escape(fold(s)),
    "html.escape twice": lambda s, rnd: html.escape(html.escape(s)),
    "json": lambda s, rnd: json.dumps(s)[1:-1],
    "json, non-ASCII kept": lambda s, rnd: json.dumps(s, ensure_ascii=False)[1:-1],
    "json \\u everything": lambda s, rnd: "".join(_json_escape(c, rnd) for c in s),
    "url quote": lambda s, rnd: quote(s, safe=""),
    "url quote_plus": lambda s, rnd: quote_plus(s),
    "url any case": lambda s, rnd: "".join(_url_escape(c, rnd) for c in s),
    "python repr": lambda s, rnd: repr(s)[1:-1],
    "mixture": _mixture,
}


def _overlapping_count(haystack: str, needle: str) -> int:
    count, start = 0, haystack.find(needle)
    while start != -1:
        count, start = count + 1, haystack.find(needle, start + 1)
    return count


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    secret=secrets_st,
    encoding=st.sampled_from(sorted(ENCODINGS)),
    prefix=SURROUNDING,
    left=LEFT,
    right=RIGHT,
    suffix=SURROUNDING,
    seed=st.integers(0, 2**16),
)
@example(secret="pw<x>yz", encoding="html.escape", prefix="", left=" ", right=" ", suffix="", seed=0)
@example(secret="two  spaces", encoding="whitespace folded", prefix="x", left=" ", right=" ", suffix="", seed=0)
def test_every_form_of_a_secret_becomes_one_mask_and_nothing_else_changes(secret, encoding, prefix, left, right, suffix, seed) -> None:
    # The folded secret occurs once in the decoded text: no second reading overlapping the surroundings.
    assume(_overlapping_count(fold(prefix + left + secret + right + suffix), fold(secret)) == 1)
    echo = ENCODINGS[encoding](secret, random.Random(seed))
    assert redact(prefix + left + echo + right + suffix, [secret]) == prefix + left + MASK + right + suffix


# Without "%", "\\" and ";" no escape can be written, so the only form of "Ж" is "Ж" itself.
TEXT_WITHOUT_ESCAPES = st.text(st.characters(codec="utf-8", exclude_characters="Ж%\\;"), max_size=200)


@settings(max_examples=250, deadline=None)
@given(text=TEXT_WITHOUT_ESCAPES, head=secrets_st, tail=st.text(SECRET_ALPHABET, max_size=8))
def test_text_without_any_form_of_the_secret_is_returned_unchanged(text, head, tail) -> None:
    assert redact(text, [head + "Ж" + tail]) == text
    # Before an ellipsis any start of the secret is masked (it may be a cut echo): Ж first, none can be.
    assert redact(text + "…", ["Ж" + head + tail]) == text + "…"


@settings(max_examples=250, deadline=None)
@given(
    secret=st.text("0123456789", min_size=1, max_size=4),
    before=st.text("0123456789", min_size=1, max_size=4),
    after=st.text("0123456789", min_size=1, max_size=4),
    joiner=st.sampled_from(["", ".", ",", "-", ":", "/"]),
    outside=st.sampled_from(["", " ", "money ", "x="]),
)
def test_a_numeric_secret_never_eats_into_a_longer_number(secret, before, after, joiner, outside) -> None:
    for text in (before + joiner + secret, secret + joiner + after, before + joiner + secret + joiner + after):
        assert redact(outside + text + " left", [secret]) == outside + text + " left"


@settings(max_examples=200, deadline=None)
@given(
    secret=secrets_st.filter(lambda s: not any(c.isspace() for c in s)),
    encoding=st.sampled_from(["as sent", "html.escape", "html.escape twice", "numeric references", "json \\u everything", "url any case", "mixture"]),
    prefix=SURROUNDING,
    data=st.data(),
)
def test_truncation_by_one_line_never_leaves_a_start_of_the_secret(secret, encoding, prefix, data) -> None:
    rnd = random.Random(data.draw(st.integers(0, 2**16)))
    pieces = [ENCODINGS[encoding](char, rnd) for char in secret]
    echo = "".join(pieces)
    lead = fold(prefix) + " " if fold(prefix) else ""
    assume(fold(secret) not in fold(prefix))
    kept = data.draw(st.integers(len(pieces[0]), len(echo) - 1), label="characters of the echo kept")
    message = one_line(f"{prefix} {echo} tail", limit=len(lead) + kept + 1)
    assert message == lead + echo[:kept] + "…"
    assert redact(message, [secret]) == lead + MASK + "…"


# ---------------------------------------------------------------- the sanitiser (issue 12, class 8)


@pytest.mark.parametrize("char", SPOOFING)
def test_one_line_replaces_control_and_bidi_characters(char: str) -> None:
    assert one_line(f"a{char}b") == "a\ufffdb"


def test_one_line_keeps_a_terminal_escape_from_doing_anything() -> None:
    said = one_line("Error\x1b[2J\x1b]0;owned\x07 \u202eevil\u202c\r\nnext")
    assert said == "Error\ufffd[2J\ufffd]0;owned\ufffd \ufffdevil\ufffd next"


def test_one_line_folds_whitespace_of_every_kind_and_caps_length() -> None:
    assert one_line(" a\t\n\r\x0b\x0c\x1c\x85\u00a0\u2028\u2029\u3000b ") == "a b"
    assert one_line("x" * 10, limit=5) == "xxxx…"


def test_every_control_format_and_surrogate_character_is_replaced() -> None:
    # Checked against this Python's own Unicode database, so a newer Unicode cannot slip past.
    unsafe = [chr(code) for code in range(0x110000) if unicodedata.category(chr(code)) in ("Cc", "Cf", "Cs") and not chr(code).isspace()]
    assert one_line("".join(unsafe), limit=10**6) == "\ufffd" * len(unsafe)


def test_every_whitespace_character_is_folded_and_matched() -> None:
    spaces = [chr(code) for code in range(0x110000) if chr(code).isspace()]
    assert one_line("a" + "".join(spaces) + "b") == "a b"
    for space in spaces:
        assert redact(f"[pass{space}word]", ["pass word"]) == f"[{MASK}]", hex(ord(space))


def test_every_error_is_sanitised() -> None:
    assert str(WebcomError("bad\x1b[31m red\u202e")) == "bad\ufffd[31m red\ufffd"


class _Replay(BaseHTTPRequestHandler):
    """Answers every POST with the status, raw headers and body the test set on the server."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        status, headers, body = self.server.answer
        self.wfile.write(f"HTTP/1.1 {status} Whatever\r\n".encode())
        for line in headers + [f"Content-Length: {len(body)}".encode(), b"Connection: close"]:
            self.wfile.write(line + b"\r\n")
        self.wfile.write(b"\r\n" + body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def replay():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Replay)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _check(server, password: str = "docs-password") -> None:
    """One balance check against the server, uncached, the way the modules and the lookup make it."""
    host, port = server.server_address[:2]
    options = {"api_url": f"http://{host}:{port}/xml", "login": "docs-user", "password": password, "retries": 0, "timeout": 5, "cache_ttl": 0}
    current_balance(connection_settings(options), lambda warning: None)


def _assert_clean(message: str) -> None:
    assert not any(unicodedata.category(char) in ("Cc", "Cf") for char in message), ascii(message)


def test_redirect_location_reaches_the_message_sanitised(replay) -> None:
    replay.answer = (302, [b"Location: http://evil.example/\x1b[2J\x1b]0;x\x07/\xe2\x80\xaeevil"], b"")
    with pytest.raises(TransportError) as caught:
        _check(replay)
    message = str(caught.value)
    assert "redirects to http://evil.example/" in message
    _assert_clean(message)


def test_http_error_excerpt_reaches_the_message_sanitised_and_masked(replay) -> None:
    body = "<p>Bad\x1b[31m password: docs-password\u202e\u2066 for\x07 you</p>".encode()
    replay.answer = (500, [b"Content-Type: text/html"], body)
    with pytest.raises(HTTPStatusError) as caught:
        _check(replay)
    message = str(caught.value)
    assert f'"Bad\ufffd[31m password: {MASK}\ufffd\ufffd for\ufffd you"' in message
    _assert_clean(message)


def test_platform_error_text_reaches_the_message_sanitised(replay) -> None:
    body = '<?xml version="1.0" encoding="utf-8"?><response><error>Wrong login\u202e or password\u2067</error></response>'.encode()
    replay.answer = (400, [b"Content-Type: text/xml"], body)
    with pytest.raises(PlatformError) as caught:
        _check(replay)
    assert "Wrong login\ufffd or password\ufffd" in str(caught.value)
    _assert_clean(str(caught.value))
