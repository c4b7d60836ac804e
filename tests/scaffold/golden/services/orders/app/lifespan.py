"""What runs for the whole life of the orders service beside its HTTP API, entered by the
FastAPI lifespan (app.main) once the database, the broker and the outbox relay are up,
and left in reverse order before they stop.

``COMPONENTS`` is the extension point: each entry takes the ``Runtime`` and returns an async
context manager that runs the component while the service runs (a gRPC server, event
consumers, a saga participant). strangler's generators add entries through the service's
blueprint (``reports.scaffold.blueprint.LifespanComponent``); add your own the same way.
"""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager

from app.core.runtime import Runtime
from app.events.evidence import following_evidence
from app.saga.participant import taking_part

LifespanComponent = Callable[[Runtime], AbstractAsyncContextManager[object]]

COMPONENTS: tuple[LifespanComponent, ...] = (
    # its part in the sagas (choreography): steps of checkout; tracks checkout
    taking_part,
    # publishes OrderPaid, OrderShipped once the status and the evidence are both known
    following_evidence,
)


@asynccontextmanager
async def running_components(runtime: Runtime) -> AsyncIterator[None]:
    """Start every component in order; stop the started ones in reverse, also when a later
    one fails to start."""
    async with AsyncExitStack() as stack:
        for component in COMPONENTS:
            await stack.enter_async_context(component(runtime))
        yield
