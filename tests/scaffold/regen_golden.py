"""Regenerate the golden tree of ``strangler scaffold`` for the hand-built shop analysis: the
whole generated system (services, protos, gateway, docker-compose, local runner, docs).

    python -m tests.scaffold.regen_golden

Run it from the repository root after a deliberate change to the scaffold, then read the
diff (``git diff tests/scaffold/golden``) before committing it.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

# Importable both as tests.scaffold.regen_golden and, from the tests, as regen_golden.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from shop_analysis import build_shop_analysis  # noqa: E402

from reports.scaffold import scaffold  # noqa: E402

GOLDEN = Path(__file__).resolve().parent / "golden"
# protoc's output changes with every grpcio-tools release: present, but not compared
PROTOC_OUTPUT = re.compile(r"_pb2(_grpc)?\.pyi?$")
# The gRPC packages' versions are those of the machine that generated: compared as <v>.
_VERSIONS = re.compile(r"(?P<name>grpcio(?:-[a-z]+)*|protobuf)(?P<sep>>=| |==)\d+(?:\.\d+)+"
                       r"|(?P<runtime>protobuf runtime ≥\s+)\d+(?:\.\d+)+")


def version_free(text: str) -> str:
    """``text`` with the gRPC and protobuf version numbers replaced by ``<v>``."""
    return _VERSIONS.sub(lambda m: (m["runtime"] or f"{m['name']}{m['sep']}") + "<v>", text)


def regenerate() -> list[Path]:
    shutil.rmtree(GOLDEN, ignore_errors=True)
    return scaffold(build_shop_analysis(), GOLDEN)


if __name__ == "__main__":
    written = regenerate()
    print(f"wrote {len(written)} files under {GOLDEN}")
