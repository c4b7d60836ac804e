"""API tests of the ProductCategory aggregate: create, read, list with filters, and the events they
publish.
"""

import json

import pytest
from httpx import AsyncClient

from tests.conftest import EventTap
from tests.factories import create_product_category

pytestmark = pytest.mark.anyio
PATH = "/api/catalog/product-categories"


async def test_create_and_get_product_category(client: AsyncClient, events: EventTap) -> None:
    created = await create_product_category(client, correlation_id="test-create")
    url = f"/api/catalog/product-categories/{created['product_id']}/{created['category_id']}"
    key = f"{created['product_id']}:{created['category_id']}"
    response = await client.get(url)
    assert response.status_code == 200
    assert response.json() == created
    message = await events.next("ProductCategoryCreated", aggregate_id=key)
    assert message.correlation_id == "test-create"
    envelope = json.loads(message.body)
    assert envelope["payload"]["product_category"] == created
    assert message.routing_key == "catalog.product_category.created.v1"


async def test_list_product_categories_pages_and_filters(client: AsyncClient) -> None:
    for _ in range(3):
        await create_product_category(client)
    response = await client.get(PATH, params={"limit": 2})
    assert response.status_code == 200
    page = response.json()
    assert page["limit"] == 2
    assert len(page["items"]) == 2
    assert page["total"] >= 3


async def test_invalid_product_category_is_rejected(client: AsyncClient) -> None:
    response = await client.post(PATH, json={})
    assert response.status_code == 422


async def test_missing_product_category_is_404(client: AsyncClient) -> None:
    response = await client.get(PATH + "/2147483000/2147483000")
    assert response.status_code == 404
