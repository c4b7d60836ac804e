"""Request and response bodies of the users API."""

import datetime as dt
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


class UserCreate(BaseModel):
    """Body of ``POST /api/users``."""

    email: str = Field(max_length=255)
    password_hash: str = Field(max_length=255)
    full_name: str = Field(default="", max_length=200)
    phone: str | None = Field(default=None, max_length=32)
    sms_opt_in: bool = False
    is_active: bool = True
    last_login_at: dt.datetime | None = None


class UserRead(BaseModel):
    """User as the API returns it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    password_hash: str
    full_name: str
    phone: str | None
    sms_opt_in: bool
    is_active: bool
    created_at: dt.datetime
    last_login_at: dt.datetime | None


class UserUpdate(UpdateBody):
    """Body of ``PATCH /api/users/{id}``."""

    not_null: ClassVar[frozenset[str]] = frozenset(
        {
            "email",
            "password_hash",
            "full_name",
            "sms_opt_in",
            "is_active",
        }
    )
    email: str | None = Field(default=None, max_length=255)
    password_hash: str | None = Field(default=None, max_length=255)
    full_name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=32)
    sms_opt_in: bool | None = None
    is_active: bool | None = None
    last_login_at: dt.datetime | None = None


class UserQuery(BaseModel):
    """Paging and filters of ``GET /api/users``."""

    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0)
    email: str | None = None
    sms_opt_in: bool | None = None
    is_active: bool | None = None


class AddressCreate(BaseModel):
    """Body of ``POST /api/users/addresses``."""

    user_id: int
    label: str = Field(default="home", max_length=50)
    line1: str = Field(max_length=200)
    city: str = Field(max_length=100)
    postal_code: str = Field(max_length=20)
    country: str = Field(default="DE", max_length=2)


class AddressRead(BaseModel):
    """Address as the API returns it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    label: str
    line1: str
    city: str
    postal_code: str
    country: str
    created_at: dt.datetime


class AddressUpdate(UpdateBody):
    """Body of ``PATCH /api/users/addresses/{id}``."""

    not_null: ClassVar[frozenset[str]] = frozenset(
        {
            "user_id",
            "label",
            "line1",
            "city",
            "postal_code",
            "country",
        }
    )
    user_id: int | None = None
    label: str | None = Field(default=None, max_length=50)
    line1: str | None = Field(default=None, max_length=200)
    city: str | None = Field(default=None, max_length=100)
    postal_code: str | None = Field(default=None, max_length=20)
    country: str | None = Field(default=None, max_length=2)


class AddressQuery(BaseModel):
    """Paging and filters of ``GET /api/users/addresses``."""

    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0)
    user_id: int | None = None


class AuditLogCreate(BaseModel):
    """Body of ``POST /api/users/audit-log``."""

    actor_id: int | None = None
    action: str = Field(max_length=80)
    entity_id: str | None = Field(default=None, max_length=40)
    details: str = "{}"


class AuditLogRead(BaseModel):
    """AuditLog as the API returns it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    actor_id: int | None
    action: str
    entity_id: str | None
    details: str
    created_at: dt.datetime


class AuditLogUpdate(UpdateBody):
    """Body of ``PATCH /api/users/audit-log/{id}``."""

    not_null: ClassVar[frozenset[str]] = frozenset({"action", "details"})
    actor_id: int | None = None
    action: str | None = Field(default=None, max_length=80)
    entity_id: str | None = Field(default=None, max_length=40)
    details: str | None = None


class AuditLogQuery(BaseModel):
    """Paging and filters of ``GET /api/users/audit-log``."""

    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0)
    actor_id: int | None = None
    entity_id: str | None = None
