"""The service's API router: every aggregate's routes under ``/api/orders``."""

from fastapi import APIRouter

from app.api.routes import orders, shipments

api_router = APIRouter()
# Sub-resources first: ``/api/orders/<resource>`` must not be taken for an id.
api_router.include_router(shipments.router)
api_router.include_router(orders.router)
