"""Request and response bodies of the catalog API."""

import datetime as dt
from decimal import Decimal
from typing import ClassVar, Generic, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list, with the number of all matching rows."""

    items: list[T]
    total: int
    limit: int
    offset: int


class UpdateBody(BaseModel):
    """A partial update: fields left out keep their value; null only where allowed."""

    not_null: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _refuse_null_for_required(self) -> Self:
        given = self.model_fields_set & self.not_null
        nulled = sorted(name for name in given if getattr(self, name) is None)
        if nulled:
            raise ValueError(f"may not be null: {', '.join(nulled)}")
        return self


class CategoryCreate(BaseModel):
    """Body of ``POST /api/catalog/categories``."""

    name: str = Field(max_length=100)
    slug: str = Field(max_length=120)
    description: str = ""


class CategoryRead(BaseModel):
    """Category as the API returns it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    slug: str
    description: str


class CategoryUpdate(UpdateBody):
    """Body of ``PATCH /api/catalog/categories/{id}``."""

    not_null: ClassVar[frozenset[str]] = frozenset({"name", "slug", "description"})
    name: str | None = Field(default=None, max_length=100)
    slug: str | None = Field(default=None, max_length=120)
    description: str | None = None


class CategoryQuery(BaseModel):
    """Paging and filters of ``GET /api/catalog/categories``."""

    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0)
    name: str | None = None
    slug: str | None = None


class ProductCreate(BaseModel):
    """Body of ``POST /api/catalog/products``."""

    sku: str = Field(max_length=64)
    name: str = Field(max_length=200)
    description: str = ""
    price: Decimal = Field(max_digits=10, decimal_places=2)
    is_active: bool = True


class ProductRead(BaseModel):
    """Product as the API returns it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    sku: str
    name: str
    description: str
    price: Decimal
    is_active: bool
    created_at: dt.datetime


class ProductUpdate(UpdateBody):
    """Body of ``PATCH /api/catalog/products/{id}``."""

    not_null: ClassVar[frozenset[str]] = frozenset(
        {
            "sku",
            "name",
            "description",
            "price",
            "is_active",
        }
    )
    sku: str | None = Field(default=None, max_length=64)
    name: str | None = Field(default=None, max_length=200)
    description: str | None = None
    price: Decimal | None = Field(default=None, max_digits=10, decimal_places=2)
    is_active: bool | None = None


class ProductQuery(BaseModel):
    """Paging and filters of ``GET /api/catalog/products``."""

    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0)
    sku: str | None = None
    name: str | None = None
    is_active: bool | None = None


class ProductCategoryCreate(BaseModel):
    """Body of ``POST /api/catalog/product-categories``."""

    product_id: int
    category_id: int


class ProductCategoryRead(BaseModel):
    """ProductCategory as the API returns it."""

    model_config = ConfigDict(from_attributes=True)

    product_id: int
    category_id: int


class ProductCategoryQuery(BaseModel):
    """Paging and filters of ``GET /api/catalog/product-categories``."""

    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0)


class InventoryCreate(BaseModel):
    """Body of ``POST /api/catalog/inventory``."""

    product_id: int
    quantity: int = 0
    reorder_level: int = 5


class InventoryRead(BaseModel):
    """Inventory as the API returns it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    product_id: int
    quantity: int
    reorder_level: int
    updated_at: dt.datetime | None


class InventoryUpdate(UpdateBody):
    """Body of ``PATCH /api/catalog/inventory/{id}``."""

    not_null: ClassVar[frozenset[str]] = frozenset({"product_id", "quantity", "reorder_level"})
    product_id: int | None = None
    quantity: int | None = None
    reorder_level: int | None = None


class InventoryQuery(BaseModel):
    """Paging and filters of ``GET /api/catalog/inventory``."""

    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0)
    product_id: int | None = None
