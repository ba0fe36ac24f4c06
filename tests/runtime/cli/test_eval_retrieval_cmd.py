"""`fmkit eval-retrieval --local`: two chunk sizes indexed into a real pgvector and compared in one report."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fmkit.cli.commands import app
from fmkit.evaluate.retrieval.local import temporary_postgres
from tests.helpers import write_config

pytestmark = pytest.mark.runtime

PROJECT = """
    name: demo
    owner: team@example.com
    cost_center: CC-1
    knowledge_bases:
      docs:
        chunking: {strategy: recursive, size: 1000, overlap: 150}
"""
PASSAGE = "Employees get thirty days of paid vacation every calendar year after probation ends."


@pytest.fixture(scope="module")
def pg_dsn() -> Iterator[str]:
    with temporary_postgres() as dsn:
        yield dsn


def test_two_chunk_sizes_are_compared_in_one_report(tmp_path: Path, pg_dsn: str) -> None:
    config = write_config(tmp_path / "cfg", {"project.yaml": PROJECT})
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "policy.txt").write_text("Intro line here. " * 3 + PASSAGE + " Closing words." * 3, encoding="utf-8")
    (docs / "parking.md").write_text("Parking is free for visitors on weekends.", encoding="utf-8")
    dataset = tmp_path / "q.jsonl"
    dataset.write_text(json.dumps({"id": "v", "question": "how many days of paid vacation do employees get",
                                   "expected_passages": [PASSAGE]}) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["eval-retrieval", "dev", "docs", "--dataset", str(dataset), "--local", str(docs), "--chunk-size", "40",
            "--chunk-size", "400", "--chunk-overlap", "0", "--embedding", "hash", "--pg-dsn", pg_dsn, "-k", "3",
            "--out", str(out), "-C", str(config)]

    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads((out / "retrieval-report.json").read_text())
    recall = {run["name"]: run["metrics"]["context_recall"] for run in report["runs"]}
    assert recall == {"local-recursive-40-o0-hash": 0.0, "local-recursive-400-o0-hash": 1.0}
    assert report["best"]["context_recall"] == "local-recursive-400-o0-hash"
    assert (out / "retrieval-report.md").read_text().count("| local-recursive-") == 2
    assert json.loads((out / "run.json").read_text())["kind"] == "fmkit-eval-retrieval"

    gated = CliRunner().invoke(app, [*args, "--min-score", "context_recall=0.5"])
    assert gated.exit_code == 1
    assert "local-recursive-40-o0-hash: context_recall 0 < min 0.5" in gated.output


def test_a_variant_whose_overlap_does_not_fit_is_bad_input(tmp_path: Path) -> None:
    config = write_config(tmp_path / "cfg", {"project.yaml": PROJECT})
    dataset = tmp_path / "q.jsonl"
    dataset.write_text('{"id": "v", "question": "q", "expected_sources": ["a.md"]}\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["eval-retrieval", "dev", "docs", "--dataset", str(dataset), "--local",
                                      str(tmp_path), "--chunk-size", "100", "--embedding", "hash", "-C", str(config)])
    assert result.exit_code == 2
    assert "overlap 150 must be >= 0 and smaller than the chunk size" in result.output
