"""Client of the payments service, which this service calls synchronously."""

# Why: checkout needs the charge result
# Call site in the monolith: shop.services.orders.checkout →
# shop.services.payments.charge (shop/services/orders.py:61)
from typing import Any

from app.clients.http import ServiceClient
from app.core.config import Settings


class PaymentsClient(ServiceClient):
    def __init__(self, settings: Settings) -> None:
        super().__init__(
            settings.payments_service_url,
            timeout=settings.http_timeout,
            retries=settings.http_retries,
        )

    async def get_payment(self, id: int) -> Any | None:
        return await self.get_json(f"/api/payments/{id}")

    async def get_refund(self, id: int) -> Any | None:
        return await self.get_json(f"/api/payments/refunds/{id}")
