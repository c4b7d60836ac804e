"""Sagas between the services: choreographed steps and compensations, a state tracker."""

from .plan import SagaPlan, SagaSystem, plan_sagas
from .render import attach_sagas, event_flow, plan, render_sagas, saga_consumers

__all__ = ["SagaPlan", "SagaSystem", "attach_sagas", "event_flow", "plan", "plan_sagas",
           "render_sagas", "saga_consumers"]
