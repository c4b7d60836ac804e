"""Typed models that travel between pipeline stages; ``Analysis`` is the JSON schema."""

from analyzer.model.analysis import SCHEMA_VERSION, Analysis
from analyzer.model.config import Settings, load_settings
from analyzer.model.facts import FileFacts

__all__ = ["SCHEMA_VERSION", "Analysis", "FileFacts", "Settings", "load_settings"]
