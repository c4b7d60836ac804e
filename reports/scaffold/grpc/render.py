"""Write the gRPC contracts of an analysis: protos, compiled stubs, servers and clients.

The templates under ``templates/`` mirror the generated tree; ``{target}`` and ``{source}``
in their paths stand for the called and the calling service. The Python stubs are compiled
with grpcio-tools while rendering and written beside the code that imports them.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from importlib import metadata, resources
from pathlib import Path

from analyzer.errors import StranglerError
from analyzer.model.analysis import Analysis
from reports.scaffold.templating import code_templates, write_generated

from .contract import GrpcService, RpcMethod, camel, plan_grpc, singular

TEMPLATES = Path(__file__).parent / "templates"
TARGET_FILES = ("__init__.py", "errors.py", "idempotency.py", "operations.py", "servicer.py",
                "server.py")


class GrpcScaffoldError(StranglerError):
    """A generated .proto did not compile (a bug of the generator, or a missing protoc)."""


def render_grpc(analysis: Analysis, out_dir: Path) -> list[Path]:
    """Write ``protos/`` and the gRPC parts of the services into ``out_dir``; return them.

    One ``protos/<target>.proto`` per service that another calls synchronously; its server
    under ``services/<target>/app/grpc/``; for each caller a client in
    ``services/<source>/app/clients/<target>_grpc.py``; ``protos/README.md`` documents it.
    """
    plan = plan_grpc(analysis)
    if not plan.services:
        return []
    env = code_templates(TEMPLATES)
    env.globals["role_origin"] = _origin
    written: list[Path] = []

    def write(path: Path, text: str, *, keep_existing: bool = False) -> None:
        if keep_existing and path.exists():
            return  # a package docstring another generator may have written first
        written.append(write_generated(path, text))

    versions: dict[str, str] = {}
    for svc in plan.services:
        ctx = {"svc": svc, "source_path": analysis.source.path,
               "port_class": "PaymentProcessor" if svc.shape == "payment"
               else f"{camel(singular(svc.ident))}Operations"}
        proto = env.get_template("protos/{target}.proto.j2").render(ctx)
        write(out_dir / "protos" / f"{svc.ident}.proto", proto)
        stubs = compile_stubs(svc.ident, proto)
        versions = stub_versions(stubs[f"{svc.ident}_pb2.py"])

        server_dir = out_dir / "services" / svc.directory / "app" / "grpc"
        _ensure_app_package(server_dir.parent, write)
        for name in TARGET_FILES:
            template = env.get_template(f"services/{{target}}/app/grpc/{name}.j2")
            write(server_dir / name, template.render(ctx))
        for name, text in stubs.items():
            write(server_dir / name, text)

        for source, directory in zip(svc.sources, svc.source_directories(), strict=True):
            client_dir = out_dir / "services" / directory / "app" / "clients"
            _ensure_app_package(client_dir.parent, write)
            client_ctx = {**ctx, "source": source, "client_class": f"{svc.service_name}Client",
                          "env_prefix": f"{svc.ident.upper()}_GRPC_"}
            base = "services/{source}/app/clients"
            write(client_dir / "__init__.py",
                  env.get_template(f"{base}/__init__.py.j2").render(client_ctx),
                  keep_existing=True)
            write(client_dir / "grpc_resilience.py",
                  env.get_template(f"{base}/grpc_resilience.py.j2").render(client_ctx))
            write(client_dir / f"{svc.ident}_grpc.py",
                  env.get_template(f"{base}/{{target}}_grpc.py.j2").render(client_ctx))
            for name, text in stubs.items():
                write(client_dir / name, text)

    readme = env.get_template("protos/README.md.j2").render(
        services=plan.services, skipped=plan.skipped, source_path=analysis.source.path,
        grpc_tools_version=metadata.version("grpcio-tools"),
        protobuf_version=versions["protobuf"], requirements=grpc_requirements(versions))
    write(out_dir / "protos" / "README.md", readme)
    return list(dict.fromkeys(written))


def compile_stubs(ident: str, proto: str) -> dict[str, str]:
    """``<ident>_pb2.py``, ``.pyi`` and ``_pb2_grpc.py`` for the proto text, by protoc.

    protoc writes ``import <ident>_pb2`` into the grpc stub, which only works with the
    stubs' folder on sys.path; the import is made relative so they live in a package.
    """
    try:
        well_known = resources.files("grpc_tools") / "_proto"
    except ModuleNotFoundError as exc:
        raise GrpcScaffoldError("compiling the generated .proto files needs grpcio-tools "
                                "(pip install grpcio-tools)") from exc
    with tempfile.TemporaryDirectory(prefix="strangler-protoc-") as tmp:
        (Path(tmp) / f"{ident}.proto").write_text(proto, encoding="utf-8")
        proc = subprocess.run(
            [sys.executable, "-m", "grpc_tools.protoc", f"-I{tmp}", f"-I{well_known}",
             f"--python_out={tmp}", f"--pyi_out={tmp}", f"--grpc_python_out={tmp}",
             f"{tmp}/{ident}.proto"],
            capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise GrpcScaffoldError(f"protoc failed on {ident}.proto: "
                                    f"{(proc.stderr or proc.stdout).strip()}",
                                    path=f"protos/{ident}.proto")
        stubs = {name: (Path(tmp) / name).read_text(encoding="utf-8")
                 for name in (f"{ident}_pb2.py", f"{ident}_pb2.pyi", f"{ident}_pb2_grpc.py")}
    grpc_stub = f"{ident}_pb2_grpc.py"
    stubs[grpc_stub], count = re.subn(rf"^import {ident}_pb2 as ",
                                      f"from . import {ident}_pb2 as ", stubs[grpc_stub],
                                      flags=re.MULTILINE)
    if count != 1:
        raise GrpcScaffoldError(f"unexpected import layout in the stub {grpc_stub}")
    return stubs


def stub_versions(pb2: str) -> dict[str, str]:
    """The protobuf runtime the compiled stub demands (it checks it at import)."""
    found = re.search(r"ValidateProtobufRuntimeVersion\(\s*_runtime_version\.Domain\.PUBLIC,"
                      r"\s*(\d+),\s*(\d+),\s*(\d+)", pb2)
    return {"protobuf": ".".join(found.groups()) if found else metadata.version("protobuf")}


def grpc_requirements(versions: dict[str, str] | None = None) -> list[str]:
    """Runtime packages of a service that serves or calls the generated gRPC code."""
    grpc_version = metadata.version("grpcio-tools")
    protobuf = (versions or {}).get("protobuf") or metadata.version("protobuf")
    return [f"grpcio>={grpc_version}", f"grpcio-health-checking>={grpc_version}",
            f"grpcio-reflection>={grpc_version}", f"grpcio-status>={grpc_version}",
            f"protobuf>={protobuf}", "pydantic-settings>=2.3", "sqlalchemy[asyncio]>=2.0",
            "asyncpg>=0.29"]


def _ensure_app_package(app_dir: Path, write: Callable[..., None]) -> None:
    # The service skeleton owns app/__init__.py; without one, ``app/grpc`` would be the
    # top-level package "grpc" to tools and shadow the library.
    write(app_dir / "__init__.py", f'"""The {app_dir.parent.name} service."""\n',
          keep_existing=True)


def _origin(method: RpcMethod | None) -> str:
    if method is None:
        return "nothing in the monolith"
    callers = f", called by {', '.join(method.callers)}" if method.callers else ""
    return f"{method.symbol} ({method.location}){callers}"


__all__ = ["GrpcScaffoldError", "GrpcService", "compile_stubs", "grpc_requirements",
           "render_grpc", "stub_versions"]
