"""Valid request bodies, and rows created through the API, for the tests.

Every value comes from a fresh number, so unique columns differ within a test run.
"""

import datetime as dt
import itertools
from typing import Any

from httpx import AsyncClient, Response

from app.core.logging import CORRELATION_HEADER

_numbers = itertools.count(1)


def number() -> int:
    return next(_numbers)


def text_value(label: str, max_length: int | None = None) -> str:
    value = f"{number():x}-{label}"  # the unique part first: it survives truncation
    return value[:max_length] if max_length else value


def decimal_value(precision: int, scale: int) -> str:
    whole = number() % 10 ** max(min(precision - scale, 4), 0)
    return f"{whole}.{'5' * scale}" if scale else str(whole)


def date_value() -> str:
    return (dt.date(2024, 1, 1) + dt.timedelta(days=number() % 3000)).isoformat()


def datetime_value() -> str:
    moment = dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=number())
    return moment.isoformat().replace("+00:00", "Z")


def headers(correlation_id: str | None) -> dict[str, str]:
    return {CORRELATION_HEADER: correlation_id} if correlation_id else {}


def notification_payload() -> dict[str, Any]:
    return {
        "user_id": number(),
        "order_id": number(),
        "channel": "email",
        "kind": text_value("kind", 50),
        "recipient": text_value("recipient", 255),
        "subject": text_value("subject", 255),
        "body": text_value("body"),
        "payload": {"sample": number()},
        "sent_at": datetime_value(),
    }


async def post_notification(
    client: AsyncClient, correlation_id: str | None = None, overrides: dict[str, Any] | None = None
) -> Response:
    body = notification_payload()
    body.update(overrides or {})
    return await client.post("/api/notifications", json=body, headers=headers(correlation_id))


async def create_notification(
    client: AsyncClient, correlation_id: str | None = None, overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = await post_notification(client, correlation_id, overrides)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created
