"""Request and response bodies of the notifications API."""

import datetime as dt
from typing import Any, ClassVar, Generic, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.models import NotificationChannel

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


class NotificationCreate(BaseModel):
    """Body of ``POST /api/notifications``."""

    user_id: int
    order_id: int | None = None
    channel: NotificationChannel
    kind: str = Field(max_length=50)
    recipient: str = Field(max_length=255)
    subject: str = Field(default="", max_length=255)
    body: str
    payload: Any | None = None
    sent_at: dt.datetime | None = None


class NotificationRead(BaseModel):
    """Notification as the API returns it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    order_id: int | None
    channel: NotificationChannel
    kind: str
    recipient: str
    subject: str
    body: str
    payload: Any | None
    created_at: dt.datetime
    sent_at: dt.datetime | None


class NotificationUpdate(UpdateBody):
    """Body of ``PATCH /api/notifications/{id}``."""

    not_null: ClassVar[frozenset[str]] = frozenset(
        {
            "user_id",
            "channel",
            "kind",
            "recipient",
            "subject",
            "body",
        }
    )
    user_id: int | None = None
    order_id: int | None = None
    channel: NotificationChannel | None = None
    kind: str | None = Field(default=None, max_length=50)
    recipient: str | None = Field(default=None, max_length=255)
    subject: str | None = Field(default=None, max_length=255)
    body: str | None = None
    payload: Any | None = None
    sent_at: dt.datetime | None = None


class NotificationQuery(BaseModel):
    """Paging and filters of ``GET /api/notifications``."""

    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0)
    user_id: int | None = None
    order_id: int | None = None
    channel: NotificationChannel | None = None
