"""The deploy-time job's shell, run for real in bash with stand-ins for `aws`, `curl` (the Hub) and
`dnf`: the buildspec recreates the shared llama.cpp build script byte for byte, the job builds
through it with the pinned source, and a downloaded GGUF is checked against its pinned sha256."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from stacks.graviton.build import LLAMA_BUILD_PATH, LLAMA_BUILD_SCRIPT, SCRIPT, buildspec

GGUF = b"GGUF" + b"\x03\x00\x00\x00" * 512
DIGEST = hashlib.sha256(GGUF).hexdigest()

AWS = """#!{python}
import json, os, shutil, sys
args = sys.argv[1:]
with open(os.environ["CALLS"], "a") as calls:
    calls.write(json.dumps(args) + "\\n")
if args[:2] == ["s3api", "head-object"]:
    sys.exit(0 if args[args.index("--key") + 1] in os.environ.get("EXISTING", "").split() else 255)
if args[:2] == ["s3", "cp"]:
    shutil.copyfile(args[-2], os.path.join(os.environ["UPLOADS"], os.path.basename(args[-1])))
"""
CURL = """#!/bin/bash
while [ $# -gt 0 ]; do if [ "$1" = "-o" ]; then cp "$HUB_FILE" "$2"; fi; shift; done
"""
FAKE_LLAMA_BUILD = """#!/bin/bash
set -euo pipefail
mkdir -p "$OUT_DIR/bin"
printf '#!/bin/sh\\n' > "$OUT_DIR/bin/llama-server"
printf '%s %s fake\\n' "$LLAMA_SDIST_SHA256" "$ARM_ARCH" > "$OUT_DIR/VERSION"
echo "$LLAMA_SDIST_URL" > "$OUT_DIR/../fetched-url"
"""


def test_the_buildspec_recreates_the_shared_build_script_exactly(tmp_path: Path) -> None:
    target = tmp_path / "llama_build.sh"
    write = buildspec()["phases"]["build"]["commands"][0].replace(LLAMA_BUILD_PATH, str(target))
    subprocess.run(["bash", "-c", write], check=True)
    assert target.read_bytes() == LLAMA_BUILD_SCRIPT.read_bytes()


def _stub(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o755)


def run_job(tmp_path: Path, *, existing: str = "", model_sha256: str = "",
            hub_file: bytes = GGUF) -> tuple[subprocess.CompletedProcess[str], list[list[str]], Path]:
    bin_dir, uploads, work = tmp_path / "bin", tmp_path / "uploads", tmp_path / "work"
    for path in (bin_dir, uploads, work):
        path.mkdir()
    _stub(bin_dir / "aws", AWS.format(python=sys.executable))
    _stub(bin_dir / "curl", CURL)
    _stub(bin_dir / "dnf", "#!/bin/bash\nexit 0\n")
    _stub(tmp_path / "llama_build.sh", FAKE_LLAMA_BUILD)
    (tmp_path / "hub-file").write_bytes(hub_file)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "CALLS": str(tmp_path / "calls.jsonl"),
           "UPLOADS": str(uploads), "EXISTING": existing, "HUB_FILE": str(tmp_path / "hub-file"),
           "BUCKET": "models", "LLAMA_CPP_VERSION": "0.3.36", "LLAMA_SDIST_URL": "https://pypi.example/sdist.tar.gz",
           "LLAMA_SDIST_SHA256": "ab" * 32, "ARM_ARCH": "armv8.4-a+sve", "LLAMA_KEY": "llama/llama-cpp.tar.gz",
           "LLAMA_BUILD_SCRIPT": str(tmp_path / "llama_build.sh"), "MODEL_KEY": "models/m.gguf",
           "HF_REPO": "a/b", "HF_FILE": "m.gguf", "HF_REVISION": "main", "MODEL_SHA256": model_sha256}
    result = subprocess.run(["bash", str(SCRIPT)], cwd=work, env=env, capture_output=True, text=True, check=False)
    calls_file = tmp_path / "calls.jsonl"
    calls = [json.loads(line) for line in calls_file.read_text().splitlines()] if calls_file.exists() else []
    return result, calls, uploads


def test_the_job_builds_llama_cpp_with_the_shared_script_and_the_pinned_source(tmp_path: Path) -> None:
    result, calls, uploads = run_job(tmp_path, existing="models/m.gguf")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "work" / "fetched-url").read_text().strip() == "https://pypi.example/sdist.tar.gz"
    with tarfile.open(uploads / "llama-cpp.tar.gz") as archive:
        assert sorted(archive.getnames()) == ["VERSION", "bin", "bin/llama-server"]
        version = archive.extractfile("VERSION")
        assert version is not None and version.read().decode().startswith("ab" * 32 + " armv8.4-a+sve")
    assert [c for c in calls if c[:2] == ["s3", "cp"]] == [
        ["s3", "cp", "--only-show-errors", "llama-cpp.tar.gz", "s3://models/llama/llama-cpp.tar.gz"]]


def test_existing_objects_are_not_built_or_downloaded_again(tmp_path: Path) -> None:
    result, calls, _ = run_job(tmp_path, existing="llama/llama-cpp.tar.gz models/m.gguf")
    assert result.returncode == 0, result.stderr
    assert all(call[0] == "s3api" for call in calls)


@pytest.mark.parametrize("pinned", [True, False])
def test_the_hub_gguf_is_uploaded_when_it_matches_its_pin(tmp_path: Path, pinned: bool) -> None:
    result, _, uploads = run_job(tmp_path, existing="llama/llama-cpp.tar.gz",
                                 model_sha256=DIGEST if pinned else "")
    assert result.returncode == 0, result.stderr
    assert (uploads / "m.gguf").read_bytes() == GGUF
    assert (f"has sha256 {DIGEST} (not pinned" in result.stdout) is not pinned


def test_a_hub_gguf_that_does_not_match_its_pin_is_refused(tmp_path: Path) -> None:
    result, calls, uploads = run_job(tmp_path, existing="llama/llama-cpp.tar.gz", model_sha256="0" * 64)
    assert result.returncode != 0
    assert f"has sha256 {DIGEST}, not the pinned {'0' * 64}" in result.stderr
    assert list(uploads.iterdir()) == [] and not [c for c in calls if c[:2] == ["s3", "cp"]]


def test_a_file_that_is_not_a_gguf_is_refused(tmp_path: Path) -> None:
    result, _, uploads = run_job(tmp_path, existing="llama/llama-cpp.tar.gz", hub_file=b"<html>login</html>")
    assert result.returncode != 0 and "is not a GGUF file" in result.stderr
    assert list(uploads.iterdir()) == []
