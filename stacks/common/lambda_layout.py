"""Where Lambda sources, locks, fetched distributions and built bundles live (no CDK import: used by
`make lambda-deps` as well as by synthesis)."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
LAMBDA_ROOT = REPO_ROOT / "lambda"
DEPS_ROOT = REPO_ROOT / "build" / "lambda-deps"
DIST_STORE = DEPS_ROOT / "dists"
"""One folder per pinned distribution (`<name>-<version>`), installed once for every function that pins it."""
BUNDLE_ROOT = REPO_ROOT / "build" / "lambda-bundles"
"""Built assets, `<content hash>.zip`: a function's code or a dependency layer, reused by every synth."""
PYTHON_VERSION = "3.14"  # the Lambda runtime's Python; wheels are fetched for it
PLATFORMS = ("manylinux2014_aarch64", "manylinux_2_28_aarch64")
"""Wheel platforms pip may fetch for the arm64 runtime (Amazon Linux 2023: glibc 2.34)."""
UV_PLATFORM = "aarch64-manylinux_2_28"
"""The same target for uv's resolver (`--python-platform`)."""
