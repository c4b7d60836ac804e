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


def category_payload() -> dict[str, Any]:
    return {
        "name": text_value("name", 100),
        "slug": text_value("slug", 120),
        "description": text_value("description"),
    }


def product_payload() -> dict[str, Any]:
    return {
        "sku": text_value("sku", 64),
        "name": text_value("name", 200),
        "description": text_value("description"),
        "price": decimal_value(10, 2),
        "is_active": True,
    }


def product_category_payload(product_id: int, category_id: int) -> dict[str, Any]:
    return {
        "product_id": product_id,
        "category_id": category_id,
    }


def inventory_payload(product_id: int) -> dict[str, Any]:
    return {
        "product_id": product_id,
        "quantity": number(),
        "reorder_level": number(),
    }


async def post_category(
    client: AsyncClient, correlation_id: str | None = None, overrides: dict[str, Any] | None = None
) -> Response:
    body = category_payload()
    body.update(overrides or {})
    return await client.post("/api/catalog/categories", json=body, headers=headers(correlation_id))


async def create_category(
    client: AsyncClient, correlation_id: str | None = None, overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = await post_category(client, correlation_id, overrides)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def post_product(
    client: AsyncClient, correlation_id: str | None = None, overrides: dict[str, Any] | None = None
) -> Response:
    body = product_payload()
    body.update(overrides or {})
    return await client.post("/api/catalog/products", json=body, headers=headers(correlation_id))


async def create_product(
    client: AsyncClient, correlation_id: str | None = None, overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = await post_product(client, correlation_id, overrides)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def post_product_category(
    client: AsyncClient, correlation_id: str | None = None, overrides: dict[str, Any] | None = None
) -> Response:
    product_id_row = await create_product(client)
    category_id_row = await create_category(client)
    body = product_category_payload(
        product_id=product_id_row["id"],
        category_id=category_id_row["id"],
    )
    body.update(overrides or {})
    return await client.post(
        "/api/catalog/product-categories",
        json=body,
        headers=headers(correlation_id),
    )


async def create_product_category(
    client: AsyncClient, correlation_id: str | None = None, overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = await post_product_category(client, correlation_id, overrides)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def post_inventory(
    client: AsyncClient, correlation_id: str | None = None, overrides: dict[str, Any] | None = None
) -> Response:
    product_id_row = await create_product(client)
    body = inventory_payload(product_id=product_id_row["id"])
    body.update(overrides or {})
    return await client.post("/api/catalog/inventory", json=body, headers=headers(correlation_id))


async def create_inventory(
    client: AsyncClient, correlation_id: str | None = None, overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = await post_inventory(client, correlation_id, overrides)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created
