"""Regenerate the golden tree of ``strangler scaffold`` for the hand-built shop analysis.

    python -m tests.scaffold.regen_golden

Run it from the repository root after a deliberate change to the scaffold, then read the
diff (``git diff tests/scaffold/golden``) before committing it.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

# Importable both as tests.scaffold.regen_golden and, from the tests, as regen_golden.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from shop_analysis import build_shop_analysis  # noqa: E402

from reports.scaffold import scaffold  # noqa: E402

GOLDEN = Path(__file__).resolve().parent / "golden"


def regenerate() -> list[Path]:
    shutil.rmtree(GOLDEN / "services", ignore_errors=True)
    return scaffold(build_shop_analysis(), GOLDEN)


if __name__ == "__main__":
    written = regenerate()
    print(f"wrote {len(written)} files under {GOLDEN / 'services'}")
