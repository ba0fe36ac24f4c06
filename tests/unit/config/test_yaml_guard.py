"""Hostile YAML is refused before a document is built: huge files, deep nesting, alias bombs."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest

from fmkit.config.yaml_guard import MAX_DEPTH, MAX_FILE_BYTES, MAX_VALUES, check_size, scan
from tests.helpers import write_config

ROOT = Path(__file__).resolve().parents[3]

# The classic "billion laughs": nine levels of nine aliases = 9**9 (387 million) values.
BILLION_LAUGHS = "\n".join(
    ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
) + "\n"


def test_billion_laughs_is_refused_at_the_alias_that_crosses_the_limit() -> None:
    refusal = scan(BILLION_LAUGHS)
    assert refusal is not None
    assert "expands to more than" in refusal.message and "aliases" in refusal.message
    # a0..a3 expand to 10 + 91 + 820 + 7,381 values; a4's aliases (7,381 each) cross 50,000 on line 5.
    assert refusal.line == 5


def test_anchors_that_share_a_block_are_fine() -> None:
    text = "base: &base {min: 0, max: 2}\ndev: *base\nprod: {<<: *base, max: 4}\n"
    assert scan(text) is None


def test_values_just_under_the_limit_pass_and_just_over_fail() -> None:
    under = "x: [" + ",".join(["1"] * (MAX_VALUES - 10)) + "]\n"
    over = "x: [" + ",".join(["1"] * (MAX_VALUES + 10)) + "]\n"
    assert scan(under) is None
    assert scan(over) is not None


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 5000, 200_000])
def test_deep_nesting_is_refused(depth: int) -> None:
    refusal = scan("a: " + "[" * depth + "]" * depth + "\n")
    assert refusal is not None and "nesting deeper" in refusal.message


def test_nesting_at_the_limit_passes() -> None:
    depth = MAX_DEPTH - 1  # the top-level mapping is one level
    assert scan("a: " + "[" * depth + "]" * depth + "\n") is None


def test_size_limit() -> None:
    assert check_size(MAX_FILE_BYTES) is None
    refusal = check_size(MAX_FILE_BYTES + 1)
    assert refusal is not None and "KiB limit" in refusal.message


def test_syntax_errors_are_left_to_the_loader() -> None:
    assert scan("a: [unclosed\nb: 1\n") is None


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("bomb", BILLION_LAUGHS, "expands to more than"),
    ("deep", "provider: bedrock\nmodel_id: " + "[" * 100_000 + "]" * 100_000 + "\n", "nesting deeper"),
    ("huge", "provider: bedrock\nmodel_id: '" + "x" * (MAX_FILE_BYTES + 1) + "'\n", "KiB limit"),
])
def test_validate_refuses_hostile_files_within_a_memory_cap(tmp_path: Path, name: str, text: str,
                                                             expected: str) -> None:
    """`fmkit validate` in a process capped at 1 GiB: without the guard the bomb needs ~9 GB."""
    config_dir = write_config(tmp_path / "cfg", {f"models/{name}.yaml": text})
    cap = 1024**3

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    command = [sys.executable, "-c", "from fmkit.cli import main; main()", "validate", "--config-dir", str(config_dir)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, preexec_fn=limit_memory)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert f"models/{name}.yaml:" in result.stdout + result.stderr
    assert expected in result.stdout + result.stderr
