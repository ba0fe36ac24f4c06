from __future__ import annotations

from pathlib import Path

import pytest

from fmkit.evaluate.dataset import DatasetError, load_dataset, parse_dataset
from fmkit.evaluate.records import ChatMessage, GenerationParams

ROOT = Path(__file__).resolve().parents[3]


def test_parses_prompt_and_chat_items(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text(
        '{"id": "a", "prompt": "Hi?", "reference": "Hello.", "tags": ["greet", "greet", "x"]}\n'
        "\n"
        '{"id": "b", "system": "Be brief.", "reference": "Yes.", "messages": [{"role": "user", "content": "Q1"}, '
        '{"role": "assistant", "content": "A1"}, {"role": "user", "content": "Q2"}]}\n',
        encoding="utf-8",
    )
    dataset = load_dataset(path)
    assert [i.id for i in dataset] == ["a", "b"]
    assert dataset.items[0].tags == ("greet", "x")  # de-duplicated, order kept
    assert dataset.tags() == ["greet", "x"]
    request = dataset.items[1].to_request(GenerationParams(max_tokens=7))
    assert request.system == "Be brief."
    assert request.messages == (
        ChatMessage("user", "Q1"),
        ChatMessage("assistant", "A1"),
        ChatMessage("user", "Q2"),
    )
    assert dataset.items[0].to_request(GenerationParams()).messages == (ChatMessage("user", "Hi?"),)
    assert dataset.items[1].prompt_text == "Q2"
    assert len(dataset.sha256) == 64


def test_every_bad_line_is_reported_with_its_line_number(tmp_path: Path) -> None:
    lines = [
        '{"id": "ok", "prompt": "p", "reference": "r"}',  # 1
        '{"id": "ok", "prompt": "p", "reference": "r"}',  # 2 duplicate id
        '{"id": "m", "prompt": "p"}',  # 3 missing reference
        '{"id": "both", "prompt": "p", "messages": [{"role": "user", "content": "x"}], "reference": "r"}',  # 4
        '{"id": "neither", "reference": "r"}',  # 5
        "{not json",  # 6
        '{"id": "typo", "prompt": "p", "refrence": "r", "reference": "r"}',  # 7 unknown field
        '["a list"]',  # 8
        '{"id": "turns", "messages": [{"role": "assistant", "content": "x"}], "reference": "r"}',  # 9
        '{"id": "blank", "prompt": "p", "reference": "   "}',  # 10
        '{"id": 5, "prompt": "p", "reference": "r"}',  # 11 id must be a string
        '{"id": "ok", "prompt": "p"}',  # 12 duplicate AND missing reference: both reported
    ]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DatasetError) as caught:
        load_dataset(path)
    problems = caught.value.problems
    by_line = {p.line: p.message for p in problems}
    assert sorted(by_line) == [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    assert "duplicate id 'ok' (first used on line 1)" in by_line[2]
    assert "missing required field 'reference'" in by_line[3]
    assert "exactly one of 'prompt' or 'messages'" in by_line[4]
    assert "exactly one of 'prompt' or 'messages'" in by_line[5]
    assert by_line[6].startswith("invalid JSON")
    assert "unknown field 'refrence'" in by_line[7]
    assert "JSON object" in by_line[8]
    assert "alternate user/assistant" in by_line[9]
    assert "reference" in by_line[10] and "empty" in by_line[10]
    assert "id" in by_line[11]
    assert [p.message for p in problems if p.line == 12] == [
        "duplicate id 'ok' (first used on line 1)",
        "missing required field 'reference'",
    ]
    # The message is `file:LINE: message`, one line per problem, as the brief and the config loader do.
    text = str(caught.value)
    assert text.splitlines()[0] == "12 problems in dataset:"
    assert f"{path}:6: invalid JSON" in text


def test_last_turn_must_be_from_the_user() -> None:
    with pytest.raises(DatasetError, match="last message must come from the user"):
        parse_dataset(
            '{"id": "a", "reference": "r", "messages": [{"role": "user", "content": "q"}, '
            '{"role": "assistant", "content": "a"}]}',
            Path("x.jsonl"),
        )


def test_empty_and_non_utf8_files_are_errors(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="no items"):
        parse_dataset("\n\n", Path("empty.jsonl"))
    binary = tmp_path / "bin.jsonl"
    binary.write_bytes(b'{"id": "\xff"}\n')
    with pytest.raises(DatasetError, match="not UTF-8"):
        load_dataset(binary)


def test_example_dataset_is_valid() -> None:
    dataset = load_dataset(ROOT / "examples" / "eval" / "dataset.jsonl")
    assert len(dataset) >= 18
    assert len(dataset.tags()) >= 4
    assert any(item.messages for item in dataset)  # the chat form is exercised too


def test_splits_and_context(tmp_path: Path) -> None:
    text = ('{"id": "a", "prompt": "p", "reference": "r", "split": "dev"}\n'
            '{"id": "b", "prompt": "p", "reference": "r", "split": "holdout", "context": "Policy text."}\n'
            '{"id": "c", "prompt": "p", "reference": "r"}\n')
    dataset = parse_dataset(text, tmp_path / "d.jsonl")
    assert dataset.splits() == {"dev": 2, "holdout": 1}  # unmarked items are dev
    assert [i.id for i in dataset.select("holdout")] == ["b"] and [i.id for i in dataset.select("dev")] == ["a", "c"]
    assert dataset.select("dev").sha256 == dataset.sha256  # still traceable to the file
    assert dataset.items[1].context == "Policy text."
    # The context is for the judge: the model is asked the same thing with or without it.
    assert dataset.items[1].to_request(GenerationParams()) == dataset.items[0].to_request(GenerationParams())
    with pytest.raises(DatasetError, match=r"d.jsonl:1: split: Input should be 'dev' or 'holdout'"):
        parse_dataset('{"id": "a", "prompt": "p", "reference": "r", "split": "test"}', tmp_path / "d.jsonl")


def test_the_shipped_dataset_has_dev_and_holdout_items() -> None:
    dataset = load_dataset(ROOT / "examples" / "eval" / "dataset.jsonl")
    assert dataset.splits() == {"dev": 20, "holdout": 10}
    assert any(item.context for item in dataset.items)
