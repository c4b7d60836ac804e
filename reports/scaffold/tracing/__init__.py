"""OpenTelemetry tracing for the generated services: ``app/core/tracing.py`` and
``app/core/message_tracing.py`` in every service, and the guide ``docs/tracing.md``.

``render_tracing(analysis, out_dir)`` writes them; the service skeleton calls
``setup_tracing`` / ``instrument_engine`` / ``flush_tracing`` from its app factory.
"""

from reports.scaffold.tracing.render import TRACING_REQUIREMENTS, plan_walk, render_tracing

__all__ = ["TRACING_REQUIREMENTS", "plan_walk", "render_tracing"]
