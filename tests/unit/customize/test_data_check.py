"""The data checker: formats, line numbers, token counts (estimated or exact), limits, holdout overlap."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fmkit.customize.data_check import (
    WITH_VALIDATION,
    FormatSpec,
    bedrock_format_spec,
    check_counts,
    check_file,
    check_lines,
    estimated_counter,
    holdout_overlap,
    holdout_prompts,
    tokenizer_counter,
)
from fmkit.customize.training.records import RecordProblem
from fmkit.evaluate import parse_dataset

SAGEMAKER = FormatSpec("sagemaker")


def nova_line(prompt: str, answer: str) -> str:
    return json.dumps({"schemaVersion": "bedrock-conversation-2024", "messages": [
        {"role": "user", "content": [{"text": prompt}]}, {"role": "assistant", "content": [{"text": answer}]}]})


def test_the_catalog_gives_format_limits_and_rules() -> None:
    nova = bedrock_format_spec("amazon.nova-micro-v1:0", "fine-tuning")
    assert nova.data_format == "bedrock-conversation-2024" and nova.rules.reserved_words
    assert nova.limits == {"min_records": 8, "max_records": 20000, "max_tokens_per_record": 32000}
    llama = bedrock_format_spec("meta.llama3-1-8b-instruct-v1:0", "fine-tuning")
    assert llama.data_format == "prompt-completion" and llama.limits[WITH_VALIDATION] == 1
    assert bedrock_format_spec("meta.llama3-1-8b-instruct-v1:0", "distillation").rules.single_turn
    with pytest.raises(KeyError):
        bedrock_format_spec("amazon.nova-micro-v1:0", "continued-pretraining")


def test_settings_carry_the_rules_as_integers() -> None:
    spec = bedrock_format_spec("amazon.nova-micro-v1:0", "distillation")
    back = FormatSpec.from_settings(spec.data_format, spec.settings_limits())
    assert back.rules == spec.rules and back.limits == spec.limits


def test_every_problem_has_its_line_and_tokens_are_estimated() -> None:
    lines = ['{"prompt": "What is the code of apple?", "reference": "zulu"}', "", "{oops",
             '{"text": "domain text only"}', '{"prompt": "p", "reference": "r", "split": "holdout"}']
    report = check_lines(lines, "train.jsonl", SAGEMAKER, estimated_counter())
    assert [p.line for p in report.problems] == [3, 5]
    assert report.records == 2 and report.tokens == [8, 4]  # ceil(27/4) + ceil(4/4); ceil(16/4)
    assert report.counter.startswith("estimated") and not report.exact


def test_limits_on_estimates_warn_and_on_exact_counts_fail() -> None:
    spec = FormatSpec("bedrock-conversation-2024", {"max_tokens_per_record": 5})
    line = nova_line("a long prompt here", "and an answer")
    estimated = check_lines([line], "t.jsonl", spec, estimated_counter())
    assert estimated.problems == [] and "estimated" in estimated.warnings[0].message
    exact = estimated_counter().__class__("exact (test)", True, lambda text: len(text.split()))
    assert check_lines([line], "t.jsonl", spec, exact).problems[0].message == "7 tokens, more than the 5 allowed"


def test_record_counts_and_sizes(tmp_path: Path) -> None:
    file = tmp_path / "train.jsonl"
    file.write_text("\n".join(nova_line(f"q{i}", "a") for i in range(3)) + "\n")
    report = check_file(file, bedrock_format_spec("amazon.nova-micro-v1:0", "fine-tuning"), estimated_counter())
    assert [str(p) for p in report.problems] == [f"{file}:1: 3 records, fewer than the 8 required"]
    spec = FormatSpec("bedrock-conversation-2024", {"max_records": 4})
    together = check_lines([nova_line("q", "a")] * 3, "t.jsonl", spec, estimated_counter())
    check_counts(together, spec, others=2)  # training and validation counted together
    assert together.problems[0].message == "5 records, more than the 4 allowed"
    empty = check_lines([], "t.jsonl", SAGEMAKER, estimated_counter())
    check_counts(empty, SAGEMAKER)
    assert empty.problems[0].message == "the training data has no records"


def test_holdout_prompts_found_in_training_are_reported_at_their_training_line() -> None:
    report = check_lines(['{"prompt": "Other?", "reference": "x"}', '{"prompt": "What is  the CODE?", '
                          '"reference": "y"}'], "train.jsonl", SAGEMAKER, estimated_counter())
    dataset = parse_dataset('{"id": "h1", "prompt": "what is the code?", "reference": "y", "split": "holdout"}\n'
                            '{"id": "d1", "prompt": "Other?", "reference": "x"}\n', Path("holdout.jsonl"))
    assert holdout_prompts(dataset) == {"h1": "what is the code?"}  # only the items marked holdout
    assert holdout_overlap(report, holdout_prompts(dataset)) == [RecordProblem(
        "train.jsonl", 2, "the holdout item 'h1' has this prompt: a holdout item must never be trained on")]


def test_exact_counts_from_a_local_tokenizer(tmp_path: Path) -> None:
    tokenizers = pytest.importorskip("tokenizers")
    model = tokenizers.models.WordLevel({"[UNK]": 0, "code": 1, "of": 2, "apple": 3}, unk_token="[UNK]")
    tokenizer = tokenizers.Tokenizer(model)
    tokenizer.pre_tokenizer = tokenizers.pre_tokenizers.Whitespace()
    tokenizer.save(str(tmp_path / "tokenizer.json"))
    counter = tokenizer_counter(tmp_path)
    assert counter.exact and counter.count("code of apple") == 3
    with pytest.raises(RuntimeError):
        tokenizer_counter(tmp_path / "missing")
