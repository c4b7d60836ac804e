"""The API gateway of the generated system: nginx + Lua (OpenResty-compatible) config.

``render_gateway(analysis, out_dir)`` writes ``out_dir/gateway/`` from the analysis.
"""

from reports.scaffold.gateway.render import render_gateway
from reports.scaffold.gateway.routing import GatewayPlan, plan_gateway
from reports.scaffold.gateway.settings import (
    DEBIAN_LUA_MODULES,
    BreakerSettings,
    GatewaySettings,
    PublicRoute,
)

__all__ = [
    "DEBIAN_LUA_MODULES",
    "BreakerSettings",
    "GatewayPlan",
    "GatewaySettings",
    "PublicRoute",
    "plan_gateway",
    "render_gateway",
]
