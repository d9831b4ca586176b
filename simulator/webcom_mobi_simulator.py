# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A local stand-in for the Webcom Mobi platform's XML balance endpoint.

Standard library only, and independent of the collection's codec: it implements the
documented behaviour (docs/simulator.md) so tests, demos and CI can run without a real
account. It serves POST <base>/xml/balance.php and a small JSON admin API under /admin/.

    python3 simulator/webcom_mobi_simulator.py --port 0            # demo account, free port
    python3 simulator/webcom_mobi_simulator.py --config accounts.json --port 8080
    python3 simulator/webcom_mobi_simulator.py --detach --pid-file sim.pid --env-file sim.env
    python3 simulator/webcom_mobi_simulator.py --stop --pid-file sim.pid
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import ssl
import sys
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

BALANCE_PATH = "/xml/balance.php"
SENDERS_PATH = "/xml/originator.php"
SENDER_ATTRIBUTES = {"state": "state", "operator": "operator", "mcc": "MCC", "mnc": "MNC",
                     "template": "template", "comment": "comment", "history": "history"}
UNLIMITED = "unlimited"
TEXTS = {
    "format": {"en": "Incorrect XML document format", "ru": "Неправильный формат XML документа"},
    "auth": {"en": "Incorrect login or password", "ru": "Неправильный логин или пароль"},
    "missing_post": {"en": "POST data is missing", "ru": "POST данные отсутствуют"},
    "locked": {"en": "Your account is locked", "ru": "Ваш аккаунт заблокирован"},
}
UNLIMITED_TEXT = {"en": "Unlim", "ru": "Безлимит"}
FAULT_KINDS = ("delay", "status", "html", "non_xml", "truncated", "oversized", "error_200", "drop", "echo")
DEMO_CONFIG: dict[str, Any] = {
    "accounts": [
        {
            "name": "demo",
            "login": "demo",
            "password": "demo-password",
            "token": "demo-token",
            "money": "10",
            "prices": {"Russia": "1", "Ukraine": "2"},
            "senders": [{"name": "WebcomDemo", "state": "completed"}, {"name": "DemoPromo", "state": "order"}],
        }
    ]
}


class SimulatorError(ValueError):
    """A configuration or admin request the simulator cannot accept."""


@dataclass
class Account:
    name: str
    money: Decimal
    prices: dict[str, Decimal | None]  # None: unlimited
    login: str | None = None
    password: str | None = None
    token: str | None = None
    currency: str | None = None
    language: str = "en"
    locked: bool = False
    requests: int = 0
    any_sender: bool = False
    senders: list[dict[str, str]] = field(default_factory=list)  # name + the documented attributes, as sent
    sender_requests: int = 0
    drain_per_hour: Decimal = Decimal(0)  # money spent continuously (POST /admin/drain)
    drain_from: tuple[Decimal, float] | None = None  # the money and monotonic time the drain counts from

    def counts(self) -> list[tuple[str, int | None]]:
        return [
            (area, None if price is None else max(0, int((self.money / price).to_integral_value(rounding="ROUND_FLOOR"))))
            for area, price in self.prices.items()
        ]

    def spend(self, area: str, count: int) -> None:
        if area not in self.prices:
            raise SimulatorError(f"account {self.name!r} has no area {area!r}")
        if count < 0:
            raise SimulatorError("count must not be negative")
        cost = (self.prices[area] or Decimal(0)) * count
        if cost > self.money:
            raise SimulatorError(f"not enough money: {count} SMS to {area} cost {cost}, the account has {self.money}")
        self.money -= cost

    def settle(self) -> None:
        """Take what the running drain has spent by now, to the cent and never below zero."""
        if self.drain_from is None:
            return
        start_money, since = self.drain_from
        spent = self.drain_per_hour * Decimal(repr(time.monotonic() - since)) / 3600
        self.money = max(min(Decimal(0), start_money), (start_money - spent).quantize(Decimal("0.01"), rounding=ROUND_FLOOR))

    def restart_drain(self) -> None:
        """Count the drain from the money as it is now (after a top-up, a spend or a new rate)."""
        self.drain_from = (self.money, time.monotonic()) if self.drain_per_hour > 0 else None


@dataclass
class Fault:
    kind: str
    times: int | None = None  # None: forever
    account: str | None = None  # None: any request
    status: int = 503
    retry_after: str | None = None
    seconds: float = 0.0
    error: str = "auth"
    location: str | None = None

    def applies_to(self, account: Account | None) -> bool:
        return self.account is None or (account is not None and account.name == self.account)


@dataclass
class Platform:
    accounts: list[Account]
    language: str = "en"
    error_status: int = 400
    one_line_only: bool = True
    faults: list[Fault] = field(default_factory=list)
    total_requests: int = 0
    proxied_requests: int = 0
    last_headers: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def account(self, name: str) -> Account:
        for account in self.accounts:
            if account.name == name:
                return account
        raise SimulatorError(f"no account named {name!r}")

    def authenticate(self, credentials: dict[str, str]) -> Account | None:
        for account in self.accounts:
            if "token" in credentials:
                if account.token is not None and account.token == credentials["token"]:
                    return account
            elif account.login == credentials.get("login") and account.password == credentials.get("password"):
                return account
        return None

    def take_fault(self, account: Account | None) -> Fault | None:
        for fault in self.faults:
            if fault.applies_to(account) and (fault.times is None or fault.times > 0):
                if fault.times is not None:
                    fault.times -= 1
                return fault
        return None

    def stats(self) -> dict[str, Any]:
        return {
            "total_requests": self.total_requests,
            "proxied_requests": self.proxied_requests,
            "last_headers": dict(self.last_headers),
            "accounts": {
                a.name: {"requests": a.requests, "sender_requests": a.sender_requests, "money": str(_settled(a).money)}
                for a in self.accounts
            },
        }


# ------------------------------------------------------------------ configuration


def platform_from_config(config: dict[str, Any]) -> Platform:
    accounts = [_account(entry) for entry in config.get("accounts", [])]
    if not accounts:
        raise SimulatorError("the configuration needs at least one account")
    return Platform(
        accounts=accounts,
        language=_language(config.get("language", "en")),
        error_status=int(config.get("error_status", 400)),
        one_line_only=bool(config.get("one_line_only", True)),
        faults=[fault_from_config(entry) for entry in config.get("faults", [])],
    )


def fault_from_config(entry: dict[str, Any]) -> Fault:
    kind = entry.get("kind")
    if kind not in FAULT_KINDS:
        raise SimulatorError(f"fault kind must be one of {', '.join(FAULT_KINDS)}, got {kind!r}")
    known = {"kind", "times", "account", "status", "retry_after", "seconds", "error", "location"}
    if set(entry) - known:
        raise SimulatorError(f"unknown fault keys: {', '.join(sorted(set(entry) - known))}")
    return Fault(
        kind=kind,
        times=None if entry.get("times") is None else int(entry["times"]),
        account=entry.get("account"),
        status=int(entry.get("status", 200 if kind in ("truncated", "oversized", "error_200") else 503)),
        retry_after=None if entry.get("retry_after") is None else str(entry["retry_after"]),
        seconds=float(entry.get("seconds", 0)),
        error=entry.get("error", "auth"),
        location=entry.get("location"),
    )


def _account(entry: dict[str, Any]) -> Account:
    name = entry.get("name") or entry.get("login") or "account"
    if not entry.get("token") and not (entry.get("login") and entry.get("password")):
        raise SimulatorError(f"account {name!r} needs a token, or a login and a password")
    prices = {str(area): _price(name, area, price) for area, price in (entry.get("prices") or {}).items()}
    return Account(
        name=str(name),
        money=_decimal(entry.get("money", "0"), f"money of account {name!r}"),
        prices=prices,
        login=entry.get("login"),
        password=entry.get("password"),
        token=entry.get("token"),
        currency=entry.get("currency"),
        language=_language(entry.get("language", "en")),
        locked=bool(entry.get("locked", False)),
        any_sender=bool(entry.get("any_sender", False)),
        senders=[_sender(name, sender) for sender in entry.get("senders") or []],
    )


def _sender(account: str, entry: Any) -> dict[str, str]:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"].strip():
        raise SimulatorError(f"a sender of account {account!r} needs a name")
    unknown = set(entry) - {"name", *SENDER_ATTRIBUTES}
    if unknown:
        raise SimulatorError(f"unknown sender keys: {', '.join(sorted(unknown))}")
    return {key: str(value) for key, value in entry.items() if value is not None}


def _price(name: str, area: str, price: Any) -> Decimal | None:
    if price is None or str(price).lower() == UNLIMITED:
        return None
    value = _decimal(price, f"price of {area!r} in account {name!r}")
    if value <= 0:
        raise SimulatorError(f"price of {area!r} in account {name!r} must be positive (or 'unlimited')")
    return value


def _decimal(value: Any, what: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise SimulatorError(f"{what} must be a decimal number, got {value!r}") from None
    if not number.is_finite():
        raise SimulatorError(f"{what} must be finite")
    return number


def _language(value: Any) -> str:
    if value not in ("en", "ru"):
        raise SimulatorError(f"language must be 'en' or 'ru', got {value!r}")
    return value


def load_config(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    if path.suffix in (".yml", ".yaml"):
        try:
            import yaml
        except ImportError:
            raise SimulatorError("YAML configuration needs PyYAML; use a .json file instead") from None
        return yaml.safe_load(text) or {}
    return json.loads(text)


# ------------------------------------------------------------------ HTTP


def balance_document(account: Account) -> bytes:
    currency = f" currency={quoteattr(account.currency)}" if account.currency else ""
    lines = [f"<money{currency}>{account.money}</money>"]
    for area, count in account.counts():
        shown = UNLIMITED_TEXT[account.language] if count is None else str(count)
        lines.append(f"<sms area={quoteattr(area)}>{shown}</sms>")
    body = "\n".join("     " + line for line in lines)
    return f'<?xml version="1.0" encoding="utf-8" ?>\n<response>\n{body}\n</response>\n'.encode()


def senders_document(account: Account) -> bytes:
    """The sender list as the platform's page shows it: the flag, then the list unless any name may be used."""
    lines = [f"<any_originator>{'TRUE' if account.any_sender else 'FALSE'}</any_originator>"]
    if not account.any_sender:
        lines.append("<list_originator>")
        for sender in account.senders:
            attributes = "".join(
                f" {xml_name}={quoteattr(sender[key])}" for key, xml_name in SENDER_ATTRIBUTES.items() if key in sender
            )
            lines.append(f"     <originator{attributes}>{escape(sender['name'])}</originator>")
        lines.append("</list_originator>")
    body = "\n".join("     " + line for line in lines)
    return f'<?xml version="1.0" encoding="utf-8" ?>\n<response>\n{body}\n</response>\n'.encode()


def error_document(text: str) -> bytes:
    return f'<?xml version="1.0" encoding="utf-8"?>\n<response>\n     <error>{escape(text)}</error>\n</response>\n'.encode()


def parse_request(body: bytes, one_line_only: bool) -> dict[str, str] | None:
    """The credentials in a balance request, or None when the document is not one."""
    if one_line_only and (b"\n" in body or b"\r" in body):
        return None
    if b"<!DOCTYPE" in body.upper():
        return None
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return None
    security = root.find("security") if root.tag == "request" else None
    if security is None:
        return None
    values = {child.tag: child.get("value") for child in security}
    if set(values) == {"token"} and values["token"]:
        return {"token": values["token"]}
    if set(values) == {"login", "password"} and values["login"] and values["password"] is not None:
        return {"login": values["login"], "password": values["password"]}
    return None


class Handler(BaseHTTPRequestHandler):
    server_version = "webcom-mobi-simulator/1"
    platform: Platform  # set by make_server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        if getattr(self.server, "verbose", False):
            sys.stderr.write("simulator: " + (format % args) + "\n")

    # -- platform
    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        if self.path.startswith("/admin/"):
            return self._admin()
        # A request in absolute form came through the simulator acting as an HTTP proxy.
        proxied = self.path.startswith("http://")
        path = "/" + self.path.split("/", 3)[3] if proxied and self.path.count("/") >= 3 else self.path
        if path not in (BALANCE_PATH, SENDERS_PATH):
            return self._send(404, b"not found", "text/plain")
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        platform = self.platform
        with platform.lock:
            platform.total_requests += 1
            platform.proxied_requests += proxied
            platform.last_headers = {name: self.headers.get(name, "") for name in ("Content-Type", "User-Agent")}
            credentials = parse_request(body, platform.one_line_only) if body else None
            account = platform.authenticate(credentials) if credentials else None
            if account is not None:
                account.requests += 1
                account.sender_requests += path == SENDERS_PATH
            fault = platform.take_fault(account)
        if fault is not None and self._fault(fault, account, body):
            return None
        if not body:
            return self._error("missing_post", platform.language)
        if credentials is None:
            return self._error("format", platform.language)
        if account is None:
            return self._error("auth", platform.language)
        if account.locked:
            return self._error("locked", account.language)
        with platform.lock:
            account.settle()
            document = balance_document(account) if path == BALANCE_PATH else senders_document(account)
        return self._send(200, document)

    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/admin/stats":
            with self.platform.lock:
                return self._json(200, self.platform.stats())
        if self.path in (BALANCE_PATH, SENDERS_PATH):
            return self._error("missing_post", self.platform.language)
        return self._send(404, b"not found", "text/plain")

    def _error(self, kind: str, language: str) -> None:
        self._send(self.platform.error_status, error_document(TEXTS[kind][language]))

    def _fault(self, fault: Fault, account: Account | None, body: bytes) -> bool:
        """Act out a fault; True when it answered the request."""
        if fault.kind == "delay":
            time.sleep(fault.seconds)
            return False
        if fault.kind == "drop":
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return True
        if fault.kind == "status":
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            if fault.location:
                headers["Location"] = fault.location
            self._send(fault.status, f"<html><body>{fault.status} error</body></html>".encode(), "text/html", headers)
        elif fault.kind == "html":
            page = b"<!DOCTYPE html>\n<html><head><title>Maintenance</title></head><body>Back soon</body></html>"
            self._send(fault.status, page, "text/html")
        elif fault.kind == "non_xml":
            self._send(fault.status, b"Internal Server Error", "text/plain")
        elif fault.kind == "truncated":
            document = balance_document(account) if account else error_document("x")
            self._send(fault.status, document[: len(document) // 2])
        elif fault.kind == "oversized":
            padding = b"<!-- " + b"x" * (1024 * 1024 + 1024) + b" -->"
            self._send(fault.status, b'<?xml version="1.0"?><response><money>1</money>' + padding + b"</response>")
        elif fault.kind == "echo":
            # A hostile or broken server that repeats the request, credentials and all.
            echoed = json.dumps(parse_request(body, one_line_only=False) or {}, ensure_ascii=False)
            self._send(fault.status if fault.status != 503 else 500, f"Bad request {echoed}".encode(), "text/plain")
        elif fault.kind == "error_200":
            language = account.language if account else self.platform.language
            self._send(200, error_document(TEXTS.get(fault.error, TEXTS["auth"])[language]))
        return True

    # -- admin (loopback test API: no authentication)
    def _admin(self) -> None:
        try:
            request = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            platform = self.platform
            with platform.lock:
                if self.path == "/admin/spend":
                    account = _settled(platform.account(request["account"]))
                    account.spend(request["area"], int(request["count"]))
                    account.restart_drain()
                    return self._json(200, {"money": str(account.money)})
                if self.path == "/admin/set":
                    account = _settled(platform.account(request["account"]))
                    if "money" in request:
                        account.money = _decimal(request["money"], "money")
                    if "locked" in request:
                        account.locked = bool(request["locked"])
                    account.restart_drain()
                    return self._json(200, {"money": str(account.money), "locked": account.locked})
                if self.path == "/admin/drain":
                    account = _settled(platform.account(request["account"]))
                    per_hour = _decimal(request["per_hour"], "per_hour")
                    if per_hour < 0:
                        raise SimulatorError("per_hour must not be negative")
                    account.drain_per_hour = per_hour
                    account.restart_drain()
                    return self._json(200, {"money": str(account.money), "per_hour": str(per_hour)})
                if self.path == "/admin/topup":
                    account = _settled(platform.account(request["account"]))
                    amount = _decimal(request["amount"], "amount")
                    if amount <= 0:
                        raise SimulatorError("amount must be positive")
                    account.money += amount
                    account.restart_drain()
                    return self._json(200, {"money": str(account.money)})
                if self.path == "/admin/senders":
                    account = platform.account(request["account"])
                    if "any_sender" in request:
                        account.any_sender = bool(request["any_sender"])
                    if "name" in request:
                        _set_sender(account, request)
                    return self._json(200, {"any_sender": account.any_sender, "senders": account.senders})
                if self.path == "/admin/faults":
                    platform.faults.append(fault_from_config(request))
                    return self._json(200, {"faults": len(platform.faults)})
                if self.path == "/admin/reset":
                    platform.faults.clear()
                    platform.total_requests = platform.proxied_requests = 0
                    for account in platform.accounts:
                        account.requests = account.sender_requests = 0
                    return self._json(200, {})
            return self._json(404, {"error": f"no admin endpoint {self.path}"})
        except (KeyError, ValueError, TypeError) as exc:
            return self._json(400, {"error": str(exc)})

    def _json(self, status: int, data: dict[str, Any]) -> None:
        self._send(status, json.dumps(data).encode(), "application/json")

    def _send(self, status: int, body: bytes, content_type: str = "text/xml; charset=utf-8",
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


def _set_sender(account: Account, request: dict[str, Any]) -> None:
    """Change the attributes (e.g. state) of every line of that name, or add the name."""
    changes = {key: str(request[key]) for key in SENDER_ATTRIBUTES if key in request}
    lines = [sender for sender in account.senders if sender["name"] == request["name"]]
    if not lines:
        account.senders.append(_sender(account.name, {"name": request["name"], **changes}))
    for sender in lines:
        sender.update(changes)


def _settled(account: Account) -> Account:
    account.settle()
    return account


def make_server(platform: Platform, host: str = "127.0.0.1", port: int = 0, verbose: bool = False) -> ThreadingHTTPServer:
    handler = type("BoundHandler", (Handler,), {"platform": platform})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    server.verbose = verbose  # type: ignore[attr-defined]
    return server


def serve_tls(server: ThreadingHTTPServer, cert: Path, key: Path | None) -> None:
    """Answer https:// only: for testing ca_path, or a client that must not warn about plain http."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    # The handshake happens on the handler's first read, in its own thread: a client that
    # never completes one cannot hold up the accept loop.
    server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)


def env_file_text(api_url: str) -> str:
    """NAME=value lines: `set -a; . FILE; set +a` in a shell, or append to $GITHUB_ENV."""
    return f"WEBCOM_API_URL={api_url}\nWEBCOM_SIMULATOR_URL={api_url[: -len('/xml')]}\n"


def _running_pid(pid_file: Path) -> int | None:
    """The pid in pid_file when that process is alive and is a simulator, else None."""
    try:
        pid = int(pid_file.read_text(encoding="utf-8").split()[0])
        os.kill(pid, 0)
    except (OSError, ValueError, IndexError):
        return None
    cmdline = Path(f"/proc/{pid}/cmdline")
    # Where /proc exists, make sure a recycled pid is not some other program of the user's.
    if cmdline.exists() and b"webcom_mobi_simulator" not in cmdline.read_bytes():
        return None
    return pid


def stop(pid_file: Path, wait_s: float = 10.0) -> int:
    """Stop the simulator whose pid is in pid_file; 0 when it is stopped (or was not running)."""
    pid = _running_pid(pid_file)
    if pid is None:
        pid_file.unlink(missing_ok=True)
        print(f"webcom.mobi simulator not running (no live simulator in {pid_file})")
        return 0
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except OSError:
            break
        time.sleep(0.05)
    else:
        print(f"simulator: pid {pid} did not stop within {wait_s:g} s of SIGTERM", file=sys.stderr)
        return 1
    pid_file.unlink(missing_ok=True)
    print(f"webcom.mobi simulator stopped (pid {pid})")
    return 0


def _detach(log_file: Path | None) -> None:
    """Continue in a child of a new session; the parent exits once the child says it is ready.

    The listening socket is bound before this, so the child inherits it and nothing can take
    the port in between. The child's stdio goes to log_file (or /dev/null): whoever started
    us (a CI step, Ansible's command module) waits for our output pipes to close.
    """
    ready_read, ready_write = os.pipe()
    if os.fork() > 0:
        os.close(ready_write)
        with os.fdopen(ready_read, "r", encoding="utf-8") as ready:
            line = ready.readline()
        if not line:
            print("simulator: the background process exited before it was ready"
                  + (f"; see {log_file}" if log_file else ""), file=sys.stderr)
            os._exit(1)
        sys.stdout.write(line)
        sys.stdout.flush()
        os._exit(0)
    os.close(ready_read)
    os.setsid()
    sink = os.open(str(log_file) if log_file else os.devnull, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    null_in = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null_in, 0)
    os.dup2(sink, 1)
    os.dup2(sink, 2)
    os.close(null_in)
    os.close(sink)
    os.environ["WEBCOM_SIMULATOR_READY_FD"] = str(ready_write)


def _announce(line: str) -> None:
    print(line, flush=True)
    ready_fd = os.environ.pop("WEBCOM_SIMULATOR_READY_FD", None)
    if ready_fd is not None:
        os.write(int(ready_fd), (line + "\n").encode())
        os.close(int(ready_fd))


def _stop_on_sigterm(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # serve_forever returns and the files we wrote are removed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Local stand-in for the Webcom Mobi XML balance endpoint.")
    parser.add_argument("--config", type=Path, help="JSON (or YAML, with PyYAML) file of accounts and faults")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind (default 0: a free one)")
    parser.add_argument("--port-file", type=Path, help="write the bound port to this file once listening")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    parser.add_argument("--detach", action="store_true",
                        help="run in the background; return once listening (POSIX only)")
    parser.add_argument("--pid-file", type=Path, help="write the server's pid here (removed when it stops)")
    parser.add_argument("--env-file", type=Path,
                        help="write WEBCOM_API_URL=... and WEBCOM_SIMULATOR_URL=... here (removed when it stops)")
    parser.add_argument("--log-file", type=Path, help="with --detach: where the server's output goes")
    parser.add_argument("--stop", action="store_true", help="stop the simulator named by --pid-file, and exit")
    parser.add_argument("--tls-cert", type=Path, help="serve https:// with this PEM certificate (and chain)")
    parser.add_argument("--tls-key", type=Path, help="the certificate's PEM private key (default: in --tls-cert)")
    args = parser.parse_args(argv)
    # The files outlive a --detach'ed start's working directory assumptions: make them absolute.
    for name in ("config", "port_file", "pid_file", "env_file", "log_file", "tls_cert", "tls_key"):
        if getattr(args, name) is not None:
            setattr(args, name, getattr(args, name).absolute())
    if args.stop:
        if args.pid_file is None:
            parser.error("--stop needs --pid-file")
        return stop(args.pid_file)
    if args.pid_file is not None and (pid := _running_pid(args.pid_file)) is not None:
        print(f"simulator: already running (pid {pid} in {args.pid_file}); stop it first with --stop", file=sys.stderr)
        return 1
    try:
        platform = platform_from_config(load_config(args.config) if args.config else DEMO_CONFIG)
        server = make_server(platform, args.host, args.port, args.verbose)
        if args.tls_cert:
            serve_tls(server, args.tls_cert, args.tls_key)
    except (SimulatorError, OSError, json.JSONDecodeError) as exc:
        print(f"simulator: {exc}", file=sys.stderr)
        return 2
    port = server.server_address[1]
    api_url = f"{'https' if args.tls_cert else 'http'}://{args.host}:{port}/xml"
    if args.detach:
        _detach(args.log_file)
        os.chdir("/")  # hold no directory of the caller's (paths above are absolute)
    written = [path for path in (args.port_file, args.pid_file, args.env_file) if path is not None]
    try:
        signal.signal(signal.SIGTERM, _stop_on_sigterm)
        if args.port_file:
            args.port_file.write_text(str(port), encoding="utf-8")
        if args.pid_file:
            args.pid_file.write_text(f"{os.getpid()}\n", encoding="utf-8")
        if args.env_file:
            args.env_file.write_text(env_file_text(api_url), encoding="utf-8")
        _announce(f"webcom.mobi simulator listening on {api_url}")
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if args.pid_file or args.env_file:  # files of a managed (CI) run go with it
            for path in written:
                path.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
