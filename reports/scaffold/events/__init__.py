"""Events between the services: the shared contracts package, publishers and consumers."""

from .catalog import ConsumerSpec, EventCatalog, EventSpec, build_catalog
from .render import attach_events, plan_events, render_events, requirement

__all__ = ["ConsumerSpec", "EventCatalog", "EventSpec", "attach_events", "build_catalog",
           "plan_events", "render_events", "requirement"]
