"""Client of the catalog service, which this service calls synchronously."""

# Why: checkout reads product prices
from typing import Any

from app.clients.http import ServiceClient
from app.core.config import Settings


class CatalogClient(ServiceClient):
    def __init__(self, settings: Settings) -> None:
        super().__init__(
            settings.catalog_service_url,
            timeout=settings.http_timeout,
            retries=settings.http_retries,
        )

    async def get_category(self, id: int) -> Any | None:
        return await self.get_json(f"/api/catalog/categories/{id}")

    async def get_product(self, id: int) -> Any | None:
        return await self.get_json(f"/api/catalog/products/{id}")

    async def get_inventory(self, id: int) -> Any | None:
        return await self.get_json(f"/api/catalog/inventory/{id}")
