"""Guardrail word lists can live in their own file (one phrase per line), read at load time."""

from __future__ import annotations

from pathlib import Path

import pytest

from fmkit.config import ConfigError
from tests.helpers import load

MODEL = """
    provider: bedrock
    model_id: amazon.nova-lite-v1:0
    cross_region: geo
    guardrail:
      word_filters:
        words: [alpha]
        words_file: {path}
"""


def test_words_file_adds_its_phrases_to_the_inline_list(tmp_path: Path) -> None:
    (tmp_path / "guardrails").mkdir()
    (tmp_path / "guardrails" / "w.txt").write_text("# comment\nbeta\n\ngamma ray  # inline comment\nalpha\n")
    env = load(tmp_path, {"models/m.yaml": MODEL.format(path="guardrails/w.txt")}).environment("dev")
    words = env.models["m"].guardrail.word_filters.words  # type: ignore[union-attr]
    assert words == ["alpha", "beta", "gamma ray"]


def test_missing_words_file_is_a_config_error_at_the_model_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load(tmp_path, {"models/m.yaml": MODEL.format(path="guardrails/nope.txt")})
    problem = raised.value.errors[0]
    assert problem.location.file.name == "m.yaml"
    assert problem.location.line == 6  # the word_filters mapping
    assert "cannot read words_file 'guardrails/nope.txt'" in problem.message


def test_words_file_outside_the_config_dir_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load(tmp_path / "cfg", {"models/m.yaml": MODEL.format(path="../../etc/passwd")})
    assert "outside the config directory" in raised.value.errors[0].message
