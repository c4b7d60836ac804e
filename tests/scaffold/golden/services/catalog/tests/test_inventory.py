"""API tests of the Inventory aggregate: create, read, list with filters, update, and the events
they publish.
"""

import json

import pytest
from httpx import AsyncClient

from tests.conftest import EventTap
from tests.factories import create_inventory, headers, number, post_inventory

pytestmark = pytest.mark.anyio
PATH = "/api/catalog/inventory"


async def test_create_and_get_inventory(client: AsyncClient, events: EventTap) -> None:
    created = await create_inventory(client, correlation_id="test-create")
    url = f"/api/catalog/inventory/{created['id']}"
    key = f"{created['id']}"
    response = await client.get(url)
    assert response.status_code == 200
    assert response.json() == created
    message = await events.next("InventoryCreated", aggregate_id=key)
    assert message.correlation_id == "test-create"
    envelope = json.loads(message.body)
    assert envelope["payload"]["inventory"] == created
    assert message.routing_key == "catalog.inventory.created.v1"


async def test_list_inventory_list_pages_and_filters(client: AsyncClient) -> None:
    rows = [await create_inventory(client) for _ in range(3)]
    response = await client.get(PATH, params={"limit": 2})
    assert response.status_code == 200
    page = response.json()
    assert page["limit"] == 2
    assert len(page["items"]) == 2
    assert page["total"] >= 3
    # Newest first.
    assert page["items"][0]["id"] == rows[-1]["id"]
    wanted = rows[0]["product_id"]
    params = {"product_id": wanted, "limit": 200}
    response = await client.get(PATH, params=params)
    assert response.status_code == 200
    found = response.json()["items"]
    assert rows[0]["id"] in [item["id"] for item in found]
    assert all(item["product_id"] == wanted for item in found)


async def test_update_inventory(client: AsyncClient, events: EventTap) -> None:
    created = await create_inventory(client)
    url = f"/api/catalog/inventory/{created['id']}"
    key = f"{created['id']}"
    new_value = number()
    change = {"quantity": new_value}
    response = await client.patch(url, json=change, headers=headers("test-update"))
    assert response.status_code == 200, response.text
    assert response.json()["quantity"] == new_value
    assert (await client.get(url)).json()["quantity"] == new_value
    message = await events.next("InventoryUpdated", aggregate_id=key)
    assert message.correlation_id == "test-update"
    changed = json.loads(message.body)["payload"]["changed"]
    assert changed == ["quantity"]


async def test_update_refuses_null_for_required_inventory_fields(client: AsyncClient) -> None:
    created = await create_inventory(client)
    url = f"/api/catalog/inventory/{created['id']}"
    response = await client.patch(url, json={"product_id": None})
    assert response.status_code == 422


async def test_duplicate_product_id_is_a_conflict(client: AsyncClient) -> None:
    created = await create_inventory(client)
    taken = created["product_id"]
    duplicate = {"product_id": taken}
    response = await post_inventory(client, overrides=duplicate)
    assert response.status_code == 409


async def test_invalid_inventory_is_rejected(client: AsyncClient) -> None:
    response = await client.post(PATH, json={})
    assert response.status_code == 422


async def test_missing_inventory_is_404(client: AsyncClient) -> None:
    response = await client.get(PATH + "/2147483000")
    assert response.status_code == 404
