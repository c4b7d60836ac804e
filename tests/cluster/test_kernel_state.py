"""Module-level state the shared kernel reads (the settings object its session factory
uses) is kernel too: every service gets the kernel, so it must get that state."""

from __future__ import annotations

from pathlib import Path

from analyzer.model.config import load_settings
from analyzer.pipeline import analyze

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "shop_monolith"


def test_the_settings_the_kernel_reads_are_kernel_not_one_services() -> None:
    analysis = analyze(FIXTURE, settings=load_settings(FIXTURE), use_cache=False)
    kernel = {k.symbol: k.reason for k in analysis.shared_kernel}
    assert "shop.db" in kernel and "shop.auth" in kernel
    assert kernel["shop.config"] == "module-level state the shared kernel reads"
    assert "shop.config.load_settings" in kernel
    assert not any("shop.config" in s.modules for s in analysis.services)
    # Only module-level state is followed: the models and handlers the kernel uses
    # (auth reads the users table) stay in their services.
    assert "shop.models.User" not in kernel
    assert any("shop.models.User" in s.symbols for s in analysis.services)
