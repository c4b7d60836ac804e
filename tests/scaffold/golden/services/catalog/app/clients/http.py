"""Calls to other services: a timeout on every call (5 s by default), at most three retries
of network errors with exponential backoff, and the correlation id passed along."""

import asyncio
import logging
from typing import Any, Self

import httpx

from app.core.logging import CORRELATION_HEADER, correlation_id

logger = logging.getLogger(__name__)

# Answers that mean "try again later" rather than "your request is wrong".
RETRY_STATUSES = frozenset({502, 503, 504})


class ServiceUnavailable(Exception):
    """The other service did not answer after all retries."""


class ServiceClient:
    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 5.0,
        retries: int = 3,
        backoff: float = 0.2,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._client = httpx.AsyncClient(base_url=base_url, timeout=timeout, transport=transport)
        self._retries = retries
        self._backoff = backoff

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        current = correlation_id.get()
        if current:
            headers.setdefault(CORRELATION_HEADER, current)
        last_error: Exception | None = None
        for attempt in range(self._retries + 1):
            if attempt:
                await asyncio.sleep(self._backoff * 2 ** (attempt - 1))
            try:
                response = await self._client.request(method, path, headers=headers, **kwargs)
            except httpx.TransportError as exc:  # refused, reset, timed out: worth a retry
                last_error = exc
                logger.warning("call failed", extra={"path": path, "attempt": attempt + 1})
                continue
            if response.status_code not in RETRY_STATUSES:
                return response
            last_error = httpx.HTTPStatusError(
                f"{response.status_code} from {path}", request=response.request, response=response
            )
        raise ServiceUnavailable(f"{method} {path}: {last_error!r}") from last_error

    async def get_json(self, path: str) -> Any | None:
        """The JSON body of ``GET path``; None for 404; raises for other errors."""
        response = await self.request("GET", path)
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return response.json()
