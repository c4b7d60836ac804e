"""The service's API router: every aggregate's routes under ``/api/catalog``."""

from fastapi import APIRouter

from app.api.routes import categories, inventory, product_categories, products

api_router = APIRouter()
# Sub-resources first: ``/api/catalog/<resource>`` must not be taken for an id.
api_router.include_router(categories.router)
api_router.include_router(products.router)
api_router.include_router(product_categories.router)
api_router.include_router(inventory.router)
