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


def payment_payload() -> dict[str, Any]:
    return {
        "order_id": number(),
        "amount": decimal_value(10, 2),
        "currency": text_value("currency", 3),
        "status": "pending",
        "card_last4": text_value("card_last4", 4),
        "transaction_id": text_value("transaction_", 64),
        "failure_message": text_value("failure_mess", 255),
    }


def refund_payload(payment_id: int) -> dict[str, Any]:
    return {
        "payment_id": payment_id,
        "amount": decimal_value(10, 2),
        "reason": text_value("reason", 255),
        "transaction_id": text_value("transaction_", 64),
    }


async def post_payment(
    client: AsyncClient, correlation_id: str | None = None, overrides: dict[str, Any] | None = None
) -> Response:
    body = payment_payload()
    body.update(overrides or {})
    return await client.post("/api/payments", json=body, headers=headers(correlation_id))


async def create_payment(
    client: AsyncClient, correlation_id: str | None = None, overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = await post_payment(client, correlation_id, overrides)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def post_refund(
    client: AsyncClient, correlation_id: str | None = None, overrides: dict[str, Any] | None = None
) -> Response:
    payment_id_row = await create_payment(client)
    body = refund_payload(payment_id=payment_id_row["id"])
    body.update(overrides or {})
    return await client.post("/api/payments/refunds", json=body, headers=headers(correlation_id))


async def create_refund(
    client: AsyncClient, correlation_id: str | None = None, overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = await post_refund(client, correlation_id, overrides)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created
