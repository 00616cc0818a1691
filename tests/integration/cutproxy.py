"""A TCP proxy in front of a real database server that cuts a connection at a chosen moment.

It lets a test lose a connection exactly where it hurts, with the real server and the real
driver on both sides: at the COMMIT of the k-th batch, either before the server saw it
(the batch is rolled back) or after (the batch is committed, but the client never hears
so: the outcome is unknown to it), or in the middle of a batch's INSERT.  It reads the
client's bytes only to find those moments: the query text of PostgreSQL's protocol (with
``sslmode=disable``) and MariaDB's COM_QUERY are plain in the stream.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass, field


@dataclass
class _Pair:
    client: socket.socket
    server: socket.socket
    armed: bool = False  # a ledger INSERT went by since the last COMMIT
    hold: bool = False  # swallow the server's answers: the client must not learn them

    def close(self) -> None:
        for s in (self.client, self.server):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                s.close()


@dataclass
class CutProxy:
    """Proxy ``host:port``; cut the ``at``-th ledgered batch ``when`` = "before-commit",
    "after-commit" or "mid-insert" (once: the reconnection goes through untouched)."""

    host: str
    port: int
    at: int
    when: str
    marker: bytes = b"INSERT INTO seedrunner_ledger ("
    seen: int = 0
    cut: bool = False
    _listener: socket.socket = field(init=False)
    _pairs: list[_Pair] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self._listener.getsockname()[1]}"

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._listener.close()
        for p in self._pairs:
            p.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection((self.host, self.port))
            pair = _Pair(client, server)
            self._pairs.append(pair)
            threading.Thread(target=self._upstream, args=(pair,), daemon=True).start()
            threading.Thread(target=self._downstream, args=(pair,), daemon=True).start()

    def _upstream(self, pair: _Pair) -> None:
        try:
            while chunk := pair.client.recv(1 << 16):
                if not self.cut and self._cut_here(pair, chunk):
                    return
                pair.server.sendall(chunk)
        except OSError:
            pass
        pair.close()

    def _cut_here(self, pair: _Pair, chunk: bytes) -> bool:
        """Cut now (True) or let ``chunk`` through (False).  ``seen`` counts the COMMITs
        of transactions that wrote the ledger: one per batch under ``transaction: batch``."""
        if self.marker in chunk:
            pair.armed = True
            if self.when == "mid-insert" and self.seen == self.at - 1:
                self.cut = True
                pair.server.sendall(chunk[: len(chunk) // 2])  # half a statement
                time.sleep(0.2)
                pair.close()
                return True
            return False
        if pair.armed and b"COMMIT" in chunk:
            pair.armed = False
            self.seen += 1
            if self.seen != self.at or self.when == "mid-insert":
                return False
            self.cut = True
            if self.when == "after-commit":
                pair.hold = True
                pair.server.sendall(chunk)
                time.sleep(0.5)  # the server commits; its answer never reaches the client
            pair.close()
            return True
        return False

    def _downstream(self, pair: _Pair) -> None:
        try:
            while chunk := pair.server.recv(1 << 16):
                if not pair.hold:
                    pair.client.sendall(chunk)
        except OSError:
            pass
        pair.close()
