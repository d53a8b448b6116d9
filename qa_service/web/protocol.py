"""The HTTP protocol the server runs: uvicorn's, with TCP_NODELAY set on every connection.

asyncio turns Nagle's algorithm off only for sockets created with ``proto=IPPROTO_TCP``. uvicorn's
``--workers N`` (N > 1) binds the shared listening socket with ``proto=0``, so the connections its
workers accept keep Nagle on, and on a kept-alive connection each small response then waits for the
client's delayed ACK: about 40 ms a request (measured in eval/bench.md). Setting the option per
connection makes one worker and many behave alike.

It also bounds what a client can hold (uvicorn's httptools protocol has no such limits): the request line
and headers at most ``QA_MAX_HEADER_BYTES`` (else 431), sent within ``QA_HEADER_TIMEOUT`` seconds of the
connection opening or the request starting (an idle or slow connection is closed, with 408 when it had
sent part of a request), and a body within ``QA_BODY_TIMEOUT`` seconds. The kept-alive idle time and the
connection cap are uvicorn's own ``timeout_keep_alive`` and ``limit_concurrency`` (set by ``serve``).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import socket
import time

try:  # httptools is the fast parser; h11 (pure Python) is uvicorn's fallback
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _Base
except ImportError:  # pragma: no cover - httptools is a pinned dependency
    from uvicorn.protocols.http.h11_impl import H11Protocol as _Base


log = logging.getLogger(__name__)
_END_OF_HEADERS = b"\r\n\r\n"
_431 = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
_408 = b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"


@functools.lru_cache(maxsize=1)
def limits() -> tuple[int, float, float]:
    """(max header bytes, header timeout s, body timeout s) from the settings, read once per process."""
    from qa_service.config import get_settings

    s = get_settings()
    return s.max_header_bytes, s.header_timeout, s.body_timeout


class _Closed:
    """Counts connections closed for a limit; logs at most every 5 s so a flood cannot flood the log."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.last = 0.0

    def __call__(self, why: str) -> None:
        self.counts[why] = self.counts.get(why, 0) + 1
        now = time.monotonic()
        if now - self.last >= 5.0:
            log.warning("closed connections: %s", ", ".join(f"{n} {w}" for w, n in sorted(self.counts.items())))
            self.counts, self.last = {}, now


closed = _Closed()


class NoDelayHttpProtocol(_Base):
    """uvicorn's HTTP/1.1 protocol with Nagle's algorithm off, and header and time limits per connection."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
        self._max_header, self._header_timeout, self._body_timeout = limits()
        self._in_headers = True
        self._header_bytes = 0
        self._tail = b""
        self._deadline: asyncio.TimerHandle | None = None
        self._arm(self._header_timeout, "headers")  # an idle connection counts as a slow one

    def _arm(self, seconds: float, phase: str) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._expired, phase)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self, phase: str) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if phase == "headers":
            closed("idle" if self._header_bytes == 0 else "slow headers")
            if self._header_bytes:
                self.transport.write(_408)
        else:  # the application may be reading the body: no response of our own, just hang up
            closed("slow body")
        self.transport.close()

    def data_received(self, data: bytes) -> None:
        if self._in_headers:
            if self._deadline is None:  # the first bytes of the next request on a kept-alive connection
                self._arm(self._header_timeout, "headers")
            window = self._tail + data
            end = window.find(_END_OF_HEADERS)
            self._header_bytes += len(data) if end < 0 else max(0, end + len(_END_OF_HEADERS) - len(self._tail))
            if self._header_bytes > self._max_header:
                closed("headers too large")
                self._disarm()
                self.transport.write(_431)
                self.transport.close()
                return
            if end < 0:
                self._tail = window[-(len(_END_OF_HEADERS) - 1) :]
            else:
                self._in_headers, self._tail = False, b""
                self._arm(self._body_timeout, "body")  # on_message_complete disarms it
        super().data_received(data)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._disarm()
        self._in_headers, self._header_bytes, self._tail = True, 0, b""

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


HTTP_PROTOCOL = f"{__name__}:NoDelayHttpProtocol"
