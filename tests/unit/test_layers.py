"""The layers import-linter cannot see: `import fmkit.config` stays light, Lambda folders stay CDK- and config-free.

`lint-imports` (pyproject `[tool.importlinter]`) checks the layers inside `fmkit` and `stacks`;
`lambda/<function>/` folders are not an importable package, so their imports are parsed here.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# What a config load must not pay for: AWS SDKs, numeric and plotting stacks, the layers above config.
HEAVY_FOR_CONFIG = ("boto3", "botocore", "numpy", "sagemaker", "matplotlib",
                    "fmkit.evaluate", "fmkit.estimate", "fmkit.validate")
# What a Lambda bundle must not import: the CDK and stacks, and the kit's deploy-time layers.
FORBIDDEN_IN_LAMBDA = ("aws_cdk", "constructs", "cdk_nag", "stacks", "fmkit.config", "fmkit.catalog",
                       "fmkit.estimate", "fmkit.validate", "fmkit.cli")
LAMBDA_FILES = sorted((ROOT / "lambda").rglob("*.py"))


def _within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def imported_modules(source: str) -> set[str]:
    """Absolute module names a file imports (`from fmkit import config` counts as `fmkit.config`)."""
    modules: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
    return modules


def test_importing_fmkit_config_loads_nothing_heavy() -> None:
    code = "import json, sys, fmkit.config; print(json.dumps(sorted(sys.modules)))"
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True,
                                       capture_output=True, text=True).stdout)
    assert "fmkit.config.loader" in loaded  # the probe really imported the package
    assert [m for m in loaded if _within(m, HEAVY_FOR_CONFIG)] == []


def test_lambda_files_are_found() -> None:
    assert len(LAMBDA_FILES) >= 10


@pytest.mark.parametrize("path", LAMBDA_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_lambda_code_imports_neither_cdk_nor_deploy_time_layers(path: Path) -> None:
    bad = sorted(m for m in imported_modules(path.read_text(encoding="utf-8")) if _within(m, FORBIDDEN_IN_LAMBDA))
    assert bad == [], (f"{path.relative_to(ROOT)} imports {bad}: "
                       "Lambda code may use fmkit.contracts, fmkit.evaluate and fmkit.knowledge only")


def test_the_import_parser_sees_every_form() -> None:
    source = "import aws_cdk.aws_s3 as s3\nfrom fmkit import config\nfrom fmkit.estimate.plan import x\n" \
             "from . import y\n"
    found = imported_modules(source)
    assert {"aws_cdk.aws_s3", "fmkit.config", "fmkit.estimate.plan"} <= found
    assert all(_within(m, FORBIDDEN_IN_LAMBDA) or m == "fmkit" for m in found)
