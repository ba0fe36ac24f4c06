#!/usr/bin/env python3
"""Lock, then fetch, the Lambda functions' third-party dependencies as arm64 wheels (no Docker).

    .venv/bin/python scripts/fetch_lambda_deps.py           # `make lambda-deps`: install what the locks pin
    .venv/bin/python scripts/fetch_lambda_deps.py --lock    # `make lambda-lock`: requirements.txt -> .lock

**Locks.** `lambda/<fn>/requirements.txt` says what a function needs (ranges);
`lambda/<fn>/requirements.lock` pins every distribution it gets, with the sha256 of each file
of that release, resolved by uv for the Lambda runtime (CPython `PYTHON_VERSION`, manylinux
aarch64). Its first line records the sha256 of the requirements.txt it was compiled from: a
stale lock stops `make lambda-deps` with the command that refreshes it, so a range never
silently resolves to something new. Left out of every lock: boto3/botocore/s3transfer (the
Lambda runtime ships them).

**Fetch.** Every pinned distribution is installed once, with `pip install --require-hashes
--no-deps --only-binary=:all:` for the runtime's platform, into the distribution store
(`build/lambda-deps/dists/<name>-<version>/`, shared by every function pinning it) and pruned of
what a Lambda never imports (`stacks.common.lambda_bundles.prune`). Synthesis then builds each
function's layers from the store, offline (stacks/common/lambda_bundles.py).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stacks.common.lambda_bundles import Pin, normalized, prune, read_lock, tree_bytes  # noqa: E402
from stacks.common.lambda_layout import DIST_STORE, LAMBDA_ROOT, PLATFORMS, PYTHON_VERSION, UV_PLATFORM  # noqa: E402

RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer")
"""In the Lambda Python runtime already: never shipped."""
LOCK_HEADER = "# requirements.txt sha256 {digest}: locked for CPython {python} on {platform} by " \
              "scripts/fetch_lambda_deps.py --lock\n"


def requirements_digest(requirements: Path) -> str:
    return hashlib.sha256(requirements.read_bytes() + PYTHON_VERSION.encode() + UV_PLATFORM.encode()).hexdigest()


def lock(requirements: Path) -> None:
    """Resolve `requirements` for the runtime with uv and write the lock beside it."""
    target = requirements.with_name("requirements.lock")
    command = [sys.executable, "-m", "uv", "pip", "compile", str(requirements.name), "--no-header",
               "--python-version", PYTHON_VERSION, "--python-platform", UV_PLATFORM, "--only-binary", ":all:",
               "--generate-hashes"]
    for name in RUNTIME_PROVIDED:
        command += ["--no-emit-package", name]
    resolved = subprocess.run(command, check=True, capture_output=True, text=True, cwd=requirements.parent).stdout
    header = LOCK_HEADER.format(digest=requirements_digest(requirements), python=PYTHON_VERSION, platform=UV_PLATFORM)
    target.write_text(header + resolved)
    print(f"lambda-deps: locked {target.relative_to(ROOT)} ({len(read_lock(target))} distributions)")


def check_fresh(requirements: Path) -> Path:
    target = requirements.with_name("requirements.lock")
    first = target.read_text().splitlines()[0] if target.is_file() else ""
    if requirements_digest(requirements) not in first:
        raise SystemExit(f"{target} is missing or older than {requirements.name}: "
                         "run `make lambda-lock` (re-resolves, needs the network) and commit the lock")
    return target


def install(pins: list[Pin]) -> None:
    """Install `pins` into the store: one pip run into a scratch folder, split by each wheel's RECORD."""
    with tempfile.TemporaryDirectory(prefix="lambda-deps-") as scratch:
        work = Path(scratch)
        (work / "pins.txt").write_text("".join(pin.requirement + "\n" for pin in pins))
        target = work / "site"
        command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                   "--no-compile", "--no-deps", "--require-hashes", "--only-binary=:all:", "--implementation", "cp",
                   "--python-version", PYTHON_VERSION, "--target", str(target), "-r", str(work / "pins.txt")]
        for platform in PLATFORMS:
            command += ["--platform", platform]
        subprocess.run(command, check=True)
        for pin in pins:
            split_out(target, pin)


def split_out(site: Path, pin: Pin) -> None:
    """Move one distribution's files (its RECORD) from the scratch site-packages to its store folder."""
    records = [r for r in site.glob("*.dist-info/RECORD")
               if normalized(r.parent.name.removesuffix(".dist-info").rsplit("-", 1)[0]) == pin.name]
    if len(records) != 1:
        raise SystemExit(f"lambda-deps: no single RECORD for {pin.key} in {sorted(site.glob('*.dist-info'))}")
    store = pin.store
    shutil.rmtree(store, ignore_errors=True)
    for line in records[0].read_text().splitlines():
        relative = line.rsplit(",", 2)[0]
        source = site / relative
        if relative.startswith(("..", "/")) or not source.is_file():
            continue  # scripts outside site-packages, or nothing there
        (store / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(source), store / relative)
    prune(store, pin.name)
    (store / ".fmkit-dist.json").write_text(json.dumps({**pin.stamp(), "bytes": tree_bytes(store)}, indent=1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lock", action="store_true", help="re-resolve every requirements.txt into its lock")
    args = parser.parse_args(argv)
    requirements_files = sorted(LAMBDA_ROOT.glob("*/requirements.txt"))
    if args.lock:
        for requirements in requirements_files:
            lock(requirements)
    for requirements in requirements_files:
        name = requirements.parent.name
        pins = read_lock(check_fresh(requirements))
        missing = [pin for pin in pins if pin.installed_bytes() is None]
        if missing:
            print(f"lambda-deps: {name}: fetching {', '.join(p.key for p in missing)}")
            DIST_STORE.mkdir(parents=True, exist_ok=True)
            install(missing)
        else:
            print(f"lambda-deps: {name} up to date ({len(pins)} distributions)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
