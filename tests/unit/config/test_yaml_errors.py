"""YAML syntax errors point at the line the user got wrong and say what to write instead."""

from __future__ import annotations

from pathlib import Path

import pytest

from fmkit.config.yaml_source import read_yaml

# (case, text, expected "line:col", expected words in the message or hint)
CASES = [
    ("key-without-colon", "a: 1\nb c\nd: 2\n", "2:1", "key without ':'"),
    ("unclosed-quote", 'a: 1\nb: "unterminated\nc: 2\n', "2:4", "quoted value is never closed"),
    ("unclosed-flow-list", "a: [1, 2\nb: 3\n", "1:4", "'[' list is not closed"),
    ("unclosed-flow-map", "a: {x: 1\nb: 3\n", "1:4", "'{' mapping is not closed"),
    ("colon-in-value", "a: b: c\n", "1:5", "quote a value that contains ': '"),
    ("tab", "a: 1\n\tb: 2\n", "2:1", "spaces only"),
    ("bad-indentation", "a: 1\nb:\n  c: 2\n d: 3\n", "4:2", "indented differently"),
    ("list-item-where-key-expected", "a: 1\n- x\n", "2:1", "list item"),
    ("undefined-alias", "a: &x 1\nb: *y\n", "2:4", "define the anchor"),
    ("duplicate-key", "a: 1\na: 2\n", "2:1", "each key may appear once"),
]


@pytest.mark.parametrize(("text", "where", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_syntax_error_names_the_real_line_and_the_fix(tmp_path: Path, text: str, where: str, words: str) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    doc, problems = read_yaml(path)
    assert doc is None and len(problems) == 1
    problem = problems[0]
    assert f"{problem.location.line}:{problem.location.col}" == where, problem
    assert problem.message.startswith("invalid YAML")
    assert words in f"{problem.message} — {problem.hint}"


def test_unknown_parser_messages_pass_through_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("a: !!binary not-base64-@@\n", encoding="utf-8")
    doc, problems = read_yaml(path)
    assert doc is None or not problems or problems[0].message.startswith("invalid YAML")
