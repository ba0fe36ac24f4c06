"""`fmkit customize check-data`: problems by line, the token summary, the exit code."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from fmkit.cli.commands import app


def nova(prompt: str, answer: str) -> str:
    return json.dumps({"schemaVersion": "bedrock-conversation-2024", "messages": [
        {"role": "user", "content": [{"text": prompt}]}, {"role": "assistant", "content": [{"text": answer}]}]})


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["customize", "check-data", *args])
    return result.exit_code, result.stdout, result.stderr


def test_good_bedrock_data_passes_with_its_token_summary(tmp_path: Path) -> None:
    file = tmp_path / "train.jsonl"
    file.write_text("\n".join(nova(f"What is code {i}?", "zulu") for i in range(8)) + "\n")
    code, out, _ = run(str(file), "--format", "bedrock:amazon.nova-micro-v1:0")
    assert code == 0, out
    assert "8 records, 40 tokens (max 5, mean 5.0 per record" in out and "estimated (4 characters a token)" in out
    assert "min_records 8" in out


def test_problems_print_with_their_line_and_exit_2(tmp_path: Path) -> None:
    file = tmp_path / "train.jsonl"
    file.write_text('{"prompt": "q", "reference": "a"}\nnot json\n{"prompt": "q2"}\n')
    code, out, err = run(str(file), "--format", "sagemaker")
    assert code == 2
    assert f"{file}:2: invalid JSON" in out and f"{file}:3: missing required field 'reference'" in out
    assert "2 problem(s)" in err


def test_holdout_items_in_the_training_data_are_refused(tmp_path: Path) -> None:
    train, holdout = tmp_path / "train.jsonl", tmp_path / "holdout.jsonl"
    train.write_text('{"prompt": "Code of apple?", "reference": "zulu"}\n')
    holdout.write_text('{"id": "h", "prompt": "code of apple?", "reference": "zulu"}\n')
    code, out, _ = run(str(train), "--format", "sagemaker", "--holdout", str(holdout), "--json")
    report = json.loads(out)
    assert code == 2 and report["problems"] == [
        f"{train}:1: the holdout item 'h' has this prompt: a holdout item must never be trained on"]
    assert report["records"] == 1 and report["format"].startswith("sagemaker")


def test_unknown_formats_and_bedrock_tokenizers_are_refused(tmp_path: Path) -> None:
    file = tmp_path / "t.jsonl"
    file.write_text(nova("q", "a") + "\n")
    assert run(str(file), "--format", "bedrock:amazon.nova-micro-v1:0", "--method", "continued-pretraining")[0] == 2
    assert run(str(file), "--format", "openai")[0] == 2
    assert run(str(file), "--format", "bedrock:amazon.nova-micro-v1:0", "--tokenizer", str(tmp_path))[0] == 2
