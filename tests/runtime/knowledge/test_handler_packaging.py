"""Each knowledge function imports from a bundle laid out as the asset is: its folder at the root,
`fmkit.knowledge` and `fmkit.contracts` beside it, and nothing its requirements do not list."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.runtime
ROOT = Path(__file__).resolve().parents[3]
LAMBDA_DIR = ROOT / "lambda"
PARSERS = ("pypdf", "python-docx", "beautifulsoup4")

BLOCKER = textwrap.dedent(
    """
    import importlib, importlib.abc, sys
    ALLOWED = set(filter(None, sys.argv[1].split(",")))
    BUNDLED_FMKIT = ("fmkit", "fmkit.knowledge", "fmkit.contracts")
    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            top = name.split(".")[0]
            if top in {"pypdf", "docx", "bs4", "moto", "pgserver", "hypothesis", "aws_cdk", "stacks"} - ALLOWED:
                raise ImportError(f"{name} is not in this function's requirements")
            if top == "fmkit" and not any(name == p or name.startswith(p + ".") for p in BUNDLED_FMKIT):
                raise ImportError(f"{name} is not bundled with the function")
            return None
    sys.meta_path.insert(0, Block())
    sys.path.insert(0, sys.argv[2])
    module = importlib.import_module(sys.argv[3])
    for entry in sys.argv[4].split(","):
        assert callable(getattr(module, entry)), entry
    import fmkit.knowledge
    assert fmkit.knowledge.__file__.startswith(sys.argv[2]), fmkit.knowledge.__file__
    print("ok")
    """
)


def bundle(function: str, target: Path) -> Path:
    """The asset's Python files: the function folder at the root plus the bundled repo packages."""
    shutil.copytree(LAMBDA_DIR / function, target, ignore=shutil.ignore_patterns("__pycache__", "*.txt"))
    (target / "fmkit").mkdir()
    shutil.copyfile(ROOT / "fmkit" / "__init__.py", target / "fmkit" / "__init__.py")
    for package in ("knowledge", "contracts"):
        shutil.copytree(ROOT / "fmkit" / package, target / "fmkit" / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    return target


@pytest.mark.parametrize(
    ("function", "module", "entries", "allowed"),
    [
        ("query", "handler", "handler", ""),
        ("ingest", "handler", "handler", "pypdf,docx,bs4"),
        ("ingest", "bulk", "handler", "pypdf,docx,bs4"),
        ("knowledge_index", "handler", "on_event,is_complete", ""),
    ],
)
def test_handlers_import_with_only_their_requirements(function: str, module: str, entries: str, allowed: str,
                                                      tmp_path: Path) -> None:
    requirements = (LAMBDA_DIR / function / "requirements.txt").read_text()
    for name in PARSERS:
        assert (name in requirements) == (function == "ingest"), name
    asset = bundle(function, tmp_path / "asset")
    result = subprocess.run([sys.executable, "-c", BLOCKER, allowed, str(asset), module, entries],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_query_path_never_imports_document_parsers() -> None:
    code = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(LAMBDA_DIR)!r})
        from query import handler
        from fmkit.knowledge import build, embedding, stores
        loaded = {{"pypdf", "docx", "bs4"}} & set(sys.modules)
        assert not loaded, sorted(loaded)
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
