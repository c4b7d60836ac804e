"""The service's API router: every aggregate's routes under ``/api/users``."""

from fastapi import APIRouter

from app.api.routes import addresses, audit_log, users

api_router = APIRouter()
# Sub-resources first: ``/api/users/<resource>`` must not be taken for an id.
api_router.include_router(addresses.router)
api_router.include_router(audit_log.router)
api_router.include_router(users.router)
