"""scripts/fetch_lambda_deps.py: every lock is fresh, pinned and hashed, and ships what the code imports
(lxml stays in the evaluation functions' lock: sacrebleu imports it as it is imported)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from stacks.common.lambda_bundles import read_lock
from stacks.common.lambda_layout import LAMBDA_ROOT
from tests.unit.scripts._catalog_scripts import ROOT, load_script

fetch = load_script("fetch_lambda_deps")
REQUIREMENTS = sorted(LAMBDA_ROOT.glob("*/requirements.txt"))


def test_there_are_locks_to_check() -> None:
    assert len(REQUIREMENTS) >= 5


@pytest.mark.parametrize("requirements", REQUIREMENTS, ids=lambda p: p.parent.name)
def test_every_lock_is_fresh_and_pins_exactly(requirements: Path) -> None:
    lock = fetch.check_fresh(requirements)  # exits when requirements.txt changed since the lock
    pins = read_lock(lock)
    assert pins and all(pin.hashes and all(h.startswith("sha256:") for h in pin.hashes) for pin in pins)
    shipped = {pin.name for pin in pins}
    assert not shipped & {"boto3", "botocore", "s3transfer"}  # in the Lambda runtime already


def test_a_changed_requirements_file_makes_the_lock_stale(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("tenacity>=9,<10\n")
    (tmp_path / "requirements.lock").write_text(
        fetch.LOCK_HEADER.format(digest=fetch.requirements_digest(requirements), python="3.14", platform="x"))

    assert fetch.check_fresh(requirements)
    requirements.write_text("tenacity>=9,<11\n")
    with pytest.raises(SystemExit, match="make lambda-lock"):
        fetch.check_fresh(requirements)


def test_a_lock_line_without_hash_is_refused(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text("numpy==2.5.5\n")
    with pytest.raises(ValueError, match="not an exact, hashed pin"):
        read_lock(lock)


def test_the_evaluation_scorer_needs_lxml_so_its_lock_ships_it() -> None:
    """lxml (11 MB) would be worth leaving out if sacrebleu imported it lazily, for its WMT test-set
    reader only; it does not (sacrebleu.utils imports sacrebleu.dataset): scoring fails without it."""
    code = """
import sys
class NoLxml:
    def find_spec(self, name, path=None, target=None):
        if name == "lxml" or name.startswith("lxml."):
            raise ImportError("lxml is not shipped")
if sys.argv[1] == "blocked":
    sys.meta_path.insert(0, NoLxml())
from fmkit.evaluate.metrics import quality
print(quality.corpus_bleu(["the cat sat on the mat"], ["a cat sat on the mat"]))
"""
    runs = {mode: subprocess.run([sys.executable, "-c", code, mode], cwd=ROOT, capture_output=True, text=True)
            for mode in ("blocked", "normal")}
    assert runs["normal"].returncode == 0 and float(runs["normal"].stdout) > 0
    assert runs["blocked"].returncode != 0 and "lxml is not shipped" in runs["blocked"].stderr
    for function in ("evaluate", "customize"):
        lock = LAMBDA_ROOT / function / "requirements.lock"
        if lock.is_file():
            assert "lxml" in {pin.name for pin in read_lock(lock)}, function
