"""The one error hierarchy of strangler. A user-facing error names the file (and line)."""

from __future__ import annotations


class StranglerError(Exception):
    """Base of every error strangler raises on purpose."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None):
        super().__init__(message)
        self.path = path
        self.line = line

    def where(self) -> str:
        if self.path and self.line:
            return f"{self.path}:{self.line}"
        return self.path or ""


class ConfigError(StranglerError):
    """Invalid [tool.strangler] / strangler.toml settings."""


class InputError(StranglerError):
    """The path to analyse, or an analysis.json to read, is not usable."""
