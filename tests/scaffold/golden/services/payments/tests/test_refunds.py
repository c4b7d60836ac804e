"""API tests of the Refund aggregate: create, read, list with filters, update, and the events they
publish.
"""

import json

import pytest
from httpx import AsyncClient

from tests.conftest import EventTap
from tests.factories import create_refund, headers, text_value

pytestmark = pytest.mark.anyio
PATH = "/api/payments/refunds"


async def test_create_and_get_refund(client: AsyncClient, events: EventTap) -> None:
    created = await create_refund(client, correlation_id="test-create")
    url = f"/api/payments/refunds/{created['id']}"
    key = f"{created['id']}"
    response = await client.get(url)
    assert response.status_code == 200
    assert response.json() == created
    message = await events.next("RefundCreated", aggregate_id=key)
    assert message.correlation_id == "test-create"
    envelope = json.loads(message.body)
    assert envelope["payload"]["refund"] == created
    assert message.routing_key == "payments.refund.created.v1"


async def test_list_refunds_pages_and_filters(client: AsyncClient) -> None:
    rows = [await create_refund(client) for _ in range(3)]
    response = await client.get(PATH, params={"limit": 2})
    assert response.status_code == 200
    page = response.json()
    assert page["limit"] == 2
    assert len(page["items"]) == 2
    assert page["total"] >= 3
    # Newest first.
    assert page["items"][0]["id"] == rows[-1]["id"]
    wanted = rows[0]["payment_id"]
    params = {"payment_id": wanted, "limit": 200}
    response = await client.get(PATH, params=params)
    assert response.status_code == 200
    found = response.json()["items"]
    assert rows[0]["id"] in [item["id"] for item in found]
    assert all(item["payment_id"] == wanted for item in found)


async def test_update_refund(client: AsyncClient, events: EventTap) -> None:
    created = await create_refund(client)
    url = f"/api/payments/refunds/{created['id']}"
    key = f"{created['id']}"
    new_value = text_value("reason", 255)
    change = {"reason": new_value}
    response = await client.patch(url, json=change, headers=headers("test-update"))
    assert response.status_code == 200, response.text
    assert response.json()["reason"] == new_value
    assert (await client.get(url)).json()["reason"] == new_value
    message = await events.next("RefundUpdated", aggregate_id=key)
    assert message.correlation_id == "test-update"
    changed = json.loads(message.body)["payload"]["changed"]
    assert changed == ["reason"]


async def test_update_refuses_null_for_required_refund_fields(client: AsyncClient) -> None:
    created = await create_refund(client)
    url = f"/api/payments/refunds/{created['id']}"
    response = await client.patch(url, json={"payment_id": None})
    assert response.status_code == 422


async def test_invalid_refund_is_rejected(client: AsyncClient) -> None:
    response = await client.post(PATH, json={})
    assert response.status_code == 422


async def test_missing_refund_is_404(client: AsyncClient) -> None:
    response = await client.get(PATH + "/2147483000")
    assert response.status_code == 404
