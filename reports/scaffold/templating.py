"""The one way the scaffold's generators load their templates and write what they render."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined


def code_templates(root: Path) -> Environment:
    """Jinja over ``root`` for generated code, config and Markdown: undefined names fail,
    block tags leave no blank lines. No HTML autoescape: the output is not HTML, and every
    name from the analysis is made safe for its target by ``naming``/``pysource`` first."""
    return Environment(loader=FileSystemLoader(root), undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                       autoescape=False)


def write_generated(path: Path, text: str) -> Path:
    """Write one generated file (its folders created); return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
