"""An HTTP server on a real socket for the http handler tests, scripted per request.

Each request takes the next scripted ``Reply`` (then the default, 201): a status with
headers and a body, a stall before answering, a dropped connection, a redirect, something
to do once the rows are stored and before the answer (``then``: kill the client).  The
server records every request (method, path, headers, body) and, like a real API that
honours ``Idempotency-Key``, stores a batch once: a request whose key was already
accepted gets the first answer again and stores nothing.  ``rows`` are the rows stored;
``DELETE /any/path/<id>`` removes the stored rows whose ``id`` is <id> (204), or answers
404 when there is none.
"""

from __future__ import annotations

import json
import socket
import struct
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 201
    body: Any = None  # bytes/str as they are, anything else as JSON; None: the default answer
    headers: dict[str, str] = field(default_factory=dict)
    stall: float = 0.0  # seconds between taking the request (and storing it) and answering
    drop: bool = False  # read the request, store nothing, reset the connection
    then: Callable[[], None] | None = None  # run after storing, before answering

    @classmethod
    def redirect(cls, location: str, status: int = 307) -> Reply:
        return cls(status, body=b"", headers={"Location": location})


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes
    status: int | None = None  # what was answered (None: dropped)
    duplicate: bool = False  # its key had been accepted before: nothing stored
    at: float = field(default_factory=time.monotonic)  # when it arrived

    @property
    def json(self) -> Any:
        return json.loads(self.body)


def rows_of(body: bytes) -> list[dict[str, Any]] | None:
    """The rows of a request body (a bare array or a one-key envelope); None if not a batch."""
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    if isinstance(payload, dict) and len(payload) == 1:
        payload = next(iter(payload.values()))
    return payload if isinstance(payload, list) else None


class RecordingServer:
    """Start with ``with RecordingServer() as server:``; ``server.url`` is its root."""

    def __init__(
        self,
        *,
        assign_ids: bool = False,
        key_header: str = "Idempotency-Key",
        tls: Any = None,  # an ssl.SSLContext (server side): serve https://
    ) -> None:
        self.assign_ids = assign_ids  # 2xx answers carry [{"id": n}, ...], one per row
        self.key_header = key_header.lower()
        self.requests: list[Received] = []
        self.errors: list[str] = []  # exceptions in request threads: a bug in the test server
        self.rows: list[dict[str, Any]] = []
        self._script: deque[Reply] = deque()
        self._answers: dict[str, tuple[int, bytes]] = {}  # accepted key -> first answer
        self._next_id = 1
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self.scheme = "http"
        if tls is not None:
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)
            self.scheme = "https"
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"{self.scheme}://{host!s}:{port}"

    def script(self, *replies: Reply) -> RecordingServer:
        with self._lock:
            self._script.extend(replies)
        return self

    @property
    def stored(self) -> list[Received]:
        """The requests whose rows were stored (acknowledged, not a duplicate)."""
        return [r for r in self.requests if r.status and 200 <= r.status < 300 and not r.duplicate]

    def __enter__(self) -> RecordingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()
        if self.errors and exc[0] is None:
            raise AssertionError("the test server failed: " + "; ".join(self.errors))

    # -- called from the request threads ----------------------------------------------

    def answer(self, received: Received) -> tuple[Reply, int, bytes]:
        """Decide the reply; stores the rows of an accepted, not yet seen batch."""
        with self._lock:
            self.requests.append(received)
            if received.method == "DELETE":
                return self._delete(received)
            key = received.headers.get(self.key_header)
            if key is not None and key in self._answers:
                received.duplicate = True
                status, body = self._answers[key]
                received.status = status
                return Reply(status), status, body
            reply = self._script.popleft() if self._script else Reply()
            if reply.drop:
                return reply, 0, b""
            body = self._body(reply, received)
            received.status = reply.status
            rows = rows_of(received.body)
            if 200 <= reply.status < 300 and rows is not None:
                self.rows.extend(rows)
                if key is not None:
                    self._answers[key] = (reply.status, body)
            return reply, reply.status, body

    def _delete(self, received: Received) -> tuple[Reply, int, bytes]:
        wanted = received.path.rstrip("/").rsplit("/", 1)[-1]
        kept = [r for r in self.rows if str(r.get("id")) != wanted]
        status = 204 if len(kept) < len(self.rows) else 404
        self.rows[:] = kept
        received.status = status
        return Reply(status), status, b""

    def _body(self, reply: Reply, received: Received) -> bytes:
        if isinstance(reply.body, bytes):
            return reply.body
        if isinstance(reply.body, str):
            return reply.body.encode()
        if reply.body is not None or not 200 <= reply.status < 300:
            return json.dumps(reply.body).encode()
        rows = rows_of(received.body) or []
        if not self.assign_ids:
            return json.dumps({"accepted": len(rows)}).encode()
        ids = [{"id": self._next_id + i} for i in range(len(rows))]
        self._next_id += len(rows)
        payload = json.loads(received.body or b"null")
        if payload and isinstance(payload, dict):
            return json.dumps({next(iter(payload)): ids}).encode()
        return json.dumps(ids).encode()

    def stall(self, seconds: float) -> None:
        self._stop.wait(seconds)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: RecordingServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (read timeout) makes a late answer fail: not an error.
        Anything else is a bug here, reported when the server stops."""
        error = sys.exc_info()[1]
        if not isinstance(error, OSError):
            self.owner.errors.append(f"{type(error).__name__}: {error}")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real APIs do
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall
    timeout = 5  # an idle kept-alive connection does not hold the server past a test
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_GET(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        received = Received(
            self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body
        )
        owner = self.server.owner
        reply, status, payload = owner.answer(received)
        if reply.drop:
            self._reset()
            return
        if reply.then is not None:
            reply.then()
        if reply.stall:
            owner.stall(reply.stall)
        try:
            self.send_response(status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    def _reset(self) -> None:
        """Close with RST: the client sees the connection die with no answer."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
