"""Evaluation rules: one test per rule (`test_rule_<id>`)."""

from __future__ import annotations

from pathlib import Path

from fmkit.validate import RULES
from tests.helpers import load
from tests.unit.area_configs.evaluation import NOVA, files, problems

ASYNC = """
provider: sagemaker
source: {container: {framework: tgi, hf_model_id: Qwen/Qwen2.5-7B-Instruct}}
instance_type: ml.g5.2xlarge
async: {}
"""


def warnings(tmp_path: Path, body: str) -> list[tuple[str, str, str | None]]:
    loaded = load(tmp_path, files(body))
    return [(p.location.display(tmp_path), p.message, p.rule) for p in loaded.warnings
            if p.rule and p.rule.startswith("evaluation-")]


def test_rule_evaluation_models_exist(tmp_path: Path) -> None:
    assert "evaluation-models-exist" in RULES
    found = problems(tmp_path, "enabled: true\nmodels: [nova, nvoa, embedd, old]", **{
        "models/old.yaml": NOVA + "enabled: false\n"})
    mine = [(loc, msg, hint) for loc, msg, hint, rule in found if rule == "evaluation-models-exist"]
    assert mine == [
        ("environments/dev.yaml:6:20", "no model deployment named 'nvoa'", "did you mean 'nova'?"),
        ("environments/dev.yaml:6:26", "no model deployment named 'embedd'", "did you mean 'embed'?"),
        ("environments/dev.yaml:6:34", "model 'old' is disabled in environment 'dev'",
         "enable it here or remove it from evaluation.models"),
    ]
    load(tmp_path / "ok", files("enabled: true\nmodels: [nova]"))  # fine when every name is enabled


def test_rule_evaluation_models_generate_text(tmp_path: Path) -> None:
    found = problems(tmp_path, "enabled: true\nmodels: [nova, embed, queue]", **{"models/queue.yaml": ASYNC})
    mine = [(loc, msg) for loc, msg, _, rule in found if rule == "evaluation-models-generate-text"]
    assert mine == [
        ("environments/dev.yaml:6:20", "model 'embed' cannot be benchmarked: amazon.titan-embed-text-v2:0 is an "
                                       "embedding model"),
        ("environments/dev.yaml:6:27", "model 'queue' cannot be benchmarked: asynchronous endpoints answer "
                                       "through S3, not InvokeEndpoint"),
    ]
    no_chat = problems(tmp_path / "b", "enabled: true", **{"models/nova.yaml": None})
    assert [(msg, rule) for _, msg, _, rule in no_chat if rule == "evaluation-models-generate-text"] == [
        ("evaluation is enabled but environment 'dev' has no chat model", "evaluation-models-generate-text")]


def test_rule_evaluation_schedule_frequency(tmp_path: Path) -> None:
    assert warnings(tmp_path, "enabled: true\nschedule: rate(30 minutes)") == [
        ("environments/dev.yaml:6:15", "'rate(30 minutes)' runs the benchmark more than once an hour",
         "evaluation-schedule-frequency")]
    assert warnings(tmp_path / "b", "enabled: true\nschedule: cron(0/15 * ? * * *)")[0][2] == (
        "evaluation-schedule-frequency")
    assert warnings(tmp_path / "c", "enabled: true\nschedule: rate(1 day)") == []


def test_rule_evaluation_judge_and_embedder(tmp_path: Path) -> None:
    assert "evaluation-judge-and-embedder" in RULES
    found = problems(tmp_path, "judge: [nova, nvoa, embed, old]\nembedder: nova", **{
        "models/old.yaml": NOVA + "enabled: false\n"})
    mine = [(loc, msg) for loc, msg, _, rule in found if rule == "evaluation-judge-and-embedder"]
    assert mine == [
        ("environments/dev.yaml:5:19", "no model deployment named 'nvoa' (the judge)"),
        ("environments/dev.yaml:5:25", "judge 'embed' cannot answer chat requests: amazon.titan-embed-text-v2:0 is an "
                                       "embedding model"),
        ("environments/dev.yaml:5:32", "judge 'old' is disabled in environment 'dev'"),
        ("environments/dev.yaml:6:15", "embedder 'nova' is a chat model"),
    ]
    single = problems(tmp_path / "b", "judge: ghost\nembedder: embedd")
    assert [(loc, msg) for loc, msg, _, rule in single if rule == "evaluation-judge-and-embedder"] == [
        ("environments/dev.yaml:5:12", "no model deployment named 'ghost' (the judge)"),
        ("environments/dev.yaml:6:15", "no model deployment named 'embedd' (the embedder)"),
    ]
    load(tmp_path / "ok", files("judge: nova\nembedder: embed"))  # a chat judge, an embedding embedder
