"""`fmkit eval-export`: a run directory to Bedrock evaluation datasets; exit codes 0, 2, 3."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from fmkit.cli.commands import app


def make_run(root: Path, *, ok: bool) -> Path:
    (root / "results").mkdir(parents=True)
    (root / "dataset.jsonl").write_text('{"id": "a", "prompt": "Hi", "reference": "Hello", "tags": ["greet"]}\n',
                                        encoding="utf-8")
    (root / "run.json").write_text(json.dumps({"dataset": {"path": str(root / "dataset.jsonl")},
                                               "targets": [{"name": "llama"}]}), encoding="utf-8")
    record = {"item_id": "a", "model": "llama", "fingerprint": "f", "output": "Hello!" if ok else None,
              "error": None if ok else {"kind": "timeout", "message": "slow"}, "started_at": 0, "finished_at": 1}
    (root / "results" / "llama.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    return root


def test_a_run_is_exported(tmp_path: Path) -> None:
    run = make_run(tmp_path / "run", ok=True)
    result = CliRunner().invoke(app, ["eval-export", str(run), "--format", "bedrock-model-eval",
                                      "-o", str(tmp_path / "llama.jsonl")])
    assert result.exit_code == 0, result.output
    line = json.loads((tmp_path / "llama.jsonl").read_text())
    assert line == {"prompt": "Hi", "referenceResponse": "Hello", "category": "greet",
                    "modelResponses": [{"response": "Hello!", "modelIdentifier": "llama"}]}


def test_a_run_without_answers_has_nothing_to_export(tmp_path: Path) -> None:
    run = make_run(tmp_path / "run", ok=False)
    result = CliRunner().invoke(app, ["eval-export", str(run), "--format", "bedrock-model-eval",
                                      "-o", str(tmp_path / "out")])
    assert result.exit_code == 3 and "nothing to export" in result.output


def test_bad_input_exits_2(tmp_path: Path) -> None:
    run = make_run(tmp_path / "run", ok=True)
    for args, message in ((["--format", "sagemaker"], "unknown --format"),
                          (["--format", "bedrock-rag-eval"], "no passages to export")):
        result = CliRunner().invoke(app, ["eval-export", str(run), *args, "-o", str(tmp_path / "x")])
        assert result.exit_code == 2 and message in result.output
    missing = CliRunner().invoke(app, ["eval-export", str(tmp_path), "--format", "bedrock-model-eval", "-o", "x"])
    assert missing.exit_code == 2 and "run.json not found" in missing.output
