"""The HTTP protocol the server runs: uvicorn's, with TCP_NODELAY set on every connection.

asyncio turns Nagle's algorithm off only for sockets created with ``proto=IPPROTO_TCP``. uvicorn's
``--workers N`` (N > 1) binds the shared listening socket with ``proto=0``, so the connections its
workers accept keep Nagle on, and on a kept-alive connection each small response then waits for the
client's delayed ACK: about 40 ms a request (measured in eval/bench.md). Setting the option per
connection makes one worker and many behave alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket

try:  # httptools is the fast parser; h11 (pure Python) is uvicorn's fallback
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _Base
except ImportError:  # pragma: no cover - httptools is a pinned dependency
    from uvicorn.protocols.http.h11_impl import H11Protocol as _Base


class NoDelayHttpProtocol(_Base):
    """uvicorn's HTTP/1.1 protocol with Nagle's algorithm off for the connection."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


HTTP_PROTOCOL = f"{__name__}:NoDelayHttpProtocol"
