"""`fmkit validate` imports only what validation needs: no AWS SDK, no numpy, no sagemaker-core.

It runs in every CI job, so its cost is the import of config, catalogs and rules. The serving
images come from sagemaker-core's registry JSON, read as files; the evaluation and AWS-facing
commands are loaded only by the full app. Checked on a real `fmkit validate` run in a fresh
interpreter, from the modules `-X importtime` reports.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
NEVER_ON_VALIDATE = ("boto3", "botocore", "s3transfer", "numpy", "pandas", "sagemaker", "matplotlib", "jinja2",
                     "fmkit.evaluate", "fmkit.cli.commands")


def imported_by(*argv: str) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    code = f"import sys; sys.argv = {['fmkit', *argv]!r}; from fmkit.cli import main; main()"
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code], cwd=ROOT, capture_output=True, text=True)
    modules = set(re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s+(\S+)$", done.stderr, flags=re.MULTILINE))
    return modules, done


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == p or m.startswith(p + ".") for p in NEVER_ON_VALIDATE))


def test_validate_imports_no_sdk_numpy_or_sagemaker() -> None:
    modules, done = imported_by("validate", "--config-dir", str(ROOT / "model_configs"))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "environment(s)" in done.stdout  # it really validated the default config
    assert {"fmkit.validate.sagemaker", "fmkit.catalog.sagemaker_images"} <= modules  # images were resolved
    assert heavy(modules) == []


def test_the_probe_sees_heavy_imports_of_the_full_app() -> None:
    modules, done = imported_by("--help")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "fmkit.cli.commands" in heavy(modules)
