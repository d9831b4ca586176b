# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# This file is internal to the webcom.mobi collection: it is not a public API and
# may change without notice.

"""Request encoding and response decoding for every document, each driven by its XSD under ``schemas/``.

The schema is the only parser of response XML; a ``Document`` (``_reading.py``) names the
XSD and turns the schema's decoded data into its typed result. Hardening follows what xmlschema
needs (see docs/security.md): bodies go in as a byte stream, never as text (text
without a ``<`` would be taken for a URL or a path); the schema forbids URL and
file access and defuses DTDs and entities; size, element count and depth are capped.
"""

from __future__ import annotations

import importlib.util
import io
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ansible_collections.webcom.mobi.plugins.plugin_utils._credentials import Credentials
from ansible_collections.webcom.mobi.plugins.plugin_utils._errors import (
    CredentialsError,
    MissingDependencyError,
    PlatformError,
    ResponseFormatError,
    one_line,
)
from ansible_collections.webcom.mobi.plugins.plugin_utils._limits import (
    MAX_ATTRIBUTES_PER_ELEMENT,
    MAX_BODY_BYTES,
    MAX_DEPTH,
    MAX_ELEMENTS,
    MAX_NAMESPACE_DECLARATIONS,
    body_too_large,
)
from ansible_collections.webcom.mobi.plugins.plugin_utils._reading import Document, T

# Imported on first use (see _library): a worker that only reads the cache never imports
# this module, and one that fetches imports the library while its connection is being made.
xmlschema: Any = None
xmlschema_errors: Any = None

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>'
_HTML_STARTS = (b"<!doctype html", b"<html")

# The platform's documented error texts (trimmed, case-folded) in both languages.
_PLATFORM_ERRORS = {
    "incorrect login or password": "auth",
    "неправильный логин или пароль": "auth",
    "incorrect xml document format": "format",
    "неправильный формат xml документа": "format",
    "post data is missing": "missing_post",
    "post данные отсутствуют": "missing_post",
    "your account is locked": "locked",
    "ваш аккаунт заблокирован": "locked",
}
_PLATFORM_ERROR_HINTS = {
    "auth": "check login and password, or token, and that api_url is the host your account lives on",
    "format": "the platform could not read the request; check that api_url points at the XML interface "
    "(it ends in /xml) and report this to the webcom.mobi maintainers if it does",
    "missing_post": "the request body did not reach the platform; check proxy settings and that api_url "
    "is not redirected",
    "locked": "the account is locked; contact your account manager",
    "unknown": "the platform gave no further detail; contact your account manager if it persists",
}

_schemas: dict[str, Any] = {}
_loading: dict[str, threading.Thread] = {}
_loading_lock = threading.Lock()
_failures: dict[str, Exception] = {}  # why a loader thread could not load a schema
_decoding_lock = threading.Lock()  # xmlschema's limits are process-wide: one capped decode at a time
# The hardening every schema is built with; a compiled schema kept on disk is keyed by it too.
_SCHEMA_SETTINGS: dict[str, Any] = {"defuse": "always", "allow": "none", "block": ("url", "file")}


def schema_for(document: Document[Any]) -> Any:
    """The document's compiled, hardened schema: loaded from our signed cache or built, then shared by the process."""
    schema = _schemas.get(document.schema_file)
    if schema is not None:
        return schema
    loader = _loading.get(document.schema_file)
    if loader is not None and loader is not threading.current_thread():
        loader.join()  # loading_in_background's thread: its schema, or why it has none
        schema = _schemas.get(document.schema_file)
        if schema is not None:
            return schema
        failure = _failures.get(document.schema_file)
        if failure is not None:
            raise failure
    library = _library()
    from ansible_collections.webcom.mobi.plugins.plugin_utils._schema_cache import compiled

    text = (SCHEMAS / document.schema_file).read_text(encoding="utf-8")
    schema = _schemas[document.schema_file] = compiled(
        text, _SCHEMA_SETTINGS, lambda: library.XMLSchema11(text, **_SCHEMA_SETTINGS), library.XMLSchema11
    )
    return schema


@contextmanager
def loading_in_background(document: Document[Any]) -> Iterator[None]:
    """Within this block, the schema library and the document's schema load in a thread of their own.

    Loading them is about a tenth of a second of computing; opening a connection to a far
    platform (TCP, then TLS) is as long or longer of waiting on the network. The request is
    encoded once the connection is up (``schema_for`` then waits for the thread), so the two
    overlap. The thread always ends with the block: nothing of ours runs on after a fetch, and
    a process forked later never inherits a thread in the middle of an import. A missing
    library is reported here, before anything is sent.
    """
    if document.schema_file in _schemas:
        yield
        return
    if xmlschema is None and importlib.util.find_spec("xmlschema") is None:
        _library()  # raises MissingDependencyError
    started_here = False
    with _loading_lock:  # fetches in threads of one process (event sources) share one loader
        thread = _loading.get(document.schema_file)
        if thread is None:
            _failures.pop(document.schema_file, None)  # before the thread may record one of its own
            thread = threading.Thread(target=_load_quietly, args=(document,), name="webcom.mobi schema", daemon=True)
            try:
                thread.start()
            except RuntimeError:  # no thread to be had (a process limit): the caller loads it when it needs it
                thread = None
            else:
                started_here = True
                _loading[document.schema_file] = thread
    try:
        yield
    finally:
        try:
            if thread is not None:
                thread.join()
        finally:
            if started_here:
                with _loading_lock:
                    _loading.pop(document.schema_file, None)


def _load_quietly(document: Document[Any]) -> None:
    try:
        schema_for(document)
    except Exception as exc:  # kept for the caller's schema_for, which raises it in its own thread
        _failures[document.schema_file] = exc


def _library() -> Any:
    """The xmlschema package, imported on first use; MissingDependencyError says how to install it."""
    global xmlschema, xmlschema_errors
    if xmlschema is None:
        try:
            import xmlschema as library
            from xmlschema import exceptions as errors
        except ImportError:
            raise MissingDependencyError(
                "webcom.mobi needs the Python library xmlschema on the Ansible controller: "
                "install it with 'python3 -m pip install xmlschema' for the Python that runs ansible"
            ) from None
        xmlschema_errors, xmlschema = errors, library
    return xmlschema


def encode_request(document: Document[Any], credentials: Credentials) -> bytes:
    """The document's request as one line of UTF-8 XML, credentials escaped as attribute values.

    The credentials were checked when they were made; the XSD's request element checks the shape.
    """
    request_element = schema_for(document).elements["request"]
    try:
        element = request_element.encode({"security": credentials.security()})
    except xmlschema_errors.XMLSchemaException:
        # The exception's text holds the whole input, password included: never pass it on.
        raise CredentialsError(f"the credentials could not be encoded into a request for {document.what}") from None
    for node in element.iter():
        node.text = node.tail = None
    return XML_DECLARATION + ET.tostring(element, encoding="unicode").encode("utf-8")


def decode_response(document: Document[T], body: bytes) -> T:
    """Validate a response body against the document's schema and return its typed result.

    Raises PlatformError for the platform's own ``<error>`` (whatever the HTTP status was),
    ResponseFormatError for anything that is not a valid document of this kind.
    """
    if not isinstance(body, (bytes, bytearray)):
        raise TypeError("decode_response takes the raw response bytes")
    if len(body) > MAX_BODY_BYTES:
        raise body_too_large()
    head = bytes(body[:512]).lstrip(b"\xef\xbb\xbf").lstrip().lower()
    if not head:
        raise ResponseFormatError("the response body is empty; check api_url and any proxy in between")
    if head.startswith(_HTML_STARTS):
        raise ResponseFormatError(
            f"the server answered with an HTML page instead of the {document.name} XML; check that api_url is the "
            "platform's XML interface (e.g. http://lk.mysmpp.ru/xml)"
        )
    _check_shape(bytes(body))
    data = _schema_decode(document, bytes(body))
    if "error" in data:
        raise _platform_error(document, _text_of(data["error"]))
    return document.from_decoded(data)


class _Refused(Exception):
    """Raised from inside expat's callbacks to stop reading at once."""


_TOO_BIG_A_TREE = (
    f"the response nests deeper than {MAX_DEPTH} levels or holds more than {MAX_ELEMENTS} elements; "
    "a balance document never does, so it was refused"
)
_HAS_A_DTD = "the response declares a DTD or entities, which a balance document never does; refused for safety"


def _check_shape(body: bytes) -> None:
    """Refuse, in one linear expat pass, what costs xmlschema more than linear time or memory.

    Namespace declarations and attributes are the cases the size cap does not bound: 4 000
    declarations on one element (90 KB) cost xmlschema a quarter of a gigabyte, 16 000 several.
    Malformed XML is left to the schema's parser, which says where in its own words.
    """
    import xml.parsers.expat

    parser = xml.parsers.expat.ParserCreate()
    elements = depth = declarations = 0

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal elements, depth, declarations
        elements += 1
        depth += 1
        declarations += sum(1 for key in attributes if key == "xmlns" or key.startswith("xmlns:"))
        if elements > MAX_ELEMENTS or depth > MAX_DEPTH:
            raise _Refused(_TOO_BIG_A_TREE)
        if declarations > MAX_NAMESPACE_DECLARATIONS:
            raise _Refused(
                f"the response declares more than {MAX_NAMESPACE_DECLARATIONS} XML namespaces; a balance document "
                "declares none, and so many would cost the controller gigabytes to read, so it was refused"
            )
        if len(attributes) > MAX_ATTRIBUTES_PER_ELEMENT:
            raise _Refused(
                f"an element of the response has more than {MAX_ATTRIBUTES_PER_ELEMENT} attributes; a balance "
                "document never does, so it was refused"
            )

    def end(name: str) -> None:
        nonlocal depth
        depth -= 1

    def doctype(*_: object) -> None:
        raise _Refused(_HAS_A_DTD)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    try:
        parser.Parse(body, True)
    except _Refused as refused:
        raise ResponseFormatError(str(refused)) from None
    except (xml.parsers.expat.ExpatError, ValueError, LookupError):
        return  # not well-formed, or an encoding expat lacks: the schema's parser reports it


def _platform_error_kind(text: str) -> str:
    return _PLATFORM_ERRORS.get(" ".join(text.split()).casefold(), "unknown")


@contextmanager
def _capped_xml_limits() -> Iterator[None]:
    """Tighten xmlschema's process-wide element and depth limits for our decode only."""
    limits = xmlschema.limits
    saved = limits.MAX_XML_ELEMENTS, limits.MAX_XML_DEPTH
    limits.MAX_XML_ELEMENTS = min(saved[0], MAX_ELEMENTS)
    limits.MAX_XML_DEPTH = min(saved[1], MAX_DEPTH)
    try:
        yield
    finally:
        limits.MAX_XML_ELEMENTS, limits.MAX_XML_DEPTH = saved


def _schema_decode(document: Document[Any], body: bytes) -> dict[str, Any]:
    schema = schema_for(document)
    errors = xmlschema_errors
    try:
        with _decoding_lock, _capped_xml_limits():
            return schema.decode(io.BytesIO(body), validation="strict")
    except errors.XMLResourceExceeded:
        raise ResponseFormatError(_TOO_BIG_A_TREE) from None
    except errors.XMLResourceForbidden:
        raise ResponseFormatError(_HAS_A_DTD) from None
    except errors.XMLResourceError as exc:
        raise ResponseFormatError(f"the response is not well-formed XML: {_first_line(exc)}") from None
    except xmlschema.XMLSchemaValidationError as exc:
        raise ResponseFormatError(_validation_message(document, exc)) from None
    except errors.XMLSchemaException:
        # A namespaced or otherwise foreign root element: the schema has no declaration for it.
        raise ResponseFormatError(f"the response's root element is not the {document.name} document's <response>") from None


def _validation_message(document: Document[Any], exc: Any) -> str:
    path = exc.path or "/"
    reason = (exc.reason or "invalid content").splitlines()[0]
    if path.endswith("/sms") and "invalid value" in reason:
        reason += " (a count must be an integer, 'Unlim' or 'Безлимит')"
    return f"the response does not match the {document.name} schema at {path}: {one_line(reason, 200)}"


def _first_line(exc: Exception) -> str:
    lines = str(exc).strip().splitlines()
    return one_line(lines[0] if lines else type(exc).__name__, 200)


def _text_of(node: Any) -> str:
    """An element's text whether the converter gave a bare value or a dict with attributes."""
    if isinstance(node, dict):
        node = node.get("$")
    return "" if node is None else str(node)


PLATFORM_TEXT_LIMIT = 2000  # the platform's texts are one sentence; a megabyte of "error" is not one


def _platform_error(document: Document[Any], raw_text: str) -> PlatformError:
    text = one_line(raw_text, PLATFORM_TEXT_LIMIT)
    kind = _platform_error_kind(text)
    said = f'"{one_line(text, 200)}"' if text else "an empty error"
    return PlatformError(
        f"the platform refused {document.what}: {said}; {_PLATFORM_ERROR_HINTS[kind]}",
        kind=kind,
        text=text,
    )
