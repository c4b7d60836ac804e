"""Running a generated system without Docker: ``strangler run DIR``.

``render_local_run(analysis, out_dir)`` writes the Procfile and ``local/`` (the manifest the
runner reads); ``run_system(out_dir, options)`` starts the services, the gateway and waits
for them; ``LocalSystem`` does the same as a context manager (tests, scripts).
"""

from reports.scaffold.runner.manifest import (
    LocalManifest,
    LocalService,
    plan_manifest,
    read_manifest,
    render_local_run,
)
from reports.scaffold.runner.system import (
    LocalSystem,
    RunError,
    RunInterrupted,
    RunOptions,
    run_system,
)

__all__ = [
    "LocalManifest",
    "LocalService",
    "LocalSystem",
    "RunError",
    "RunInterrupted",
    "RunOptions",
    "plan_manifest",
    "read_manifest",
    "render_local_run",
    "run_system",
]
