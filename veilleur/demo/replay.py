"""A loopback HTTP server that replays recorded portal responses, for the demo and the tests.

Two kinds of content, combinable in one server:

* ``Cassette``: a directory with ``index.json``, a list of entries
  ``{"method", "path", "query" (subset that must match), "body_contains" (POST), "status",
  "headers", "file"}``; the first matching entry answers with the file's bytes.
* ``OpendatasoftEmulator``: recorded records of Opendatasoft datasets served through the
  Explore API v2.1 ``/records`` and ``/exports/json`` endpoints, with the real API's rules:
  ``limit`` at most 100, ``offset + limit`` at most 10 000 (configurable to test splitting),
  ``where`` with date and equality conditions joined by AND, ``order_by``.

``faults`` lets a test make the server misbehave: a callable getting (method, path, query) and
returning ``(status, headers, body)`` or ``None``.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["Cassette", "Fault", "OpendatasoftEmulator", "ReplayServer", "Reply"]

Reply = tuple[int, dict[str, str], bytes]
Fault = Callable[[str, str, dict[str, str]], Reply | None]

_ODS_PATH = re.compile(r"^/api/explore/v2\.1/catalog/datasets/([^/]+)/(records|exports/json)$")
_DATE_COND = re.compile(r"^(\w+)\s*(>=|<=|>|<|=)\s*date'(\d{4}-\d{2}-\d{2})'$")
_EQ_COND = re.compile(r"^(\w+)\s*=\s*[\"']([^\"']*)[\"']$")


def _json_reply(status: int, payload: Any) -> Reply:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return status, {"Content-Type": "application/json; charset=utf-8"}, body


@dataclass
class OpendatasoftEmulator:
    datasets: dict[str, list[dict[str, Any]]]
    offset_cap: int = 10_000
    max_limit: int = 100
    #: keep the last selections (same where and order, other offsets): a bench serving 100 000
    #: records would otherwise filter and sort them all for every page; off by default, since
    #: a test may change the records between two crawls
    cache_selections: bool = False
    _selections: dict[tuple[str, str, str], list[dict[str, Any]]] = field(
        default_factory=dict, repr=False
    )
    _cache_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _conditions(self, where: str) -> list[Callable[[dict[str, Any]], bool]]:
        conditions: list[Callable[[dict[str, Any]], bool]] = []
        if not where.strip():
            return conditions
        for clause in re.split(
            r"\s+AND\s+", where.replace("(", " ").replace(")", " ").strip(), flags=re.I
        ):
            clause = clause.strip()
            match = _DATE_COND.match(clause)
            if match:
                name, op, value = match.groups()
                bound = date.fromisoformat(value)
                conditions.append(_date_condition(name, op, bound))
                continue
            match = _EQ_COND.match(clause)
            if match:
                name, value = match.groups()
                conditions.append(_eq_condition(name, value))
                continue
            raise ValueError(f"unsupported ODSQL clause: {clause}")
        return conditions

    def _select(self, records: list[dict[str, Any]], query: dict[str, str]) -> list[Any]:
        conditions = self._conditions(query.get("where", ""))
        selected = [r for r in records if all(c(r) for c in conditions)]
        for part in reversed(
            [p.strip() for p in query.get("order_by", "").split(",") if p.strip()]
        ):
            name, _, direction = part.partition(" ")
            selected.sort(
                key=_sort_key(name),
                reverse=direction.strip().upper() == "DESC",
            )
        return selected

    def handle(self, method: str, path: str, query: dict[str, str]) -> Reply | None:
        match = _ODS_PATH.match(path)
        if not match or method != "GET":
            return None
        dataset, endpoint = match.groups()
        records = self.datasets.get(dataset)
        if records is None:
            return _json_reply(404, {"error_code": "DatasetNotFound", "message": dataset})
        cache_key = (dataset, query.get("where", ""), query.get("order_by", ""))
        selected = self._selections.get(cache_key) if self.cache_selections else None
        if selected is None:
            try:
                selected = self._select(records, query)
            except ValueError as exc:
                return _json_reply(400, {"error_code": "ODSQLError", "message": str(exc)})
            if self.cache_selections:
                with self._cache_lock:  # the server answers from several threads
                    while len(self._selections) >= 16:
                        self._selections.pop(next(iter(self._selections)))
                    self._selections[cache_key] = selected
        if endpoint == "exports/json":
            return _json_reply(200, selected)
        try:
            limit = int(query.get("limit", "10"))
            offset = int(query.get("offset", "0"))
        except ValueError:
            return _json_reply(400, {"error_code": "InvalidRESTParameterError"})
        if limit > self.max_limit or limit < 0 or offset < 0:
            return _json_reply(
                400,
                {
                    "error_code": "InvalidRESTParameterError",
                    "message": f"Invalid value for limit ({limit})",
                },
            )
        if offset + limit > self.offset_cap:
            return _json_reply(
                400,
                {
                    "error_code": "InvalidRESTParameterError",
                    "message": "offset + limit must be lower than 10000",
                },
            )
        return _json_reply(
            200, {"total_count": len(selected), "results": selected[offset : offset + limit]}
        )


def _eq_condition(name: str, value: str) -> Callable[[dict[str, Any]], bool]:
    return lambda record: str(record.get(name)) == value


def _sort_key(name: str) -> Callable[[dict[str, Any]], tuple[bool, str]]:
    return lambda record: (record.get(name) is None, str(record.get(name) or ""))


def _date_condition(name: str, op: str, bound: date) -> Callable[[dict[str, Any]], bool]:
    def check(record: dict[str, Any]) -> bool:
        raw = record.get(name)
        if not raw:
            return False
        try:
            value = date.fromisoformat(str(raw)[:10])
        except ValueError:
            return False
        return {
            ">=": value >= bound,
            ">": value > bound,
            "<=": value <= bound,
            "<": value < bound,
            "=": value == bound,
        }[op]

    return check


@dataclass
class Cassette:
    directory: Path
    entries: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        index = self.directory / "index.json"
        if index.exists() and not self.entries:
            self.entries = json.loads(index.read_text(encoding="utf-8"))

    def handle(
        self, method: str, path: str, query: dict[str, str], body: bytes = b""
    ) -> Reply | None:
        for entry in self.entries:
            if entry.get("method", "GET").upper() != method or entry["path"] != path:
                continue
            wanted = entry.get("query", {})
            if any(query.get(k) != str(v) for k, v in wanted.items()):
                continue
            needle = entry.get("body_contains")
            if needle and needle.encode("utf-8") not in body:
                continue
            data = (self.directory / entry["file"]).read_bytes() if entry.get("file") else b""
            return int(entry.get("status", 200)), dict(entry.get("headers", {})), data
        return None


class ReplayServer:
    """``with ReplayServer(ods=..., cassettes=[...]) as server: server.url``"""

    def __init__(
        self,
        *,
        ods: OpendatasoftEmulator | None = None,
        cassettes: list[Cassette] | None = None,
        faults: list[Fault] | None = None,
        port: int = 0,
    ) -> None:
        self.ods = ods
        self.cassettes = cassettes or []
        self.faults = faults or []
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}"

    def _answer(self, method: str, target: str, body: bytes) -> Reply:
        parts = urlsplit(target)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        with self._lock:
            self.requests.append((method, parts.path, query))
        for fault in self.faults:
            reply = fault(method, parts.path, query)
            if reply is not None:
                return reply
        if self.ods is not None:
            reply = self.ods.handle(method, parts.path, query)
            if reply is not None:
                return reply
        for cassette in self.cassettes:
            reply = cassette.handle(method, parts.path, query, body)
            if reply is not None:
                return reply
        return 404, {"Content-Type": "text/plain"}, b"not recorded"

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _respond(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, headers, data = server._answer(method, self.path, body)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if method != "HEAD":
                    self.wfile.write(data)

            def do_GET(self) -> None:
                self._respond("GET")

            def do_POST(self) -> None:
                self._respond("POST")

            def do_HEAD(self) -> None:
                self._respond("HEAD")

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler

    def start(self) -> ReplayServer:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
