"""`project.evaluation` config: defaults, field checks (with file:line:col), metric names."""

from __future__ import annotations

from pathlib import Path

import pytest

from fmkit.config.evaluation import EvaluationMetrics, check_schedule
from fmkit.contracts.evaluation import MODEL_SCORED_METRICS, QUALITY_METRICS
from tests.helpers import load_env
from tests.unit.area_configs.evaluation import NOVA, files, problems


def test_defaults_are_off_and_valid(tmp_path: Path) -> None:
    env = load_env(tmp_path, files("enabled: false"))
    evaluation = env.project.evaluation
    assert not evaluation.enabled and evaluation.schedule is None and evaluation.min_scores == {}
    assert evaluation.dataset_bucket_and_key == (None, "datasets/dataset.jsonl")


def test_full_config_loads(tmp_path: Path) -> None:
    env = load_env(tmp_path, files("""
enabled: true
dataset_s3_uri: s3://my-datasets/support/v2.jsonl
models: [nova]
schedule: cron(0 6 ? * MON *)
max_concurrency: 8
min_scores: {rougeL: 0.3, json_valid: 0.9}
metrics: {primary: bleu, checks: [json@triage]}
"""))
    evaluation = env.project.evaluation
    assert evaluation.dataset_bucket_and_key == ("my-datasets", "support/v2.jsonl")
    assert evaluation.min_scores == {"rougeL": 0.3, "json_valid": 0.9}


@pytest.mark.parametrize(("line", "message"), [
    ("schedule: every monday", "'every monday' is not an EventBridge schedule expression"),
    ("schedule: rate(1 days)", "use 'rate(1 day)' for one"),
    ("schedule: cron(0 6 * * MON *)", "day-of-month and day-of-week cannot both be set"),
    ("schedule: cron(0 6 * *)", "is not a six-field EventBridge cron expression"),
    ("dataset_s3_uri: https://bucket/x.jsonl", "is not an s3://bucket/key.jsonl URI"),
    ("dataset_key: /abs/data.json", "is not an S3 key of a .jsonl file"),
    ("min_scores: {rogueL: 0.3}", "min_scores names unknown metric 'rogueL'"),
    ("metrics: {primary: meteor}", "unknown primary metric 'meteor'"),
    ("metrics: {checks: [xml]}", "'xml' is not a check"),
    ("max_concurrency: 0", "greater than or equal to 1"),
    ("batch_size: 50", "a batch of 50 items x timeout_s 120 may outlast a Lambda run"),
    ("metrics: {primary: judge}", "the metric 'judge' needs a judge"),
    ("min_scores: {semantic_similarity: 0.8}", "the metric 'semantic_similarity' needs an embedding model"),
    ("judge: [nova, nova]", "a judge is listed twice"),
    ("judge: Nova", "'Nova' is not a valid name"),
    ("judge: nova\nbatch_size: 4", "a batch of 4 items x timeout_s 120 x 2 (the answer, then each judge's verdict)"),
])
def test_field_errors_point_at_the_line(tmp_path: Path, line: str, message: str) -> None:
    found = problems(tmp_path, line)
    assert any(loc.startswith("environments/dev.yaml:5:") and message in msg for loc, msg, _, _ in found), found


@pytest.mark.parametrize("expression", ["rate(1 day)", "rate(12 hours)", "cron(0 6 ? * MON *)",
                                        "cron(15 3 1 * ? *)", "cron(0/30 8-18 ? * MON-FRI *)"])
def test_valid_schedules(expression: str) -> None:
    assert check_schedule(expression) == expression


def test_metric_names_come_from_the_evaluation_contract() -> None:
    """The config names metrics by `fmkit.contracts.evaluation`, as the library does (no numpy to load a config)."""
    specs = ["json@triage", "json-fenced", "regex:order_id@a,b=ORD-\\d+", "regex=x"]
    assert EvaluationMetrics(checks=specs).names() == [*QUALITY_METRICS, "json_valid", "json_valid", "order_id",
                                                       "regex", *MODEL_SCORED_METRICS]


def test_judge_and_embedder(tmp_path: Path) -> None:
    one = load_env(tmp_path / "one", files("judge: nova\nembedder: embed\nmin_scores: {judge: 3.5}"))
    assert one.project.evaluation.judges == ["nova"] and one.project.evaluation.embedder == "embed"
    # Answers and verdicts of a batch fit one Lambda run: 840 s // (120 s x 2 calls) = 3 items.
    assert one.project.evaluation.batch_size == 3
    panel = load_env(tmp_path / "panel", files("judge: [nova, nova2]\nmetrics: {primary: judge}",
                                               **{"models/nova2.yaml": NOVA}))
    assert panel.project.evaluation.judges == ["nova", "nova2"] and panel.project.evaluation.batch_size == 2
    assert load_env(tmp_path / "none", files("enabled: false")).project.evaluation.judges == []
