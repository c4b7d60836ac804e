"""The service's API router: every aggregate's routes under ``/api/notifications``."""

from fastapi import APIRouter

from app.api.routes import notifications

api_router = APIRouter()
# Sub-resources first: ``/api/notifications/<resource>`` must not be taken for an id.
api_router.include_router(notifications.router)
