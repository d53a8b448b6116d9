"""ASGI middleware that bounds what one client can make the server do, and sets the security headers.

* :class:`BodyLimit`: a body over the limit gets 413 before it is parsed: at once from its
  ``Content-Length``, or as soon as the streamed (chunked) bytes pass the limit. (FastAPI's own
  ``max_body_size`` does the same but answers in plain text, outside the error handlers, so its 413 would
  break the one JSON error shape the API promises and miss the security headers.)
* :class:`LoadShedding`: past ``max_in_flight`` requests in progress, a new one gets 503 with
  ``Retry-After`` at once instead of queueing for seconds (``/healthz`` is never shed).
* :class:`SecurityHeaders`: CSP, ``X-Content-Type-Options``, ``X-Frame-Options`` and ``Referrer-Policy`` on
  every response, and a ``Location`` never built from the client's ``Host`` header (made relative).

Plain ASGI (no request objects): they run before FastAPI reads anything.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# The page and the API need nothing from elsewhere; /docs (Swagger UI) and /redoc start with inline scripts.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)
NEVER_SHED = frozenset({"/healthz"})


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value
    return None


async def _send_error(send: Send, status: int, msg: str, type_: str, headers: tuple = ()) -> None:
    body = json.dumps({"detail": [{"loc": [], "msg": msg, "type": type_}]}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class _Throttled:
    """A warning at most every ``every`` seconds, with how many times it happened meanwhile."""

    def __init__(self, what: str, every: float = 5.0) -> None:
        self.what, self.every, self.count, self.last = what, every, 0, 0.0

    def __call__(self, detail: str) -> None:
        self.count += 1
        now = time.monotonic()
        if now - self.last >= self.every:
            log.warning("%s (%d since the last warning): %s", self.what, self.count, detail)
            self.count, self.last = 0, now


class BodyLimit:
    """413 for a body over ``max_bytes`` (or the limit ``limits`` gives its path prefix), before parsing."""

    def __init__(self, app: ASGIApp, max_bytes: int, limits: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.limits = limits or {}  # path prefix -> bytes (the uploads route takes larger bodies)
        self._warn = _Throttled("request bodies refused for their size")

    def limit_for(self, path: str) -> int:
        return max((n for prefix, n in self.limits.items() if path.startswith(prefix)), default=self.max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _header(scope, b"content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            self._warn(f"{scope['method']} {scope['path']} declared {int(declared):,} bytes")
            await _send_error(send, 413, _too_large(limit), "body_too_large")
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    self._warn(f"{scope['method']} {scope['path']} streamed over {limit:,} bytes")
                    # FastAPI passes an HTTPException raised while reading the body on to the error handlers.
                    raise HTTPException(413, _too_large(limit), headers={"Connection": "close"})
            return message

        await self.app(scope, limited, send)


def _too_large(limit: int) -> str:
    return f"request body too large: at most {limit:,} bytes (QA_MAX_BODY_BYTES)"


class LoadShedding:
    """503 with ``Retry-After`` when ``max_in_flight`` requests are already in progress (one event loop)."""

    def __init__(self, app: ASGIApp, max_in_flight: int, retry_after_s: int = 1) -> None:
        self.app = app
        self.max_in_flight = max_in_flight
        self.retry_after = str(retry_after_s).encode()
        self.in_flight = 0
        self.shed = 0
        self._warn = _Throttled("requests shed under load")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in NEVER_SHED:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.max_in_flight:
            self.shed += 1
            self._warn(f"{self.in_flight} requests in flight (QA_MAX_IN_FLIGHT={self.max_in_flight})")
            await _send_error(
                send,
                503,
                f"the server is busy ({self.in_flight} requests in progress); retry in {self.retry_after.decode()} s",
                "overloaded",
                ((b"retry-after", self.retry_after),),
            )
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1


def _relative(location: bytes) -> bytes:
    """``http://evil.example/x?y`` -> ``/x?y``: a redirect never sends a client to the host it claimed."""
    parts = urlsplit(location.decode("latin-1"))
    if not parts.scheme and not parts.netloc:
        return location
    path = parts.path or "/"
    return (path + (f"?{parts.query}" if parts.query else "")).encode("latin-1")


def security_headers(path: str) -> list[tuple[bytes, bytes]]:
    """The security headers of a response to ``path`` (/docs and /redoc get a CSP that allows their scripts)."""
    csp = DOCS_CSP if path.startswith(("/docs", "/redoc")) else CSP
    return [*SECURITY_HEADERS, (b"content-security-policy", csp.encode())]


class SecurityHeaders:
    """The security headers on every HTTP response, and relative redirects.

    Starlette sends the response of an unhandled exception (500) from its outermost middleware, outside this
    one: :func:`qa_service.web.errors.install_error_handlers` adds :func:`security_headers` to it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = security_headers(scope["path"])

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() != b"location"]
                for key, value in message.get("headers", ()):
                    if key.lower() == b"location":
                        headers.append((b"location", _relative(value)))
                present = {k.lower() for k, _v in headers}
                headers += [(k, v) for k, v in wanted if k not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
