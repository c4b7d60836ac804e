"""The service's API router: every aggregate's routes under ``/api/payments``."""

from fastapi import APIRouter

from app.api.routes import payments, refunds

api_router = APIRouter()
# Sub-resources first: ``/api/payments/<resource>`` must not be taken for an id.
api_router.include_router(refunds.router)
api_router.include_router(payments.router)
