"""API tests of the Order aggregate: create, read, list with filters, update, status changes, and
the events they publish.
"""

import json

import pytest
from httpx import AsyncClient

from app.models import OrderStatus
from tests.conftest import EventTap
from tests.factories import create_order, headers, number

pytestmark = pytest.mark.anyio
PATH = "/api/orders"


async def test_create_and_get_order(client: AsyncClient, events: EventTap) -> None:
    created = await create_order(client, correlation_id="test-create")
    url = f"/api/orders/{created['id']}"
    key = f"{created['id']}"
    response = await client.get(url)
    assert response.status_code == 200
    assert response.json() == created
    assert len(created["items"]) == 2
    message = await events.next("OrderCreated", aggregate_id=key)
    assert message.correlation_id == "test-create"
    envelope = json.loads(message.body)
    # The contract event (shared contracts package): its envelope and camelCase payload.
    assert (envelope["type"], envelope["version"]) == ("OrderCreated", 1)
    assert envelope["payload"]["orderId"] == created["id"]
    assert message.routing_key == "orders.order.created.v1"


async def test_list_orders_pages_and_filters(client: AsyncClient) -> None:
    rows = [await create_order(client) for _ in range(3)]
    response = await client.get(PATH, params={"limit": 2})
    assert response.status_code == 200
    page = response.json()
    assert page["limit"] == 2
    assert len(page["items"]) == 2
    assert page["total"] >= 3
    # Newest first.
    assert page["items"][0]["id"] == rows[-1]["id"]
    wanted = rows[0]["user_id"]
    params = {"user_id": wanted, "limit": 200}
    response = await client.get(PATH, params=params)
    assert response.status_code == 200
    found = response.json()["items"]
    assert rows[0]["id"] in [item["id"] for item in found]
    assert all(item["user_id"] == wanted for item in found)


async def test_update_order(client: AsyncClient, events: EventTap) -> None:
    created = await create_order(client)
    url = f"/api/orders/{created['id']}"
    key = f"{created['id']}"
    new_value = number()
    change = {"user_id": new_value}
    response = await client.patch(url, json=change, headers=headers("test-update"))
    assert response.status_code == 200, response.text
    assert response.json()["user_id"] == new_value
    assert (await client.get(url)).json()["user_id"] == new_value
    message = await events.next("OrderUpdated", aggregate_id=key)
    assert message.correlation_id == "test-update"
    changed = json.loads(message.body)["payload"]["changed"]
    assert changed == ["user_id"]


async def test_update_refuses_null_for_required_order_fields(client: AsyncClient) -> None:
    created = await create_order(client)
    url = f"/api/orders/{created['id']}"
    response = await client.patch(url, json={"user_id": None})
    assert response.status_code == 422


async def test_change_order_status(client: AsyncClient, events: EventTap) -> None:
    created = await create_order(client)
    url = f"/api/orders/{created['id']}"
    key = f"{created['id']}"
    current = created["status"]
    target = next(value for value in OrderStatus if value != current)
    change = {"status": target}
    response = await client.post(url + "/status", json=change, headers=headers("test-status"))
    assert response.status_code == 200, response.text
    assert response.json()["status"] == target
    message = await events.next("OrderStatusChanged", aggregate_id=key)
    assert message.correlation_id == "test-status"
    payload = json.loads(message.body)["payload"]
    assert (payload["previous_status"], payload["status"]) == (current, target)
    assert message.routing_key == "orders.order.status_changed.v1"


async def test_status_change_to_the_same_order_status_is_a_conflict(client: AsyncClient) -> None:
    created = await create_order(client)
    url = f"/api/orders/{created['id']}"
    same = {"status": created["status"]}
    response = await client.post(url + "/status", json=same)
    assert response.status_code == 409


async def test_invalid_order_is_rejected(client: AsyncClient) -> None:
    response = await client.post(PATH, json={})
    assert response.status_code == 422


async def test_missing_order_is_404(client: AsyncClient) -> None:
    response = await client.get(PATH + "/2147483000")
    assert response.status_code == 404
