"""API tests of the Shipment aggregate: create, read, list with filters, update, status changes,
and the events they publish.
"""

import json

import pytest
from httpx import AsyncClient

from app.models import ShipmentStatus
from tests.conftest import EventTap
from tests.factories import create_shipment, headers, post_shipment, text_value

pytestmark = pytest.mark.anyio
PATH = "/api/orders/shipments"


async def test_create_and_get_shipment(client: AsyncClient, events: EventTap) -> None:
    created = await create_shipment(client, correlation_id="test-create")
    url = f"/api/orders/shipments/{created['id']}"
    key = f"{created['id']}"
    response = await client.get(url)
    assert response.status_code == 200
    assert response.json() == created
    message = await events.next("ShipmentCreated", aggregate_id=key)
    assert message.correlation_id == "test-create"
    envelope = json.loads(message.body)
    assert envelope["payload"]["shipment"] == created
    assert message.routing_key == "orders.shipment.created.v1"


async def test_list_shipments_pages_and_filters(client: AsyncClient) -> None:
    rows = [await create_shipment(client) for _ in range(3)]
    response = await client.get(PATH, params={"limit": 2})
    assert response.status_code == 200
    page = response.json()
    assert page["limit"] == 2
    assert len(page["items"]) == 2
    assert page["total"] >= 3
    # Newest first.
    assert page["items"][0]["id"] == rows[-1]["id"]
    wanted = rows[0]["order_id"]
    params = {"order_id": wanted, "limit": 200}
    response = await client.get(PATH, params=params)
    assert response.status_code == 200
    found = response.json()["items"]
    assert rows[0]["id"] in [item["id"] for item in found]
    assert all(item["order_id"] == wanted for item in found)


async def test_update_shipment(client: AsyncClient, events: EventTap) -> None:
    created = await create_shipment(client)
    url = f"/api/orders/shipments/{created['id']}"
    key = f"{created['id']}"
    new_value = text_value("carrier", 30)
    change = {"carrier": new_value}
    response = await client.patch(url, json=change, headers=headers("test-update"))
    assert response.status_code == 200, response.text
    assert response.json()["carrier"] == new_value
    assert (await client.get(url)).json()["carrier"] == new_value
    message = await events.next("ShipmentUpdated", aggregate_id=key)
    assert message.correlation_id == "test-update"
    changed = json.loads(message.body)["payload"]["changed"]
    assert changed == ["carrier"]


async def test_update_refuses_null_for_required_shipment_fields(client: AsyncClient) -> None:
    created = await create_shipment(client)
    url = f"/api/orders/shipments/{created['id']}"
    response = await client.patch(url, json={"order_id": None})
    assert response.status_code == 422


async def test_change_shipment_status(client: AsyncClient, events: EventTap) -> None:
    created = await create_shipment(client)
    url = f"/api/orders/shipments/{created['id']}"
    key = f"{created['id']}"
    current = created["status"]
    target = next(value for value in ShipmentStatus if value != current)
    change = {"status": target}
    response = await client.post(url + "/status", json=change, headers=headers("test-status"))
    assert response.status_code == 200, response.text
    assert response.json()["status"] == target
    message = await events.next("ShipmentStatusChanged", aggregate_id=key)
    assert message.correlation_id == "test-status"
    payload = json.loads(message.body)["payload"]
    assert (payload["previous_status"], payload["status"]) == (current, target)
    assert message.routing_key == "orders.shipment.status_changed.v1"


async def test_status_change_to_the_same_shipment_status_is_a_conflict(client: AsyncClient) -> None:
    created = await create_shipment(client)
    url = f"/api/orders/shipments/{created['id']}"
    same = {"status": created["status"]}
    response = await client.post(url + "/status", json=same)
    assert response.status_code == 409


async def test_duplicate_tracking_number_is_a_conflict(client: AsyncClient) -> None:
    created = await create_shipment(client)
    taken = created["tracking_number"]
    duplicate = {"tracking_number": taken}
    response = await post_shipment(client, overrides=duplicate)
    assert response.status_code == 409


async def test_invalid_shipment_is_rejected(client: AsyncClient) -> None:
    response = await client.post(PATH, json={})
    assert response.status_code == 422


async def test_missing_shipment_is_404(client: AsyncClient) -> None:
    response = await client.get(PATH + "/2147483000")
    assert response.status_code == 404
