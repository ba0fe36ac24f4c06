"""Where Lambda sources and pre-fetched wheels live (no CDK import: used by `make lambda-deps`)."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
LAMBDA_ROOT = REPO_ROOT / "lambda"
DEPS_ROOT = REPO_ROOT / "build" / "lambda-deps"
PYTHON_VERSION = "3.14"  # the Lambda runtime's Python; wheels are fetched for it
