"""API tests of the Notification aggregate: create, read, list with filters, update, and the events
they publish.
"""

import json

import pytest
from httpx import AsyncClient

from tests.conftest import EventTap
from tests.factories import create_notification, headers, text_value

pytestmark = pytest.mark.anyio
PATH = "/api/notifications"


async def test_create_and_get_notification(client: AsyncClient, events: EventTap) -> None:
    created = await create_notification(client, correlation_id="test-create")
    url = f"/api/notifications/{created['id']}"
    key = f"{created['id']}"
    response = await client.get(url)
    assert response.status_code == 200
    assert response.json() == created
    message = await events.next("NotificationCreated", aggregate_id=key)
    assert message.correlation_id == "test-create"
    envelope = json.loads(message.body)
    assert envelope["payload"]["notification"] == created
    assert message.routing_key == "notifications.notification.created.v1"


async def test_list_notifications_pages_and_filters(client: AsyncClient) -> None:
    rows = [await create_notification(client) for _ in range(3)]
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


async def test_update_notification(client: AsyncClient, events: EventTap) -> None:
    created = await create_notification(client)
    url = f"/api/notifications/{created['id']}"
    key = f"{created['id']}"
    new_value = text_value("kind", 50)
    change = {"kind": new_value}
    response = await client.patch(url, json=change, headers=headers("test-update"))
    assert response.status_code == 200, response.text
    assert response.json()["kind"] == new_value
    assert (await client.get(url)).json()["kind"] == new_value
    message = await events.next("NotificationUpdated", aggregate_id=key)
    assert message.correlation_id == "test-update"
    changed = json.loads(message.body)["payload"]["changed"]
    assert changed == ["kind"]


async def test_update_refuses_null_for_required_notification_fields(client: AsyncClient) -> None:
    created = await create_notification(client)
    url = f"/api/notifications/{created['id']}"
    response = await client.patch(url, json={"user_id": None})
    assert response.status_code == 422


async def test_invalid_notification_is_rejected(client: AsyncClient) -> None:
    response = await client.post(PATH, json={})
    assert response.status_code == 422


async def test_missing_notification_is_404(client: AsyncClient) -> None:
    response = await client.get(PATH + "/2147483000")
    assert response.status_code == 404
