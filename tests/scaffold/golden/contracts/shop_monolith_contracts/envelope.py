"""The envelope of every event message, and the base class of the typed events.

On the wire a message body is the envelope as JSON; ``payload`` holds the event's fields
under their camelCase names. ``type`` and ``version`` select the schema that validates the
payload. Readers ignore fields they do not know, so adding an optional field is a minor,
compatible change; removing or retyping one is a new ``version`` (and a new routing key).
"""

import datetime as dt
from typing import Any, ClassVar, Self
from uuid import UUID, uuid4

from pydantic import AliasChoices, BaseModel, ConfigDict, Field


class UnknownEvent(ValueError):
    """The envelope names a type this version of the contracts does not define."""


class UnsupportedVersion(ValueError):
    """The envelope's event version is newer than the schema this reader knows."""


class BaseEvent(BaseModel):
    """The payload of one event type; subclasses fix the ClassVars below."""

    model_config = ConfigDict(
        frozen=True, extra="ignore", validate_by_name=True, validate_by_alias=True
    )

    event_type: ClassVar[str]
    version: ClassVar[int]
    routing_key: ClassVar[str]
    publisher: ClassVar[str]
    aggregate_type: ClassVar[str]
    aggregate_key: ClassVar[tuple[str, ...]]
    status: ClassVar[str | None] = None

    def aggregate_id(self) -> str:
        """The aggregate's key as text (parts of a composite key joined by ``:``)."""
        return ":".join(str(getattr(self, name)) for name in self.aggregate_key)

    def wire(self) -> dict[str, Any]:
        """The payload as JSON-ready data under the camelCase names."""
        return self.model_dump(mode="json", by_alias=True)


class EventPart(BaseModel):
    """A line of an event (one of an aggregate's parts), named like the event's fields."""

    model_config = ConfigDict(
        frozen=True, extra="ignore", validate_by_name=True, validate_by_alias=True
    )


class EventEnvelope(BaseModel):
    """What every message body is: identity, type and version, time, and trace context."""

    model_config = ConfigDict(
        frozen=True, extra="ignore", validate_by_name=True, validate_by_alias=True
    )

    event_id: UUID
    # "type" on the wire (what the services' outbox writes); "event_type" is read too.
    event_type: str = Field(
        validation_alias=AliasChoices("type", "event_type"), serialization_alias="type"
    )
    version: int = 1
    occurred_at: dt.datetime
    correlation_id: str | None = None
    traceparent: str | None = None
    source: str | None = None
    aggregate_type: str | None = None
    aggregate_id: str | None = None
    payload: dict[str, Any]

    @classmethod
    def wrap(
        cls,
        event: BaseEvent,
        *,
        source: str,
        correlation_id: str | None = None,
        traceparent: str | None = None,
        event_id: UUID | None = None,
        occurred_at: dt.datetime | None = None,
    ) -> Self:
        return cls(
            event_id=event_id or uuid4(),
            event_type=event.event_type,
            version=event.version,
            occurred_at=occurred_at or dt.datetime.now(dt.UTC),
            correlation_id=correlation_id,
            traceparent=traceparent,
            source=source,
            aggregate_type=event.aggregate_type,
            aggregate_id=event.aggregate_id(),
            payload=event.wire(),
        )

    def wire(self) -> dict[str, Any]:
        """The message body: JSON-ready, with ``type`` spelled as on the wire."""
        return self.model_dump(mode="json", by_alias=True)

    def event(self, types: dict[str, type[BaseEvent]]) -> BaseEvent:
        """The typed event inside; raises UnknownEvent, UnsupportedVersion or pydantic's
        ValidationError (all permanent: retrying the same message cannot help)."""
        schema = types.get(self.event_type)
        if schema is None:
            raise UnknownEvent(f"unknown event type {self.event_type!r}")
        if self.version > schema.version:
            raise UnsupportedVersion(
                f"{self.event_type} version {self.version}, this reader knows {schema.version}"
            )
        return schema.model_validate(self.payload)
