"""Valid request bodies, and rows created through the API, for the tests.

Every value comes from a fresh number, so unique columns differ within a test run.
"""

import datetime as dt
import itertools
from typing import Any

from httpx import AsyncClient, Response

from app.core.logging import CORRELATION_HEADER

_numbers = itertools.count(1)


def number() -> int:
    return next(_numbers)


def text_value(label: str, max_length: int | None = None) -> str:
    value = f"{number():x}-{label}"  # the unique part first: it survives truncation
    return value[:max_length] if max_length else value


def decimal_value(precision: int, scale: int) -> str:
    whole = number() % 10 ** max(min(precision - scale, 4), 0)
    return f"{whole}.{'5' * scale}" if scale else str(whole)


def date_value() -> str:
    return (dt.date(2024, 1, 1) + dt.timedelta(days=number() % 3000)).isoformat()


def datetime_value() -> str:
    moment = dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=number())
    return moment.isoformat().replace("+00:00", "Z")


def headers(correlation_id: str | None) -> dict[str, str]:
    return {CORRELATION_HEADER: correlation_id} if correlation_id else {}


def user_payload() -> dict[str, Any]:
    return {
        "email": text_value("email", 255),
        "password_hash": text_value("password_has", 255),
        "full_name": text_value("full_name", 200),
        "phone": text_value("phone", 32),
        "sms_opt_in": True,
        "is_active": True,
        "last_login_at": datetime_value(),
    }


def address_payload(user_id: int) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "label": text_value("label", 50),
        "line1": text_value("line1", 200),
        "city": text_value("city", 100),
        "postal_code": text_value("postal_code", 20),
        "country": text_value("country", 2),
    }


def audit_log_payload() -> dict[str, Any]:
    return {
        "actor_id": number(),
        "action": text_value("action", 80),
        "entity_id": text_value("entity_id", 40),
        "details": text_value("details"),
    }


async def post_user(
    client: AsyncClient, correlation_id: str | None = None, overrides: dict[str, Any] | None = None
) -> Response:
    body = user_payload()
    body.update(overrides or {})
    return await client.post("/api/users", json=body, headers=headers(correlation_id))


async def create_user(
    client: AsyncClient, correlation_id: str | None = None, overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = await post_user(client, correlation_id, overrides)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def post_address(
    client: AsyncClient, correlation_id: str | None = None, overrides: dict[str, Any] | None = None
) -> Response:
    user_id_row = await create_user(client)
    body = address_payload(user_id=user_id_row["id"])
    body.update(overrides or {})
    return await client.post("/api/users/addresses", json=body, headers=headers(correlation_id))


async def create_address(
    client: AsyncClient, correlation_id: str | None = None, overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = await post_address(client, correlation_id, overrides)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def post_audit_log(
    client: AsyncClient, correlation_id: str | None = None, overrides: dict[str, Any] | None = None
) -> Response:
    body = audit_log_payload()
    body.update(overrides or {})
    return await client.post("/api/users/audit-log", json=body, headers=headers(correlation_id))


async def create_audit_log(
    client: AsyncClient, correlation_id: str | None = None, overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = await post_audit_log(client, correlation_id, overrides)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created
