"""The retrieval dataset format: every problem reported at once, with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from fmkit.evaluate.retrieval.dataset import RetrievalDatasetError, load_retrieval_dataset, parse_retrieval_dataset

GOOD = (
    '{"id": "a", "question": "How many vacation days?", "expected_sources": ["hr/vacation.md"]}\n'
    "\n"
    '{"id": "b", "question": "Laptop policy?", "expected_passages": [" laptops are replaced every 3 years "],'
    ' "reference": "Every three years.", "tags": ["it", "it"]}\n'
)


def test_a_valid_file_parses_in_order_with_clean_values() -> None:
    dataset = parse_retrieval_dataset(GOOD, Path("q.jsonl"))
    assert [i.id for i in dataset] == ["a", "b"]
    assert dataset.items[1].expected_passages == ("laptops are replaced every 3 years",)
    assert dataset.items[1].tags == ("it",)
    assert len(dataset.sha256) == 64


def test_every_problem_is_reported_with_its_line() -> None:
    text = (
        '{"id": "a", "question": "q1", "expected_sources": ["x.md"]}\n'
        "not json\n"
        '{"id": "a", "question": "q2", "expected_sources": ["y.md"]}\n'
        '{"id": "c", "question": "q3"}\n'
        '{"id": "d", "question": "  ", "expected_sources": ["z.md"], "colour": "red"}\n'
        "[1, 2]\n"
    )
    with pytest.raises(RetrievalDatasetError) as caught:
        parse_retrieval_dataset(text, Path("q.jsonl"))
    lines = [str(p) for p in caught.value.problems]
    assert lines[0].startswith("q.jsonl:2: invalid JSON")
    assert "q.jsonl:3: duplicate id 'a' (first used on line 1)" in lines
    assert any(line.startswith("q.jsonl:4:") and "expected_sources" in line for line in lines)
    assert "q.jsonl:5: unknown field 'colour'" in lines
    assert "q.jsonl:5: question: must not be empty" in lines
    assert "q.jsonl:6: each line must be a JSON object" in lines


def test_an_empty_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("\n\n", encoding="utf-8")
    with pytest.raises(RetrievalDatasetError, match="no items"):
        load_retrieval_dataset(path)


def test_a_file_that_is_not_utf8_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes('{"id": "é"}'.encode("latin-1"))
    with pytest.raises(RetrievalDatasetError, match="not UTF-8"):
        load_retrieval_dataset(path)
