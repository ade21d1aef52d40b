"""Generates the Python messages, type stubs and gRPC stubs of the API contract into gen/.

Run: python tools/generate_protos.py        (rewrites gen/ from proto/)
     python tools/generate_protos.py --check (exit 1 if gen/ differs from what proto/ generates)

buf.validate has no classic generated module on PyPI any more (protovalidate 2 ships its own
runtime), so it is generated here too, under ecopermit._vendor so that it cannot collide with
another distribution's top-level "buf" package; our modules' imports of it are rewritten to match.
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTO = ROOT / "proto"
GEN = ROOT / "gen"
OWN_PACKAGE = "ecopermit"
VENDORED_VALIDATE = "buf/validate/validate.proto"
VENDOR_IMPORT = "from ecopermit._vendor.buf.validate import"


def _protoc(out: Path, files: list[str]) -> None:
    command = [
        sys.executable,
        "-m",
        "grpc_tools.protoc",
        f"-I{PROTO}",
        f"--python_out={out}",
        f"--pyi_out={out}",
        f"--grpc_python_out={out}",
        *files,
    ]
    subprocess.run(command, check=True, cwd=ROOT)


def _rewrite_vendor_imports(tree: Path) -> None:
    for module in tree.rglob("*.py*"):
        text = module.read_text()
        rewritten = text.replace("from buf.validate import", VENDOR_IMPORT)
        if rewritten != text:
            module.write_text(rewritten)


def _add_package_markers(tree: Path) -> None:
    # Every generated directory below the namespace root is a regular package so that mypy and
    # importlib agree on module names; "ecopermit" itself stays a namespace shared with src/.
    for directory in [p for p in tree.rglob("*") if p.is_dir() and p.name != "__pycache__"]:
        if directory != tree / OWN_PACKAGE:
            (directory / "__init__.py").touch()


def generate(out: Path) -> None:
    own = sorted(str(p.relative_to(PROTO)) for p in (PROTO / OWN_PACKAGE).rglob("*.proto"))
    _protoc(out, own)
    with tempfile.TemporaryDirectory() as vendored:
        _protoc(Path(vendored), [VENDORED_VALIDATE])
        target = out / OWN_PACKAGE / "_vendor" / "buf"
        shutil.copytree(Path(vendored) / "buf", target)
    for stub in (out / OWN_PACKAGE / "_vendor").rglob("*_grpc.py"):
        stub.unlink()  # validate.proto has no services
    _rewrite_vendor_imports(out / OWN_PACKAGE)
    _add_package_markers(out)


def _differences(left: Path, right: Path) -> list[str]:
    comparison = filecmp.dircmp(left, right, ignore=["__pycache__"])
    found = [f"only in gen/: {name}" for name in comparison.left_only]
    found += [f"missing from gen/: {name}" for name in comparison.right_only]
    found += [f"differs: {name}" for name in comparison.diff_files]
    for name, sub in comparison.subdirs.items():
        found += [f"{name}/{line}" for line in _differences(Path(sub.left), Path(sub.right))]
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if gen/ is stale")
    args = parser.parse_args()
    if not args.check:
        shutil.rmtree(GEN, ignore_errors=True)
        GEN.mkdir()
        generate(GEN)
        return 0
    with tempfile.TemporaryDirectory() as fresh:
        generate(Path(fresh))
        stale = _differences(GEN, Path(fresh))
    for line in stale:
        print(f"gen/ is stale: {line}", file=sys.stderr)
    if stale:
        print("run: python tools/generate_protos.py", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
