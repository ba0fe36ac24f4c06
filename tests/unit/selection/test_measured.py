"""A deployment's `fmkit eval` report replaces the catalog's latency for the model it serves."""

from __future__ import annotations

import json
from pathlib import Path

from fmkit.selection.measured import measured_latency
from fmkit.validate import load_validated

ROOT = Path(__file__).resolve().parents[3]


def test_the_shipped_example_report_gives_measured_latency(tmp_path: Path) -> None:
    dev = load_validated(ROOT / "model_configs").environment("dev")
    report = json.loads((ROOT / "examples" / "eval" / "report" / "report.json").read_text())
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report))
    found = measured_latency([(dev, path)])
    entry = report["models"]["nova-lite"]
    latency = found[("amazon-nova-lite", "bedrock")]
    assert latency.output_tokens_per_s == round(entry["output_tokens_per_s"], 1)
    assert latency.basis.startswith("measured: fmkit eval dev/nova-lite")


def test_a_file_that_is_not_a_report_changes_nothing(tmp_path: Path) -> None:
    dev = load_validated(ROOT / "model_configs").environment("dev")
    path = tmp_path / "report.json"
    path.write_text("not json")
    assert measured_latency([(dev, path)]) == {}
