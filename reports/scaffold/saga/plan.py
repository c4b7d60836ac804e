"""The choreography of each saga candidate of the analysis: who does which step, who undoes
it, who starts the saga and tracks it, which events connect them.

A candidate becomes a saga when at least one step can be undone and its steps span two
services or more. Its steps keep the analysis' order; a step's compensation is the
candidate's (``reserve`` → ``release``). The service that owns the candidate's entrypoint
starts the saga and runs its tracker; services the candidate touches without a step
(``notifications`` for a checkout) hear of its completion.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from analyzer.model.analysis import Analysis, SagaCandidate
from reports.scaffold.blueprint import ServiceBlueprint
from reports.scaffold.events.catalog import EventCatalog, EventSpec, saga_step_name
from reports.scaffold.naming import snake

DEFAULT_TIMEOUT = 60.0
OUTCOMES = ("started", "step_succeeded", "step_failed", "step_compensated", "completed",
            "aborted")


@dataclass(frozen=True)
class SagaStepPlan:
    name: str  # step name in events (the operation's function name)
    service: str
    directory: str
    operation: str
    compensation: str | None  # the undo operation's name, None when nothing undoes it
    compensation_operation: str | None
    location: str


@dataclass
class SagaPlan:
    name: str  # snake name, e.g. "checkout"
    candidate: SagaCandidate
    steps: list[SagaStepPlan]
    initiator: str  # service name
    initiator_directory: str
    listeners: list[str]  # services told of its completion
    events: dict[str, EventSpec]  # outcome → event
    timeout: float = DEFAULT_TIMEOUT

    @property
    def services(self) -> list[str]:
        return list(dict.fromkeys(s.service for s in self.steps))

    def steps_of(self, service: str) -> list[SagaStepPlan]:
        return [s for s in self.steps if s.service == service]

    def next_compensable(self, below: str) -> SagaStepPlan | None:
        index = [s.name for s in self.steps].index(below)
        return next((s for s in reversed(self.steps[:index]) if s.compensation), None)


@dataclass
class SagaParticipation:
    """What one service does in the sagas: its steps, the sagas it tracks, the completions
    it is told of."""

    service: str
    directory: str
    sagas: list[SagaPlan] = field(default_factory=list)  # it has steps in them
    tracks: list[SagaPlan] = field(default_factory=list)
    confirms: list[SagaPlan] = field(default_factory=list)

    @property
    def all_sagas(self) -> list[SagaPlan]:
        return list({id(p): p for p in self.sagas + self.tracks + self.confirms}.values())


@dataclass
class SagaSystem:
    sagas: list[SagaPlan]
    participants: dict[str, SagaParticipation]
    notes: list[str]


def _owner(analysis: Analysis, symbol: str, services: set[str]) -> str | None:
    """The service whose code holds ``symbol``: an exact symbol, else the longest module."""
    for context in analysis.services:
        if symbol in context.symbols and context.name in services:
            return context.name
    best: tuple[int, str] | None = None
    for context in analysis.services:
        for module in context.modules:
            if (symbol == module or symbol.startswith(module + ".")) and \
                    (best is None or len(module) > best[0]):
                best = (len(module), context.name)
    return best[1] if best else None


def plan_sagas(analysis: Analysis, catalog: EventCatalog) -> SagaSystem:
    blueprints: dict[str, ServiceBlueprint] = catalog.blueprints
    notes: list[str] = []
    sagas: list[SagaPlan] = []
    for candidate in analysis.sagas:
        events = {e.outcome: e for e in catalog.events
                  if e.kind == "saga" and e.saga == candidate.name and e.outcome}
        steps: list[SagaStepPlan] = []
        seen: set[str] = set()
        for step in sorted(candidate.steps, key=lambda s: s.order):
            name = saga_step_name(step.operation)
            bp = blueprints.get(step.service)
            if bp is None or name in seen:
                notes.append(f"{candidate.name}: step {step.operation} skipped "
                             f"({'unknown service' if bp is None else 'same name twice'})")
                continue
            seen.add(name)
            steps.append(SagaStepPlan(
                name=name, service=step.service, directory=bp.slug,
                operation=step.operation,
                compensation=saga_step_name(step.compensation) if step.compensation else None,
                compensation_operation=step.compensation,
                location=str(step.location or candidate.location)))
        if set(OUTCOMES) - set(events) or not any(s.compensation for s in steps):
            notes.append(f"{candidate.name}: no step can be undone, not a saga")
            continue
        if len({s.service for s in steps}) < 2:
            notes.append(f"{candidate.name}: one service does every step, a local transaction")
            continue
        step_services = {s.service for s in steps}
        initiator = _owner(analysis, candidate.entrypoint, set(blueprints)) or steps[0].service
        if initiator not in blueprints:
            initiator = steps[0].service
        listeners = [s for s in candidate.services if s in blueprints and s not in step_services]
        sagas.append(SagaPlan(
            name=snake(candidate.name) or "saga", candidate=candidate, steps=steps,
            initiator=initiator, initiator_directory=blueprints[initiator].slug,
            listeners=listeners, events=events))
    participants: dict[str, SagaParticipation] = {}

    def participation(service: str) -> SagaParticipation:
        if service not in participants:
            participants[service] = SagaParticipation(service, blueprints[service].slug)
        return participants[service]

    for saga in sagas:
        for service in saga.services:
            participation(service).sagas.append(saga)
        participation(saga.initiator).tracks.append(saga)
        for service in saga.listeners:
            participation(service).confirms.append(saga)
    return SagaSystem(sagas, participants, notes)
