"""The training job's source archive: reproducible, self-contained, with the pins the tests use."""

from __future__ import annotations

import ast
import io
import subprocess
import sys
import tarfile
import tomllib
from pathlib import Path

from fmkit.customize.source_archive import LAUNCHER, TRAINING_DIR, archive_bytes, write_source_archive

ROOT = Path(__file__).resolve().parents[3]
STDLIB = set(sys.stdlib_module_names)
# Imported lazily by train.py/merge.py; installed by requirements.txt on top of the training image.
THIRD_PARTY = {"torch", "transformers", "peft", "huggingface_hub"}


def test_archive_is_reproducible_and_has_the_entry_point_on_top(tmp_path: Path) -> None:
    assert archive_bytes() == archive_bytes()
    archive = write_source_archive(tmp_path / "sourcedir.tar.gz")
    with tarfile.open(archive.path) as tar:
        names = tar.getnames()
        assert all(m.mtime == 0 and m.uid == 0 for m in tar.getmembers())
        launcher = tar.extractfile("train.py")
        assert launcher is not None and launcher.read().decode() == LAUNCHER
    assert archive.entry_point == "train.py" and "requirements.txt" in names
    assert "fmkit/customize/training/train.py" in names and "fmkit/__init__.py" in names
    assert not [n for n in names if n.startswith("fmkit/") and not n.startswith("fmkit/customize/training/")
                and n not in ("fmkit/__init__.py", "fmkit/customize/__init__.py")]
    assert len(archive.sha256) == 64


def test_shipped_code_imports_only_itself_the_standard_library_and_its_requirements() -> None:
    for module in TRAINING_DIR.glob("*.py"):
        tree = ast.parse(module.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                assert (name.startswith("fmkit.customize.training") or top in STDLIB or top in THIRD_PARTY), (
                    f"{module.name} imports {name}")


def test_the_unpacked_archive_imports_without_fmkit_or_torch(tmp_path: Path) -> None:
    with tarfile.open(fileobj=io.BytesIO(archive_bytes())) as tar:
        tar.extractall(tmp_path, filter="data")
    probe = ("import sys; import fmkit.customize.training.train as t; "
             "assert t.__file__.startswith(sys.argv[1]), t.__file__; "
             "assert 'torch' not in sys.modules and 'pydantic' not in sys.modules; print('ok')")
    done = subprocess.run([sys.executable, "-S", "-c", probe, str(tmp_path)], cwd=tmp_path, capture_output=True,
                          text=True, check=False)
    assert done.stdout.strip() == "ok", done.stderr


def test_requirements_pin_what_the_customize_extra_pins() -> None:
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["customize"]
    pins = dict(line.split("==", 1) for line in extra if "==" in line)
    shipped = [line.split(";")[0].strip() for line in (TRAINING_DIR / "requirements.txt").read_text().splitlines()
               if line.strip() and not line.startswith("#")]
    for requirement in shipped:
        name, _, version = requirement.partition("==")
        assert version, f"{requirement} is not pinned"
        if name in pins:
            assert pins[name] == version, f"{name}: requirements.txt {version}, pyproject {pins[name]}"
    assert "torch" not in {r.partition("==")[0] for r in shipped}  # the image's CUDA build stays
