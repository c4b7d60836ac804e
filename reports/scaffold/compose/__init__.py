"""The docker-compose development environment of a generated system.

``render_compose(analysis, out_dir)`` writes ``docker-compose.yml``, ``.env.example``,
``postgres/init/01-schemas.sql`` and ``docs/local-development.md``; ``plan_topology`` is the
one plan of hosts, ports and schemas that compose, the runner and the gateway share.
"""

from reports.scaffold.compose.render import IMAGES, env_groups, render_compose
from reports.scaffold.compose.topology import ServiceNode, SystemTopology, plan_topology

__all__ = ["IMAGES", "ServiceNode", "SystemTopology", "env_groups", "plan_topology",
           "render_compose"]
