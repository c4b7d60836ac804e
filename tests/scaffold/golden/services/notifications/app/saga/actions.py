"""The operations behind this service's saga steps. Until the monolith's code moves here,
``LedgerActions`` stands in for them: the ledger row it is recorded with is the step's
effect (the hold), logged. A real implementation (``SAGA_ACTIONS=module:Name``) does the
work in the session it is given and raises ``StepRefused`` for a business refusal.

The operations to port, from the analysis:
"""

import importlib
import logging
from typing import Any, Protocol
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

logger = logging.getLogger(__name__)


class StepRefused(Exception):
    """The step cannot be done (declined, out of stock, invalid): the saga compensates."""


class StepActions(Protocol):
    async def do(
        self, session: AsyncSession, saga: str, step: str, saga_id: UUID, data: dict[str, Any]
    ) -> dict[str, Any]:
        """Do ``step``; return what the next steps need (merged into the saga's data)."""
        ...

    async def undo(
        self, session: AsyncSession, saga: str, step: str, saga_id: UUID, data: dict[str, Any]
    ) -> None:
        """Undo a done ``step`` (its compensation)."""
        ...


class LedgerActions:
    async def do(
        self, session: AsyncSession, saga: str, step: str, saga_id: UUID, data: dict[str, Any]
    ) -> dict[str, Any]:
        logger.info("saga step done", extra={"saga": saga, "step": step, "saga_id": str(saga_id)})
        return {}

    async def undo(
        self, session: AsyncSession, saga: str, step: str, saga_id: UUID, data: dict[str, Any]
    ) -> None:
        logger.info("saga step undone", extra={"saga": saga, "step": step, "saga_id": str(saga_id)})


def load_actions(path: str) -> StepActions:
    """``"package.module:Name"``: a class (instantiated without arguments) or an instance."""
    module_name, _, attribute = path.partition(":")
    if not attribute:
        raise ValueError(f"SAGA_ACTIONS must look like 'module:Name', not {path!r}")
    found = getattr(importlib.import_module(module_name), attribute)
    actions = found() if isinstance(found, type) else found
    if not callable(getattr(actions, "do", None)) or not callable(getattr(actions, "undo", None)):
        raise ValueError(f"{path} has no do() and undo() methods")
    loaded: StepActions = actions
    return loaded
