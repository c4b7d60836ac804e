"""Settings: placeholder secrets are refused, the schema name is checked."""

import pytest
from pydantic import ValidationError

from app.core.config import Settings


@pytest.mark.parametrize("password", ["changeme", "CHANGEME", "changethis"])
def test_placeholder_database_password_is_refused(password: str) -> None:
    with pytest.raises(ValidationError, match="placeholder"):
        Settings(postgres_password=password)


def test_placeholder_broker_password_is_refused() -> None:
    with pytest.raises(ValidationError, match="RABBITMQ_URL"):
        Settings(rabbitmq_url="amqp://app:changeme@rabbitmq:5672/")


def test_real_secrets_are_accepted() -> None:
    settings = Settings(postgres_password="s3cret-Value", rabbitmq_url="amqp://app:pw@mq:5672/")
    assert settings.database_url.drivername == "postgresql+asyncpg"
    assert settings.database_url.password == "s3cret-Value"


def test_schema_must_be_a_plain_identifier() -> None:
    with pytest.raises(ValidationError):
        Settings(db_schema='x"; DROP TABLE y; --')
    assert Settings().db_schema == "payments"
