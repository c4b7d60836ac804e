"""Calls to other services: retried on network errors (at most three times, with backoff),
bounded by a timeout, and carrying the correlation id."""

import asyncio
import json
from types import TracebackType
from typing import Self

import pytest

from app.clients.http import ServiceClient, ServiceUnavailable
from app.core.logging import CORRELATION_HEADER, correlation_id

pytestmark = pytest.mark.anyio


class FlakyServer:
    """A real HTTP server on localhost that drops its first ``failures`` connections and
    then answers with the correlation id it received; ``stall`` makes it never answer."""

    def __init__(self, failures: int = 0, *, stall: bool = False) -> None:
        self.failures = failures
        self.stall = stall
        self.requests: list[bytes] = []
        self.url = ""
        self._release = asyncio.Event()

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._release.set()
        self._server.close()
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await reader.readuntil(b"\r\n\r\n")
        self.requests.append(request)
        if self.stall:
            await self._release.wait()
        if len(self.requests) > self.failures:
            headers = {}
            for line in request.decode().split("\r\n")[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            body = json.dumps({"correlation_id": headers.get(CORRELATION_HEADER.lower())})
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n{body}".encode()
            )
            await writer.drain()
        writer.close()


async def test_network_errors_are_retried_and_correlation_id_passed_on() -> None:
    token = correlation_id.set("corr-77")
    try:
        server = FlakyServer(failures=2)
        async with server, ServiceClient(server.url, backoff=0.01) as client:
            body = await client.get_json("/anything")
    finally:
        correlation_id.reset(token)
    assert body == {"correlation_id": "corr-77"}
    assert len(server.requests) == 3


async def test_gives_up_after_three_retries() -> None:
    server = FlakyServer(failures=100)
    async with server, ServiceClient(server.url, backoff=0.01) as client:
        with pytest.raises(ServiceUnavailable):
            await client.get_json("/anything")
    assert len(server.requests) == 4


async def test_every_call_has_a_timeout() -> None:
    server = FlakyServer(stall=True)
    async with server, ServiceClient(server.url, timeout=0.3, retries=0) as client:
        started = asyncio.get_running_loop().time()
        with pytest.raises(ServiceUnavailable):
            await client.get_json("/anything")
    assert asyncio.get_running_loop().time() - started < 5
