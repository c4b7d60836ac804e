"""/health, /ready and the correlation id every response carries."""

from urllib.parse import urlsplit, urlunsplit

import pytest
from httpx import ASGITransport, AsyncClient

from app.core.config import Settings
from app.core.logging import CORRELATION_HEADER
from app.main import create_app

pytestmark = pytest.mark.anyio


def unreachable(url: str) -> str:
    """The same URL on port 1 of the same host: nothing listens there."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    host = netloc[-1].rsplit(":", 1)[0] + ":1"
    return urlunsplit(parts._replace(netloc="@".join([*netloc[:-1], host])))


async def test_health_checks_nothing_external(settings: Settings) -> None:
    offline = settings.model_copy(
        update={
            "postgres_port": 1,
            "rabbitmq_url": unreachable(settings.rabbitmq_url),
            "broker_connect_timeout": 0.2,
            "readiness_timeout": 1.0,
        }
    )
    app = create_app(offline)
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app=app)
        async with AsyncClient(transport=transport, base_url="http://service") as client:
            assert (await client.get("/health")).status_code == 200
            ready = await client.get("/ready")
    assert ready.status_code == 503
    assert ready.json()["checks"] == {"database": "down", "broker": "down"}


async def test_ready_when_database_and_broker_are_up(client: AsyncClient) -> None:
    response = await client.get("/ready")
    assert response.status_code == 200, response.text
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


async def test_correlation_id_is_echoed(client: AsyncClient) -> None:
    response = await client.get("/health", headers={CORRELATION_HEADER: "req-42"})
    assert response.headers[CORRELATION_HEADER] == "req-42"


async def test_correlation_id_is_generated_when_missing_or_unsafe(client: AsyncClient) -> None:
    generated = (await client.get("/health")).headers[CORRELATION_HEADER]
    assert len(generated) == 32
    unsafe = await client.get("/health", headers={CORRELATION_HEADER: "a b\tc"})
    assert unsafe.headers[CORRELATION_HEADER] not in ("a b\tc", generated)
