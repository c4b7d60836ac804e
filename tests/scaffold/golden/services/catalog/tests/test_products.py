"""API tests of the Product aggregate: create, read, list with filters, update, and the events they
publish.
"""

import json

import pytest
from httpx import AsyncClient

from tests.conftest import EventTap
from tests.factories import create_product, headers, post_product, text_value

pytestmark = pytest.mark.anyio
PATH = "/api/catalog/products"


async def test_create_and_get_product(client: AsyncClient, events: EventTap) -> None:
    created = await create_product(client, correlation_id="test-create")
    url = f"/api/catalog/products/{created['id']}"
    key = f"{created['id']}"
    response = await client.get(url)
    assert response.status_code == 200
    assert response.json() == created
    message = await events.next("ProductCreated", aggregate_id=key)
    assert message.correlation_id == "test-create"
    envelope = json.loads(message.body)
    assert envelope["payload"]["product"] == created
    assert message.routing_key == "catalog.product.created.v1"


async def test_list_products_pages_and_filters(client: AsyncClient) -> None:
    rows = [await create_product(client) for _ in range(3)]
    response = await client.get(PATH, params={"limit": 2})
    assert response.status_code == 200
    page = response.json()
    assert page["limit"] == 2
    assert len(page["items"]) == 2
    assert page["total"] >= 3
    # Newest first.
    assert page["items"][0]["id"] == rows[-1]["id"]
    wanted = rows[0]["sku"]
    params = {"sku": wanted, "limit": 200}
    response = await client.get(PATH, params=params)
    assert response.status_code == 200
    found = response.json()["items"]
    assert rows[0]["id"] in [item["id"] for item in found]
    assert all(item["sku"] == wanted for item in found)


async def test_update_product(client: AsyncClient, events: EventTap) -> None:
    created = await create_product(client)
    url = f"/api/catalog/products/{created['id']}"
    key = f"{created['id']}"
    new_value = text_value("sku", 64)
    change = {"sku": new_value}
    response = await client.patch(url, json=change, headers=headers("test-update"))
    assert response.status_code == 200, response.text
    assert response.json()["sku"] == new_value
    assert (await client.get(url)).json()["sku"] == new_value
    message = await events.next("ProductUpdated", aggregate_id=key)
    assert message.correlation_id == "test-update"
    changed = json.loads(message.body)["payload"]["changed"]
    assert changed == ["sku"]


async def test_update_refuses_null_for_required_product_fields(client: AsyncClient) -> None:
    created = await create_product(client)
    url = f"/api/catalog/products/{created['id']}"
    response = await client.patch(url, json={"sku": None})
    assert response.status_code == 422


async def test_duplicate_sku_is_a_conflict(client: AsyncClient) -> None:
    created = await create_product(client)
    taken = created["sku"]
    duplicate = {"sku": taken}
    response = await post_product(client, overrides=duplicate)
    assert response.status_code == 409


async def test_invalid_product_is_rejected(client: AsyncClient) -> None:
    response = await client.post(PATH, json={})
    assert response.status_code == 422


async def test_missing_product_is_404(client: AsyncClient) -> None:
    response = await client.get(PATH + "/2147483000")
    assert response.status_code == 404
