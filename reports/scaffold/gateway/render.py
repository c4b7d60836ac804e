"""Writes ``DIR/gateway/``: nginx.conf, gateway.json, the Lua modules and the README.

The templates under ``templates/`` mirror the generated tree file for file: ``*.j2`` files
are rendered, everything else (the Lua code) is copied as it is.
"""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment

from analyzer.model.analysis import Analysis
from reports.scaffold.gateway.routing import GatewayPlan, plan_gateway
from reports.scaffold.gateway.settings import GatewaySettings
from reports.scaffold.templating import code_templates, write_generated

TEMPLATES = Path(__file__).parent / "templates"
MODULES_FILE = Path("modules.d") / "lua.conf"
_UNPRINTABLE = re.compile(r"[^\x20-\x7e]")


def _duration(seconds: float) -> str:
    """nginx time: ``5s`` for whole seconds, else milliseconds."""
    ms = round(seconds * 1000)
    return f"{ms // 1000}s" if ms % 1000 == 0 else f"{ms}ms"


def _window(seconds: float) -> str:
    if seconds == 60:
        return "minute"
    return f"{seconds:g} s"


def lua_config(plan: GatewayPlan, settings: GatewaySettings) -> dict[str, object]:
    """The contents of gateway.json: every value the Lua code reads."""
    s = settings

    def breaker(service: str) -> dict[str, float]:
        b = s.breaker_for(service)
        # the probe slot outlives the slowest possible probe, then frees itself
        return {"threshold": b.failure_threshold, "window": b.window_seconds,
                "cooldown": b.cooldown_seconds, "probe_ttl": s.timeout_for(service) * 3 + 1}

    return {
        "correlation_header": s.correlation_header,
        "jwt": {
            "algorithms": list(s.jwt_algorithms),
            "public_key_file": s.jwt_public_key_file,
            "secret_env": s.jwt_secret_env,
            "issuer": s.jwt_issuer,
            "audience": s.jwt_audience,
            "leeway": s.jwt_leeway_seconds,
            "require_exp": s.jwt_require_exp,
            "user_id_claim": s.user_id_claim,
            "user_id_header": s.user_id_header,
            "forwarded_claims": dict(s.forwarded_claims),
        },
        "public_routes": [r.model_dump() for r in plan.public_routes],
        "rate_limit": {
            "limit": s.rate_limit,
            "window_ms": round(s.rate_limit_window_seconds * 1000),
            "redis_host": s.redis_host,
            "redis_port": s.redis_port,
            "redis_database": s.redis_database,
            "redis_password_env": s.redis_password_env,
            "redis_key_prefix": s.redis_key_prefix,
            "redis_timeout_ms": s.redis_timeout_ms,
            "failure_mode": s.redis_failure_mode,
        },
        "breaker": {
            "default": breaker(""),
            "services": {u.service: breaker(u.service) for u in plan.upstreams},
            "failure_statuses": {str(code): True for code in s.breaker_failure_statuses},
        },
    }


def _environment() -> Environment:
    return code_templates(TEMPLATES)


def render_gateway(analysis: Analysis, out_dir: Path, *,
                   settings: GatewaySettings | None = None) -> list[Path]:
    """Write the gateway for ``analysis`` into ``out_dir/gateway``; return the files written."""
    settings = settings or GatewaySettings()
    plan = plan_gateway(analysis, settings)
    root = out_dir / "gateway"
    env = _environment()
    rs = any(a.startswith("RS") for a in settings.jwt_algorithms)
    hs = any(a.startswith("HS") for a in settings.jwt_algorithms)
    env_names = [settings.jwt_secret_env] if hs else []
    if settings.redis_password_env:
        env_names.append(settings.redis_password_env)
    context = {
        "s": settings,
        "plan": plan,
        "source": _UNPRINTABLE.sub("?", analysis.source.path),
        "config": lua_config(plan, settings),
        "timeouts": {u.service: _duration(u.timeout_seconds) for u in plan.upstreams},
        "address": {u.service: u.address for u in plan.upstreams},
        "window": _window(settings.rate_limit_window_seconds),
        "rs": rs,
        "hs": hs,
        "env_names": env_names,
        "identity_headers": [f"`{h}`" for h in
                             [settings.user_id_header, *settings.forwarded_claims.values()]],
    }

    written: list[Path] = []
    for template in sorted(p for p in TEMPLATES.rglob("*") if p.is_file()):
        relative = template.relative_to(TEMPLATES)
        if relative.suffix == ".j2":
            relative = relative.with_suffix("")
            if relative == MODULES_FILE and not settings.nginx_modules:
                continue
            content = env.get_template(template.relative_to(TEMPLATES).as_posix()).render(
                context)
        else:
            content = template.read_text(encoding="utf-8")
        written.append(write_generated(root / relative, content))

    # A modules file left from an earlier Debian-mode run would break OpenResty.
    stale = root / MODULES_FILE
    if not settings.nginx_modules and stale.exists():
        stale.unlink()
    if settings.jwt_public_key_pem is not None:
        written.append(write_generated(root / settings.jwt_public_key_file,
                                       settings.jwt_public_key_pem))
    return written
