"""The server's HTTP protocol turns Nagle's algorithm off even on a socket bound the way --workers N binds it."""

from __future__ import annotations

import asyncio
import socket

import uvicorn
from uvicorn.server import ServerState

from qa_service.web.protocol import HTTP_PROTOCOL, NoDelayHttpProtocol


async def _app(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})


def _nodelay_of_accepted_connection() -> tuple[int, bytes]:
    config = uvicorn.Config(_app, http=HTTP_PROTOCOL, lifespan="off", log_level="warning")
    config.load()
    assert config.http_protocol_class is NoDelayHttpProtocol
    state = ServerState()

    async def main() -> tuple[int, bytes]:
        loop = asyncio.get_running_loop()
        # proto=0, as uvicorn's Config.bind_socket makes the socket that its worker processes share.
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        server = await loop.create_server(
            lambda: config.http_protocol_class(config=config, server_state=state, app_state={}), sock=listener
        )
        try:
            reader, writer = await asyncio.open_connection(*listener.getsockname())
            writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            await writer.drain()
            response = await reader.readuntil(b"ok")
            (connection,) = state.connections
            accepted = connection.transport.get_extra_info("socket")
            flag = accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            writer.close()
            return flag, response
        finally:
            server.close()

    return asyncio.run(main())


def test_connections_accepted_on_a_proto_0_socket_have_nodelay():
    flag, response = _nodelay_of_accepted_connection()
    assert response.startswith(b"HTTP/1.1 200")
    assert flag != 0
