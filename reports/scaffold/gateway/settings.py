"""Settings of the generated API gateway: addresses, JWT policy, rate limit, circuit breaker.

Every field has a default that suits the generated docker-compose setup; tests and
deployments override what differs (ports, Redis, keys, the Debian module paths).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# load_module lines Debian's nginx needs for Lua (OpenResty has the modules built in).
DEBIAN_LUA_MODULES = [
    "/usr/lib/nginx/modules/ndk_http_module.so",
    "/usr/lib/nginx/modules/ngx_http_lua_module.so",
]

JwtAlgorithm = Literal["RS256", "RS384", "RS512", "HS256", "HS384", "HS512"]
RedisFailureMode = Literal["local", "open", "closed"]

_HEADER_NAME = re.compile(r"^[A-Za-z0-9-]+$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ADDRESS = re.compile(r"^[A-Za-z0-9._-]+:[0-9]{1,5}$|^\[[0-9a-fA-F:]+\]:[0-9]{1,5}$")
_LISTEN = re.compile(r"^([A-Za-z0-9._-]+:|\[[0-9a-fA-F:]+\]:)?[0-9]{1,5}$")
_METHOD = re.compile(r"^(\*|[A-Z]+)$")
_PATH = re.compile(r"^/[A-Za-z0-9._~{}/-]*$")
# Paths nginx may be given for logs, keys and modules: no whitespace, quotes or ';'.
_FILE = re.compile(r"^[^\s;'\"{}$]+$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PublicRoute(_Model):
    """A request the gateway lets through without a token (a valid one is still used)."""

    method: str = Field("*", description='HTTP method, or "*" for any; GET also covers HEAD')
    path: str = Field(description='URL path; a "{name}" segment matches any one segment')
    exact: bool = Field(
        False, description="match the path exactly instead of it and everything below it")

    @field_validator("method")
    @classmethod
    def _method(cls, value: str) -> str:
        value = value.upper()
        if not _METHOD.match(value):
            raise ValueError(f"not an HTTP method: {value!r}")
        return value

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        if not _PATH.match(value):
            raise ValueError(f"not a URL path: {value!r}")
        return value


class BreakerSettings(_Model):
    failure_threshold: int = Field(5, ge=1, description="failures that open the circuit")
    window_seconds: float = Field(10.0, gt=0, description="window the failures are counted in")
    cooldown_seconds: float = Field(10.0, gt=0, description="open time before a probe")


class GatewaySettings(_Model):
    """What the generated gateway is configured with (written to gateway.json / nginx.conf)."""

    listen: str = Field("8080", description='port or "address:port" the gateway listens on')
    worker_processes: int | Literal["auto"] = "auto"
    upstreams: dict[str, str] = Field(
        {}, description='service name -> "host:port"; default "<service>:<base port + index>"')
    upstream_base_port: int = Field(8001, ge=1, le=65535)
    timeout_seconds: float = Field(
        5.0, gt=0, description="proxy connect/send/read timeout of every upstream")
    service_timeouts: dict[str, float] = Field({}, description="per-service timeout override")

    jwt_algorithms: list[JwtAlgorithm] = Field(["RS256"], min_length=1)
    jwt_public_key_file: str = Field(
        "keys/jwt_public.pem", description="PEM public key for RS*, relative to the gateway dir")
    jwt_public_key_pem: str | None = Field(
        None, description="when given, written to jwt_public_key_file")
    jwt_secret_env: str = Field(
        "GATEWAY_JWT_SECRET", description="environment variable holding the HS* secret")
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwt_leeway_seconds: int = Field(30, ge=0, le=300)
    jwt_require_exp: bool = True
    user_id_claim: str = "sub"
    user_id_header: str = "X-User-Id"
    forwarded_claims: dict[str, str] = Field(
        {}, description="further claim -> header pairs injected like the user id")
    public_routes: list[PublicRoute] | None = Field(
        None, description="None: derived from the analysis (sign-up/login, catalog reads)")

    rate_limit: int = Field(100, ge=1, description="requests per window per user or address")
    rate_limit_window_seconds: float = Field(60.0, gt=0)
    redis_host: str = "redis"
    redis_port: int = Field(6379, ge=1, le=65535)
    redis_database: int = Field(0, ge=0)
    redis_password_env: str | None = Field(
        None, description="environment variable holding the Redis password, if any")
    redis_key_prefix: str = "gateway:"
    redis_timeout_ms: int = Field(100, ge=1)
    redis_failure_mode: RedisFailureMode = Field(
        "local", description="local: per-replica limit; open: no limit; closed: 503")

    breaker: BreakerSettings = BreakerSettings()
    service_breakers: dict[str, BreakerSettings] = {}
    breaker_failure_statuses: list[int] = Field([502, 503, 504], min_length=1)

    correlation_header: str = "X-Correlation-ID"
    access_log: str = Field("/dev/stdout", description="path, relative to the gateway dir")
    pid_file: str = Field("logs/nginx.pid", description="relative to the gateway dir")
    error_log: str = "stderr"
    error_log_level: Literal["debug", "info", "notice", "warn", "error"] = "warn"
    client_max_body_size: str = Field("10m", pattern=r"^[0-9]+[kKmMgG]?$")
    nginx_modules: list[str] = Field(
        [], description="load_module paths; DEBIAN_LUA_MODULES for Debian's nginx")

    @field_validator("user_id_header", "correlation_header")
    @classmethod
    def _header(cls, value: str) -> str:
        if not _HEADER_NAME.match(value):
            raise ValueError(f"not an HTTP header name: {value!r}")
        return value

    @field_validator("forwarded_claims")
    @classmethod
    def _claim_headers(cls, value: dict[str, str]) -> dict[str, str]:
        for header in value.values():
            if not _HEADER_NAME.match(header):
                raise ValueError(f"not an HTTP header name: {header!r}")
        return value

    @field_validator("jwt_secret_env", "redis_password_env")
    @classmethod
    def _env(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_NAME.match(value):
            raise ValueError(f"not an environment variable name: {value!r}")
        return value

    @field_validator("upstreams")
    @classmethod
    def _addresses(cls, value: dict[str, str]) -> dict[str, str]:
        for service, address in value.items():
            if not _ADDRESS.match(address):
                raise ValueError(f"upstream of {service}: expected host:port, got {address!r}")
        return value

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        if not _LISTEN.match(value):
            raise ValueError(f'expected a port or "address:port", got {value!r}')
        return value

    @field_validator("redis_host")
    @classmethod
    def _host(cls, value: str) -> str:
        if not re.match(r"^[A-Za-z0-9._:-]+$", value):
            raise ValueError(f"not a host name: {value!r}")
        return value

    @field_validator("jwt_public_key_file", "access_log", "error_log", "pid_file")
    @classmethod
    def _file(cls, value: str) -> str:
        if not _FILE.match(value):
            raise ValueError(f"not usable as an nginx path: {value!r}")
        return value

    @field_validator("nginx_modules")
    @classmethod
    def _modules(cls, value: list[str]) -> list[str]:
        for path in value:
            if not _FILE.match(path):
                raise ValueError(f"not usable as an nginx path: {path!r}")
        return value

    @model_validator(mode="after")
    def _forwarded_claims_are_not_the_user_id(self) -> GatewaySettings:
        if self.user_id_header.lower() in {h.lower() for h in self.forwarded_claims.values()}:
            raise ValueError("forwarded_claims may not reuse the user id header")
        return self

    @model_validator(mode="after")
    def _key_written_inside_the_gateway(self) -> GatewaySettings:
        if self.jwt_public_key_pem is not None and (
                self.jwt_public_key_file.startswith("/") or ".." in self.jwt_public_key_file):
            raise ValueError("jwt_public_key_pem is written to jwt_public_key_file, which must "
                             "then be a path inside the gateway directory")
        return self

    def timeout_for(self, service: str) -> float:
        return self.service_timeouts.get(service, self.timeout_seconds)

    def breaker_for(self, service: str) -> BreakerSettings:
        return self.service_breakers.get(service, self.breaker)
