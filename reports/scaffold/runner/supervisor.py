"""Child processes of ``strangler run``: started in their own process group, their output
prefixed with their name, and stopped group-wide (SIGTERM, then SIGKILL) so nothing they
spawned — uvicorn's reload worker, nginx's workers — outlives the run."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

PR_SET_PDEATHSIG = 1
# Looked up once here: the function runs in the forked child before exec, where importing
# or loading a library could deadlock on a lock another thread held at fork time.
_prctl = getattr(ctypes.CDLL(None), "prctl", None) if sys.platform.startswith("linux") else None


def _die_with_parent() -> None:
    """Linux: the child gets SIGTERM when strangler dies, even by SIGKILL."""
    if _prctl is not None:
        _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class OutputSink:
    """Where the children's lines go: one console (prefixed) and/or one file per child."""

    def __init__(self, console: TextIO | None = sys.stdout, log_dir: Path | None = None,
                 width: int = 12) -> None:
        self.console = console
        self.log_dir = log_dir
        self.width = width
        self._lock = threading.Lock()
        if log_dir is not None:
            log_dir.mkdir(parents=True, exist_ok=True)

    def open_log(self, name: str) -> TextIO | None:
        if self.log_dir is None:
            return None
        return (self.log_dir / f"{name}.log").open("a", encoding="utf-8", buffering=1)

    def line(self, name: str, text: str) -> None:
        if self.console is not None:
            with self._lock:
                self.console.write(f"{name:>{self.width}} | {text}")
                self.console.flush()


class ManagedProcess:
    """One child process of the system."""

    def __init__(self, name: str, command: Sequence[str], *, cwd: Path,
                 env: dict[str, str], sink: OutputSink) -> None:
        self.name = name
        self.command = list(command)
        self.cwd = cwd
        self.env = env
        self.sink = sink
        self.proc: subprocess.Popen[bytes] | None = None
        self.tail: deque[str] = deque(maxlen=40)
        self._pump: threading.Thread | None = None
        self._log: TextIO | None = None
        self._finished = False

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def start(self) -> ManagedProcess:
        self._log = self.sink.open_log(self.name)
        self.proc = subprocess.Popen(
            self.command, cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            # its own group: one signal reaches everything it spawns, and Ctrl-C in the
            # terminal reaches strangler only, which then stops the children in order
            start_new_session=True,
            preexec_fn=_die_with_parent if _prctl is not None else None,
        )
        self._pump = threading.Thread(target=self._copy_output, name=f"output-{self.name}",
                                      daemon=True)
        self._pump.start()
        return self

    def _copy_output(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for raw in iter(self.proc.stdout.readline, b""):
            text = raw.decode("utf-8", errors="replace")
            if not text.endswith("\n"):
                text += "\n"
            self.tail.append(text)
            self.sink.line(self.name, text)
            if self._log is not None:
                self._log.write(text)
        self.proc.stdout.close()

    def exited(self) -> int | None:
        """The exit code, or None while it runs."""
        return None if self.proc is None else self.proc.poll()

    def child_exited(self) -> bool:
        """Whether a direct child has exited and not been reaped (Linux). uvicorn's reloader
        leaves its crashed worker so until the next change: the service is down, although
        the process strangler started still runs."""
        if self.proc is None or self.proc.poll() is not None:
            return False
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if fields[1] == str(self.proc.pid) and fields[0] == "Z":
                return True
        return False

    def output(self) -> str:
        return "".join(self.tail)

    def signal_group(self, signum: int) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signum)

    def wait(self, timeout: float) -> bool:
        """True when it exited within ``timeout`` seconds."""
        if self.proc is None:
            return True
        try:
            self.proc.wait(timeout=max(timeout, 0))
        except subprocess.TimeoutExpired:
            return False
        return True

    def finish(self) -> None:
        """After the process exited: kill stragglers of its group, drain its output."""
        if self._finished:
            return
        self._finished = True
        self.signal_group(signal.SIGKILL)
        if self._pump is not None:
            self._pump.join(timeout=2)
        if self._log is not None:
            self._log.close()
            self._log = None


def run_to_end(name: str, command: Sequence[str], *, cwd: Path, env: dict[str, str],
               sink: OutputSink, timeout: float) -> tuple[int, str]:
    """Run a one-off step (database setup, a migration) to its end; (exit code, output)."""
    step = ManagedProcess(name, command, cwd=cwd, env=env, sink=sink).start()
    if not step.wait(timeout):
        step.signal_group(signal.SIGKILL)
        step.wait(5)
        step.finish()
        return -1, step.output() + f"\n(stopped after {timeout:g} s)\n"
    step.finish()
    return step.exited() or 0, step.output()


def stop_all(processes: Sequence[ManagedProcess], *, grace: float = 10.0,
             signum: int = signal.SIGTERM,
             before_kill: Callable[[ManagedProcess], None] | None = None) -> None:
    """Signal every group at once, give them ``grace`` seconds together, then SIGKILL."""
    for process in processes:
        if process.exited() is None:
            process.signal_group(signum)
    deadline = time.monotonic() + grace
    for process in processes:
        if not process.wait(deadline - time.monotonic()):
            if before_kill is not None:
                before_kill(process)
            process.signal_group(signal.SIGKILL)
            process.wait(5)
        process.finish()
