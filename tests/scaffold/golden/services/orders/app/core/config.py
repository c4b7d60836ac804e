"""Settings of the orders service, read from the environment (and ``.env``)."""

from functools import lru_cache
from typing import Literal, Self
from urllib.parse import urlsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL

# Values shipped in .env.example: a service that still has one of them refuses to start.
PLACEHOLDER_SECRETS = frozenset({"changeme", "changethis", "change-me", "change_me", "replaceme"})


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_ignore_empty=True, extra="ignore")

    service_name: str = "orders"
    environment: Literal["local", "test", "staging", "production"] = "local"
    log_level: str = "INFO"

    postgres_server: str = "localhost"
    postgres_port: int = 5432
    postgres_user: str = "postgres"
    postgres_password: str = ""
    postgres_db: str = "app"
    # Every table of this service lives in this schema of the shared PostgreSQL server.
    db_schema: str = Field(default="orders", pattern=r"^[a-z_][a-z0-9_]{0,62}$")
    db_pool_size: int = 5
    db_connect_timeout: float = 5.0

    rabbitmq_url: str = "amqp://guest:guest@localhost:5672/"
    events_exchange: str = "domain-events"
    broker_connect_timeout: float = 5.0
    broker_reconnect_max_delay: float = 10.0
    publish_timeout: float = 5.0
    outbox_poll_interval: float = 1.0
    outbox_batch_size: int = 100
    outbox_max_backoff: float = 10.0
    readiness_timeout: float = 2.0

    # Sync calls to other services: timeout per call, retries on network errors.
    http_timeout: float = 5.0
    http_retries: int = 3
    catalog_service_url: str = "http://catalog:8002"

    @property
    def database_url(self) -> URL:
        return URL.create(
            "postgresql+asyncpg",
            username=self.postgres_user,
            password=self.postgres_password or None,
            host=self.postgres_server,
            port=self.postgres_port,
            database=self.postgres_db,
        )

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Self:
        secrets = {
            "POSTGRES_PASSWORD": self.postgres_password,
            "the password in RABBITMQ_URL": urlsplit(self.rabbitmq_url).password or "",
        }
        for name, value in secrets.items():
            if value.lower() in PLACEHOLDER_SECRETS:
                raise ValueError(f"{name} is still the placeholder {value!r}: set a real secret")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
