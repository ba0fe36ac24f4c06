"""Training records: both kinds of line, and every problem reported with file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fmkit.customize.training.records import ChatExample, RecordError, TextExample, load_records, parse_records


def lines(*records: object) -> list[str]:
    return [r if isinstance(r, str) else json.dumps(r) for r in records]


def test_prompt_line_becomes_system_then_user_and_the_answer() -> None:
    (example,) = parse_records(lines({"id": "a", "prompt": "code of apple?", "reference": "zulu",
                                      "system": "Be brief.", "tags": ["codes"], "split": "train"}), "t.jsonl")
    assert isinstance(example, ChatExample)
    assert example.chat(with_answer=False) == [{"role": "system", "content": "Be brief."},
                                               {"role": "user", "content": "code of apple?"}]
    assert example.chat(with_answer=True)[-1] == {"role": "assistant", "content": "zulu"}
    assert (example.source, example.line, example.id) == ("t.jsonl", 1, "a")


def test_messages_line_keeps_the_turns() -> None:
    turns = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"},
             {"role": "user", "content": "code of river?"}]
    (example,) = parse_records(lines({"messages": turns, "reference": "kilo"}), "t.jsonl")
    assert isinstance(example, ChatExample)
    assert [t.role for t in example.messages] == ["user", "assistant", "user"]
    assert example.answer == "kilo"


def test_text_line_is_domain_text() -> None:
    (example,) = parse_records(lines({"text": "Invoices are due in 30 days."}), "t.jsonl")
    assert isinstance(example, TextExample) and example.text.startswith("Invoices")


def test_every_problem_is_reported_with_its_line() -> None:
    records = lines(
        {"prompt": "ok?", "reference": "yes", "id": "x"},
        "{not json",
        {"prompt": "no answer"},
        {"prompt": "p", "messages": [{"role": "user", "content": "m"}], "reference": "r"},
        {"prompt": "p", "reference": "r", "split": "holdout"},
        {"prompt": "p", "reference": "r", "colour": "red"},
        {"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}], "reference": "r"},
        {"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}], "reference": "r"},
        {"prompt": "again", "reference": "r", "id": "x"},
        "[1, 2]",
        {"prompt": " ", "reference": "r"},
        {"text": "t", "reference": "r"},
    )
    with pytest.raises(RecordError) as caught:
        parse_records(records, "train.jsonl")
    text = str(caught.value)
    expected = [
        "train.jsonl:2: invalid JSON",
        "train.jsonl:3: missing required field 'reference'",
        "train.jsonl:4: set exactly one of 'prompt', 'messages' or 'text'",
        "train.jsonl:5: a 'holdout' item must not be trained on",
        "train.jsonl:6: unknown field 'colour'",
        "train.jsonl:7: messages[1] has role 'user', expected 'assistant'",
        "train.jsonl:8: the last message must come from the user",
        "train.jsonl:9: duplicate id 'x' (first used on line 1)",
        "train.jsonl:10: each line must be a JSON object",
        "train.jsonl:11: 'prompt' must be a non-empty string",
        "train.jsonl:12: unknown field 'text'",
    ]
    for message in expected:
        assert message in text, message
    assert "train.jsonl:1:" not in text


def test_a_channel_directory_reads_every_jsonl_file_in_order(tmp_path: Path) -> None:
    (tmp_path / "b.jsonl").write_text(json.dumps({"prompt": "b", "reference": "2"}) + "\n")
    (tmp_path / "a.jsonl").write_text("\n" + json.dumps({"prompt": "a", "reference": "1"}) + "\n")
    (tmp_path / "notes.txt").write_text("ignored")
    examples = load_records(tmp_path)
    assert [(Path(e.source).name, e.line) for e in examples] == [("a.jsonl", 2), ("b.jsonl", 1)]


def test_problems_of_several_files_come_together(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text("{bad\n")
    (tmp_path / "b.jsonl").write_bytes(b"\xff\xfe\n")
    with pytest.raises(RecordError) as caught:
        load_records(tmp_path)
    assert len(caught.value.problems) == 2
    assert "a.jsonl:1: invalid JSON" in str(caught.value) and "b.jsonl:1: file is not UTF-8" in str(caught.value)


def test_empty_data_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text("\n\n")
    with pytest.raises(RecordError, match="no examples"):
        load_records(tmp_path)
    with pytest.raises(RecordError, match=r"no \*\.jsonl file"):
        load_records(tmp_path / "missing-dir")
