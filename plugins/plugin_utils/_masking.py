# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# This file is internal to the webcom.mobi collection: it is not a public API and
# may change without notice.

"""Secrets masked in every form a server may echo them in, before a message reaches the user.

Imported on the way out of a plugin (a result's messages, an error's line) and by the cache
when it keeps a refusal; a cache hit never pays for it.
"""

from __future__ import annotations

import re
from functools import cached_property, lru_cache
from typing import Any

from ansible_collections.webcom.mobi.plugins.plugin_utils._errors import ELLIPSIS, REPLACEMENT, UNSAFE, one_line, regex

MASK = "********"

# Every character str.isspace() accepts: one_line folds any run of them, so masking must too.
_WHITESPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"
_JSON_SHORT = {'"': '\\"', "\\": "\\\\", "/": "\\/", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_PYTHON_SHORT = {"'": "\\'"}  # repr() in tracebacks; its other escapes are JSON's, \xNN or \UNNNNNNNN
_ESCAPED_CHAR = (
    r"&(?:amp;)?#[xX][0-9a-fA-F]+;|&(?:amp;)?#[0-9]+;|&(?:amp;)?[A-Za-z][A-Za-z0-9]*;"  # XML/HTML references
    r"|\\u[0-9a-fA-F]{4}|\\U[0-9a-fA-F]{8}|\\x[0-9a-fA-F]{2}|\\[\"'\\/bfnrt]"  # JSON / Python escapes
    r"|(?:%[0-9a-fA-F]{2}){1,4}|\+"  # URL encoding
)
_ESCAPED_CHAR_AT_END = f"(?:{_ESCAPED_CHAR})\\Z"
# What one_line's truncation may leave of an escape cut in the middle (a JSON surrogate pair
# may lose its second half or part of it).
_PARTIAL_ESCAPE = (
    r"(?:&(?:amp;)?#?[xX]?[0-9a-fA-F]*|&(?:amp;)?[A-Za-z][A-Za-z0-9]*"
    r"|(?:\\u[dD][89abAB][0-9a-fA-F]{2})?(?:\\(?:[uUx][0-9a-fA-F]{0,7})?)?"
    r"|(?:%[0-9a-fA-F]{0,2}){1,4}|\ufffd)"
)
_AMP = "&(?:amp;)?"
_LONGEST_FORM = 24  # characters: &amp;#x0001F600; and the like, with a few leading zeros
# Characters every escaped form starts with (and one_line's replacement for a control character).
_ESCAPE_INTRODUCERS = frozenset("&\\%\ufffd")
# Separators that make one number of digits on both sides: 10.1, 127.0.0.1, 100,000, 2026-11-30, 10:30, 1/2.
_NUMBER_JOINERS = frozenset(".,-:/")


def redact(text: str, secrets: tuple[str, ...] | list[str]) -> str:
    """Mask every whole occurrence of each secret, in every common textual form it may take.

    A server may echo a secret as sent, or with any mixture of: whitespace runs folded or
    changed (any run of whitespace in the secret matches any run of whitespace, literal or
    escaped; whitespace at the secret's ends is ignored), XML/HTML character references
    (named, decimal or hex, any case, leading zeros, or escaped once more as ``&amp;lt;``),
    JSON or Python escapes (``\\"``, ``\\uXXXX``, ``\\xNN``...), URL encoding (``%XX`` in any
    case, ``+`` for a space). Each character of the secret may take any of these forms
    independently; the whole echo becomes one ``MASK``.
    A secret that sanitising already replaced with U+FFFD is matched too, character by character.

    "Whole" means masking never corrupts other text: an occurrence that starts (ends) with a
    letter, digit or ``_`` is masked only if the character before (after) it, decoded, is not
    a letter, digit or ``_``, and, when the secret starts (ends) with a digit, not one of
    ``. , - : /`` followed by another digit. So password ``10`` leaves ``money 100000``,
    ``10.1`` and ``2026-10-30`` alone but masks ``password 10 was wrong``,
    ``"password": "10"`` and a sentence ending in ``10.``; ``pw10abc`` is a different word.
    Where a neighbour could be read two ways (``\\n`` is a newline or a backslash and ``n``),
    masking wins.

    A message cut by ``one_line`` ends in ``…``: a start of the secret right before an ``…``
    (possibly ending in half an escape) is masked too, so truncation cannot leave a prefix.

    Mask before anything that rewrites the text (tag stripping, folding, truncation): those
    can split an echo into pieces no longer recognisable as the secret.
    """
    if not text:
        return text
    spans: list[tuple[int, int]] = []
    present: frozenset[str] | None = None
    for secret in sorted({str(secret) for secret in secrets if secret}, key=len, reverse=True):
        matcher = _matcher(secret)
        if matcher is None:
            continue
        present = frozenset(text) if present is None else present
        if matcher.may_occur_in(present):
            spans.extend(matcher.spans(text))
    if not spans:
        return text
    pieces, done = [], 0
    for start, end in _merged(spans):
        pieces.append(text[done:start])
        pieces.append(MASK)
        done = end
    pieces.append(text[done:])
    return "".join(pieces)


MESSAGE_LIMIT = 4000  # a failed task lists every unmet requirement in its one line


def terminal_safe(message: str, secrets: list[str] | tuple[str, ...]) -> str:
    """A message as users see it: secrets masked first, then one line with no control characters."""
    return one_line(redact(message, secrets), MESSAGE_LIMIT)


def masked_messages(value: Any, secrets: list[str] | tuple[str, ...]) -> Any:
    """``value`` with every message (a ``msg`` key at any depth) made terminal_safe; data is never touched."""
    if isinstance(value, dict):
        return {key: terminal_safe(inner, secrets) if key == "msg" and isinstance(inner, str)
                else masked_messages(inner, secrets) for key, inner in value.items()}
    if isinstance(value, list):
        return [masked_messages(inner, secrets) for inner in value]
    return value


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


class _SecretMatcher:
    """Finds one secret's whole occurrences (and truncated starts) in a text."""

    def __init__(self, tokens: list[str | None]) -> None:
        self._tokens = tokens
        self.first, self.last = tokens[0], tokens[-1]
        self._characters = frozenset(token for token in tokens if token is not None)

    def may_occur_in(self, present: frozenset[str]) -> bool:
        """A cheap test on the text's characters, so most texts never pay for compiling the patterns."""
        if not _ESCAPE_INTRODUCERS.isdisjoint(present):
            return True
        return self._characters <= present or (ELLIPSIS in present and self.first in present)

    @cached_property
    def _forms(self) -> list[str]:
        return [_whitespace_run() if token is None else _char_pattern(token) for token in self._tokens]

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        return re.compile("".join(self._forms))

    def spans(self, text: str) -> list[tuple[int, int]]:
        found = []
        position = 0
        while (match := self.pattern.search(text, position)) is not None:
            start, end = match.span()
            if _joined_before(text, start, self.first):
                position = _end_of_plain_word(text, start)
            elif _joined_after(text, end, self.last):
                position = start + 1
            else:
                found.append((start, end))
                position = end
        if ELLIPSIS in text and len(self._forms) > 1:
            found.extend(self._truncated_spans(text))
        return found

    def _truncated_spans(self, text: str) -> list[tuple[int, int]]:
        """Starts of the secret cut by an ellipsis (maybe inside an escape): walked token by token.

        No regex for this: a pattern in which every further token may be missing backtracks
        exponentially on repetitive text, and a nested one recurses as deep as the secret is long.
        """
        tokens = [regex(form) for form in self._forms]
        found = []
        cut = text.find(ELLIPSIS)
        while cut != -1:
            # Every reading of the cut counts ("&#0" before it is half of "&#048;" or a literal
            # "0" after "&#"): mask from the earliest start any of them gives.
            starts = [self._longest_start_before(tokens, text, end) for end in _cut_points(text, cut)]
            if any(start is not None for start in starts):
                found.append((min(start for start in starts if start is not None), cut))
            cut = text.find(ELLIPSIS, cut + 1)
        return found

    def _longest_start_before(self, tokens: list[re.Pattern[str]], text: str, end: int) -> int | None:
        position = max(0, end - _LONGEST_FORM * len(tokens))
        while (first := tokens[0].search(text, position, end)) is not None:
            start = first.start()
            if _runs_to(tokens, text, start, end) and not _joined_before(text, start, self.first):
                return start
            position = start + 1
        return None


def _end_of_plain_word(text: str, start: int) -> int:
    """Where to look next after a match joined on its left to a word: past that word if no escape is near.

    Every start inside a run of word characters is joined on its left too, unless an escape
    could end inside the run: so long runs (a megabyte of digits) cost one step, not one each.
    """
    window = text[max(0, start - _LONGEST_FORM * 2) : start]
    if "&" in window or "\\" in window or "%" in window:
        return start + 1
    word = regex(r"\w+").match(text, start)
    return word.end() if word is not None else start + 1


def _cut_points(text: str, cut: int) -> list[int]:
    """Where the secret's forms may stop before an ellipsis: right at it, or where half an escape begins."""
    points = [cut]
    partial = regex(_PARTIAL_ESCAPE)
    for length in range(1, min(cut, _LONGEST_FORM) + 1):
        if partial.fullmatch(text, cut - length, cut):
            points.append(cut - length)
    return points


def _runs_to(tokens: list[re.Pattern[str]], text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is the first few of the secret's tokens, each in any of its forms."""
    position = start
    for token in tokens:
        match = token.match(text, position, end)
        if match is None or match.end() == position:
            return False
        position = match.end()
        if position == end:
            return True
    return False


@lru_cache(maxsize=16)
def _matcher(secret: str) -> _SecretMatcher | None:
    tokens: list[str | None] = []
    for char in secret.strip(_WHITESPACE):
        if char in _WHITESPACE:
            if tokens[-1] is not None:
                tokens.append(None)  # one token per run: any run of whitespace, in any form
        else:
            tokens.append(char)
    return _SecretMatcher(tokens) if tokens else None


def _char_pattern(char: str) -> str:
    """Every form of one character; escapes before the literal, so ``&amp;`` is taken whole, not as ``&``."""
    return f"(?:{'|'.join(_escaped_forms(char) + [re.escape(char)])})"


def _escaped_forms(char: str) -> list[str]:
    code = ord(char)
    # A reference may be escaped once more (&amp;lt;): an HTML page quoting XML the server got.
    forms = [f"{_AMP}#0*{code};", f"{_AMP}#[xX]0*{_hex(code)};"]
    forms += [_AMP + re.escape(name) for name in _entity_names().get(char, ())]
    short = _JSON_SHORT.get(char) or _PYTHON_SHORT.get(char)
    if short:
        forms.append(re.escape(short))
    if code > 0xFFFF:
        high, low = 0xD800 + ((code - 0x10000) >> 10), 0xDC00 + ((code - 0x10000) & 0x3FF)
        forms += [f"\\\\u{_hex(high, 4)}\\\\u{_hex(low, 4)}", f"\\\\U{_hex(code, 8)}"]
    else:
        forms.append(f"\\\\u{_hex(code, 4)}")
    if code < 0x100:
        forms.append(f"\\\\x{_hex(code, 2)}")
    forms.append("".join(f"%{_hex(byte, 2)}" for byte in char.encode("utf-8", "surrogatepass")))
    if regex(UNSAFE).match(char):
        forms.append(REPLACEMENT)  # one_line already replaced it
    return forms


def _hex(value: int, width: int = 0) -> str:
    """Hex digits of value, letters in either case."""
    return "".join(f"[{digit}{digit.upper()}]" if digit.isalpha() else digit for digit in f"{value:0{width}x}")


@lru_cache(maxsize=1)
def _entity_names() -> dict[str, tuple[str, ...]]:
    # Imported only when a secret is first masked: html.entities is a large table.
    from html.entities import html5

    names: dict[str, list[str]] = {}
    for name, value in html5.items():
        if name.endswith(";") and len(value) == 1:
            names.setdefault(value, []).append(name)
    return {char: tuple(sorted(group, key=len, reverse=True)) for char, group in names.items()}


@lru_cache(maxsize=1)
def _whitespace_run() -> str:
    """Any run of whitespace in any form; grouped by kind of escape, as one flat list compiles slowly."""
    codes = [ord(char) for char in _WHITESPACE]
    names = [re.escape(name) for char in _WHITESPACE for name in _entity_names().get(char, ())]
    url = [f"%{'%'.join(_hex(byte, 2) for byte in char.encode('utf-8'))}" for char in _WHITESPACE]
    forms = [
        "\\s",
        "\\+",
        f"{_AMP}#0*(?:{'|'.join(map(str, codes))});",
        f"{_AMP}#[xX]0*(?:{'|'.join(_hex(code) for code in codes)});",
        f"{_AMP}(?:{'|'.join(names)})",
        "\\\\[tnrf]",
        f"\\\\u(?:{'|'.join(_hex(code, 4) for code in codes)})",
        f"\\\\x(?:{'|'.join(_hex(code, 2) for code in codes if code < 0x100)})",
        f"(?:{'|'.join(url)})",
    ]
    return f"(?:{'|'.join(forms)})+"


def _decoded(escape: str) -> str | None:
    """The character an escape stands for (the first one, for URL bytes), or None."""
    if escape == "+":
        return " "
    if escape.startswith("&amp;") and len(escape) > 5:
        escape = "&" + escape[5:]
    if escape.startswith("&#"):
        digits = escape[2:-1]
        code = int(digits[1:], 16) if digits[:1] in "xX" else int(digits)
        return chr(code) if code <= 0x10FFFF else None
    if escape.startswith("&"):
        from html.entities import html5

        return (html5.get(escape[1:]) or "")[:1] or None
    if escape.startswith("%"):
        data = bytes.fromhex(escape.replace("%", ""))
        for size in range(len(data), 0, -1):
            try:
                return data[:size].decode("utf-8")[:1]
            except UnicodeDecodeError:
                continue
        return None
    if escape[1] in "uUx":
        return chr(int(escape[2:], 16)) if int(escape[2:], 16) <= 0x10FFFF else None
    return {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}.get(escape[1], escape[1])


def _last_char(text: str, end: int) -> list[tuple[str, int]]:
    """Readings of the character that ends at ``end``: escaped first, then literal, each with its start."""
    if end <= 0:
        return []
    readings = []
    window = max(0, end - 40)
    if "&" in text[window:end] or "\\" in text[window:end] or "%" in text[window:end] or text[end - 1] == "+":
        match = regex(_ESCAPED_CHAR_AT_END).search(text, window, end)
    else:
        match = None  # no escape can end here: the common case, kept cheap for long runs of candidates
    if match is not None:
        escape = match.group()
        if escape.startswith("%"):
            escape = escape[-3 * _utf8_tail_bytes(escape) :]
            char = _decoded(escape)
            start = end - len(escape)
        else:
            char, start = _decoded(escape), match.start()
        if char is not None:
            readings.append((char, start))
    readings.append((text[end - 1], end - 1))
    return readings


def _utf8_tail_bytes(escape: str) -> int:
    """How many of the trailing %XX bytes make the last whole UTF-8 character (1 if none does)."""
    data = bytes.fromhex(escape.replace("%", ""))
    for size in range(1, min(4, len(data)) + 1):
        try:
            data[-size:].decode("utf-8")
            return size
        except UnicodeDecodeError:
            continue
    return 1


def _next_char(text: str, start: int) -> list[tuple[str, int]]:
    """Readings of the character that starts at ``start``: escaped first, then literal, each with its end."""
    if start >= len(text):
        return []
    readings = []
    match = regex(_ESCAPED_CHAR).match(text, start) if text[start] in "&\\%+" else None
    if match is not None:
        char = _decoded(match.group())
        if char is not None:
            size = len(char.encode("utf-8", "surrogatepass")) * 3 if match.group().startswith("%") else len(match.group())
            readings.append((char, start + size))
    readings.append((text[start], start + 1))
    return readings


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _joined_before(text: str, start: int, edge: str | None) -> bool:
    """Whether the match at ``start`` continues a longer word or number on its left, in every reading."""
    if edge is None or not _is_word(edge):
        return False
    readings = _last_char(text, start)
    return bool(readings) and all(_joins(char, edge, _last_char(text, before)) for char, before in readings)


def _joined_after(text: str, end: int, edge: str | None) -> bool:
    if edge is None or not _is_word(edge):
        return False
    readings = _next_char(text, end)
    return bool(readings) and all(_joins(char, edge, _next_char(text, after)) for char, after in readings)


def _joins(neighbour: str, edge: str, beyond: list[tuple[str, int]]) -> bool:
    if _is_word(neighbour):
        return True
    return edge.isdigit() and neighbour in _NUMBER_JOINERS and bool(beyond) and beyond[0][0].isdigit()
