"""stacks/common/lambda_bundles.py: what a bundle holds, that it is byte-identical when rebuilt, what
pruning removes, and the sizes every function ships (Lambda's limit, the kit's own budget)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from stacks.common import lambda_bundles
from stacks.common.lambda_bundles import cached_zip, code_bundle, layers_for, prune, unzipped_bytes
from stacks.common.lambda_layout import LAMBDA_ROOT

FUNCTIONS = sorted(p.name for p in LAMBDA_ROOT.iterdir() if p.is_dir() and any(p.glob("*.py")))
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024
"""Function code plus all its layers, unzipped (Lambda's quota)."""
LARGEST_ASSET_BUDGET = 80_000_000
"""No single asset (a function's code or a layer) above this, unzipped."""


def test_rebuilding_a_bundle_gives_the_same_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "src"
    (source / "pkg").mkdir(parents=True)
    (source / "pkg" / "b.py").write_text("B = 2\n")
    (source / "a.py").write_text("A = 1\n")
    (source / "tool").write_text("#!/bin/sh\n")
    (source / "tool").chmod(0o755)
    files = lambda: iter((p, p.relative_to(source).as_posix()) for p in source.rglob("*") if p.is_file())  # noqa: E731
    monkeypatch.setattr(lambda_bundles, "BUNDLE_ROOT", tmp_path / "one")
    first = cached_zip("x", files).read_bytes()
    monkeypatch.setattr(lambda_bundles, "BUNDLE_ROOT", tmp_path / "two")
    (source / "a.py").touch()  # a new mtime changes nothing
    second = cached_zip("x", files)
    assert second.read_bytes() == first
    with zipfile.ZipFile(second) as archive:
        assert archive.namelist() == ["a.py", "pkg/b.py", "tool"]
        assert archive.getinfo("tool").external_attr >> 16 == 0o755
        assert archive.getinfo("a.py").date_time == (1980, 1, 1, 0, 0, 0)


def test_pruning_keeps_code_and_metadata_only(tmp_path: Path) -> None:
    root = tmp_path / "numpy-dist"
    for relative in ("numpy/__init__.py", "numpy/__init__.pyi", "numpy/_core/tests/test_x.py",
                     "numpy/_core/include/numpy/ndarraytypes.h", "numpy/_core/lib/libnpymath.a",
                     "numpy/_core/_umath_tests.cpython-314-aarch64-linux-gnu.so",
                     "numpy/_core/_multiarray_umath.cpython-314-aarch64-linux-gnu.so",
                     "numpy/__pycache__/x.cpython-314.pyc", "numpy-2.5.5.dist-info/RECORD"):
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text("x")
    prune(root, "numpy")
    left = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert left == ["numpy-2.5.5.dist-info/RECORD", "numpy/__init__.py",
                    "numpy/_core/_multiarray_umath.cpython-314-aarch64-linux-gnu.so"]


def test_code_bundles_hold_code_not_requirements() -> None:
    _, bundle = code_bundle("ingest", (), ("fmkit.knowledge", "fmkit.contracts"))
    with zipfile.ZipFile(bundle) as archive:
        names = set(archive.namelist())
    assert {"handler.py", "bulk.py", "fmkit/knowledge/stores/pgvector_bulk.py", "fmkit/contracts/knowledge.py"} <= names
    assert not {"requirements.txt", "requirements.lock"} & names
    assert not any(n.endswith(".pyc") or "/tests/" in n or n.startswith("psycopg") for n in names)


@pytest.mark.parametrize("entry", FUNCTIONS)
def test_every_function_fits_lambda_and_the_asset_budget(entry: str) -> None:
    sizes = [unzipped_bytes(layer.bundle()) for layer in layers_for(entry)]
    sizes.append(unzipped_bytes(code_bundle(entry, (), ("fmkit.contracts",))[1]))
    assert sum(sizes) < LAMBDA_UNZIPPED_LIMIT
    assert max(sizes) <= LARGEST_ASSET_BUDGET, sizes
