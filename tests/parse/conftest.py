"""Helpers for parse-stage tests: facts of a tiny inline monolith file."""

from __future__ import annotations

import textwrap
from collections.abc import Callable

import pytest

from analyzer.model.facts import FileFacts
from analyzer.parse import extract_facts

Extract = Callable[..., FileFacts]


def facts_of(source: str, module: str = "shop.services", *, is_package: bool = False,
             path: str | None = None, force_libcst: bool = False) -> FileFacts:
    path = path or module.replace(".", "/") + ("/__init__.py" if is_package else ".py")
    return extract_facts(path, module, is_package, textwrap.dedent(source).encode(),
                         force_libcst=force_libcst)


@pytest.fixture
def extract() -> Extract:
    return facts_of


def line_of(source: str, needle: str) -> int:
    """1-based line of the first line containing ``needle`` in the dedented source."""
    for number, line in enumerate(textwrap.dedent(source).splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in source")


@pytest.fixture
def line() -> Callable[[str, str], int]:
    return line_of
