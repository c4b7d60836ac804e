"""API tests of the User aggregate: create, read, list with filters, update, and the events they
publish.
"""

import json

import pytest
from httpx import AsyncClient

from tests.conftest import EventTap
from tests.factories import create_user, headers, post_user, text_value

pytestmark = pytest.mark.anyio
PATH = "/api/users"


async def test_create_and_get_user(client: AsyncClient, events: EventTap) -> None:
    created = await create_user(client, correlation_id="test-create")
    url = f"/api/users/{created['id']}"
    key = f"{created['id']}"
    response = await client.get(url)
    assert response.status_code == 200
    assert response.json() == created
    message = await events.next("UserCreated", aggregate_id=key)
    assert message.correlation_id == "test-create"
    envelope = json.loads(message.body)
    assert envelope["payload"]["user"] == created
    assert message.routing_key == "users.user.created.v1"


async def test_list_users_pages_and_filters(client: AsyncClient) -> None:
    rows = [await create_user(client) for _ in range(3)]
    response = await client.get(PATH, params={"limit": 2})
    assert response.status_code == 200
    page = response.json()
    assert page["limit"] == 2
    assert len(page["items"]) == 2
    assert page["total"] >= 3
    # Newest first.
    assert page["items"][0]["id"] == rows[-1]["id"]
    wanted = rows[0]["email"]
    params = {"email": wanted, "limit": 200}
    response = await client.get(PATH, params=params)
    assert response.status_code == 200
    found = response.json()["items"]
    assert rows[0]["id"] in [item["id"] for item in found]
    assert all(item["email"] == wanted for item in found)


async def test_update_user(client: AsyncClient, events: EventTap) -> None:
    created = await create_user(client)
    url = f"/api/users/{created['id']}"
    key = f"{created['id']}"
    new_value = text_value("email", 255)
    change = {"email": new_value}
    response = await client.patch(url, json=change, headers=headers("test-update"))
    assert response.status_code == 200, response.text
    assert response.json()["email"] == new_value
    assert (await client.get(url)).json()["email"] == new_value
    message = await events.next("UserUpdated", aggregate_id=key)
    assert message.correlation_id == "test-update"
    changed = json.loads(message.body)["payload"]["changed"]
    assert changed == ["email"]


async def test_update_refuses_null_for_required_user_fields(client: AsyncClient) -> None:
    created = await create_user(client)
    url = f"/api/users/{created['id']}"
    response = await client.patch(url, json={"email": None})
    assert response.status_code == 422


async def test_duplicate_email_is_a_conflict(client: AsyncClient) -> None:
    created = await create_user(client)
    taken = created["email"]
    duplicate = {"email": taken}
    response = await post_user(client, overrides=duplicate)
    assert response.status_code == 409


async def test_invalid_user_is_rejected(client: AsyncClient) -> None:
    response = await client.post(PATH, json={})
    assert response.status_code == 422


async def test_missing_user_is_404(client: AsyncClient) -> None:
    response = await client.get(PATH + "/2147483000")
    assert response.status_code == 404
