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


def order_payload() -> dict[str, Any]:
    return {
        "user_id": number(),
        "status": "created",
        "total": decimal_value(10, 2),
        "currency": text_value("currency", 3),
        "shipping_address_id": number(),
        "items": [order_item_payload(), order_item_payload()],
    }


def order_item_payload() -> dict[str, Any]:
    return {
        "product_id": number(),
        "product_name": text_value("product_name", 200),
        "quantity": number(),
        "unit_price": decimal_value(10, 2),
    }


def shipment_payload(order_id: int) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "address_id": number(),
        "carrier": text_value("carrier", 30),
        "tracking_number": text_value("tracking_num", 40),
        "status": "pending",
        "estimated_delivery": date_value(),
        "shipped_at": datetime_value(),
    }


async def post_order(
    client: AsyncClient, correlation_id: str | None = None, overrides: dict[str, Any] | None = None
) -> Response:
    body = order_payload()
    body.update(overrides or {})
    return await client.post("/api/orders", json=body, headers=headers(correlation_id))


async def create_order(
    client: AsyncClient, correlation_id: str | None = None, overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = await post_order(client, correlation_id, overrides)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def post_shipment(
    client: AsyncClient, correlation_id: str | None = None, overrides: dict[str, Any] | None = None
) -> Response:
    order_id_row = await create_order(client)
    body = shipment_payload(order_id=order_id_row["id"])
    body.update(overrides or {})
    return await client.post("/api/orders/shipments", json=body, headers=headers(correlation_id))


async def create_shipment(
    client: AsyncClient, correlation_id: str | None = None, overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = await post_shipment(client, correlation_id, overrides)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created
