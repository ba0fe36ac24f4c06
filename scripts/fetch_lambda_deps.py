#!/usr/bin/env python3
"""Pre-fetch each Lambda's requirements as manylinux aarch64 wheels (no Docker needed).

Run by `make lambda-deps`; skipped per function when its requirements.txt is unchanged.
Synthesis then copies these folders into the assets without touching the network.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PLATFORMS = ("manylinux2014_aarch64", "manylinux_2_28_aarch64")


def main() -> int:
    from stacks.common.lambda_layout import DEPS_ROOT, LAMBDA_ROOT, PYTHON_VERSION

    for requirements in sorted(LAMBDA_ROOT.glob("*/requirements.txt")):
        name = requirements.parent.name
        target = DEPS_ROOT / name
        digest = hashlib.sha256(requirements.read_bytes() + PYTHON_VERSION.encode()).hexdigest()
        stamp = target / ".requirements.sha256"
        if stamp.is_file() and stamp.read_text() == digest:
            print(f"lambda-deps: {name} up to date")
            continue
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                   "--implementation", "cp", "--python-version", PYTHON_VERSION, "--only-binary=:all:",
                   "--no-compile", "--target", str(target), "-r", str(requirements)]
        for platform in PLATFORMS:
            command[4:4] = ["--platform", platform]
        print(f"lambda-deps: fetching {name} ({requirements.relative_to(ROOT)})")
        subprocess.run(command, check=True)
        # boto3/botocore ship with the Lambda runtime; keep the asset small.
        for bundled in ("boto3", "botocore", "s3transfer"):
            for path in target.glob(f"{bundled}*"):
                shutil.rmtree(path, ignore_errors=True)
        stamp.write_text(digest)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
