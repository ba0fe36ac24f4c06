"""Customization rules: one test per rule (`test_rule_<id>`), each failing on a config that breaks it."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from fmkit.config import ConfigError
from fmkit.validate import RULES
from tests.helpers import load

DATA = "data: {train: s3://my-data/ft/train.jsonl, evaluation: s3://my-data/eval/holdout.jsonl}"
NOVA = f"""
nova:
  kind: bedrock
  method: fine-tuning
  base_model: amazon.nova-micro-v1:0
  hyperparameters: {{epochCount: 2, learningRate: 0.00001}}
  {DATA}
"""
QWEN = f"""
qwen:
  kind: sagemaker-peft
  base: {{hf_model_id: Qwen/Qwen2.5-1.5B-Instruct}}
  hyperparameters: {{lora_r: 16, epochs: 2}}
  output: {{gguf: {{quantization: Q4_K_M}}}}
  {DATA}
"""
GRAVITON = """
provider: ec2-graviton
instance_type: c7g.xlarge
model:
  hf:
    repo: bartowski/Qwen2.5-1.5B-Instruct-GGUF
    file: Qwen2.5-1.5B-Instruct-Q4_K_M.gguf
    revision: 0123456789abcdef0123456789abcdef01234567
  size_gib: 0.93
  quantization: Q4_K_M
  customization: qwen
"""


def files(customizations: str, *, region: str = "us-east-1", models: dict[str, str] | None = None
          ) -> dict[str, str | None]:
    body = textwrap.indent(textwrap.dedent(customizations).strip("\n"), "  ")
    project = f"name: demo\nowner: team@example.com\ncost_center: CC-1\ncustomizations:\n{body}\n"
    return {"project.yaml": project, "environments/dev.yaml": f'account: "111111111111"\nregion: {region}\n',
            **(models if models is not None else {"models/assistant.yaml": GRAVITON})}


def findings(tmp_path: Path, customizations: str, **kwargs: object) -> list[tuple[str, str, str | None]]:
    """(rule, message, severity) of every finding (errors raise, warnings are returned by the loader)."""
    try:
        loaded = load(tmp_path, files(customizations, **kwargs))  # type: ignore[arg-type]
    except ConfigError as exc:
        return [(str(p.rule), p.message, p.severity) for p in exc.problems]
    return [(str(p.rule), p.message, p.severity) for p in loaded.warnings]


def of(rule: str, found: list[tuple[str, str, str | None]]) -> list[tuple[str, str | None]]:
    return [(message, severity) for r, message, severity in found if r == rule]


def test_every_rule_here_has_a_test() -> None:
    names = {n.removeprefix("test_rule_") for n in globals() if n.startswith("test_rule_")}
    ours = {r.replace("-", "_") for r in RULES if r.startswith("customization-")}
    assert ours <= names


def test_a_valid_config_has_no_customization_findings(tmp_path: Path) -> None:
    found = findings(tmp_path, NOVA + QWEN)
    assert [f for f in found if f[0].startswith("customization-")] == []


def test_rule_customization_base_customizable(tmp_path: Path) -> None:
    wrong_region = of("customization-base-customizable", findings(tmp_path / "a", NOVA, region="eu-west-1",
                                                                  models={}))
    assert wrong_region == [("fine-tuning of Amazon Nova Micro is not offered in eu-west-1", "error")]
    typo = of("customization-base-customizable",
              findings(tmp_path / "b", NOVA.replace("nova-micro-v1:0", "nova-micor-v1:0"), models={}))
    assert "not a Bedrock model fmkit knows to be customizable" in typo[0][0]
    past_eol = NOVA.replace("amazon.nova-micro-v1:0", "anthropic.claude-3-haiku-20240307-v1:0").replace(
        "{epochCount: 2, learningRate: 0.00001}", "{epochCount: 2}")
    eol = of("customization-base-customizable", findings(tmp_path / "c", past_eol, region="us-west-2", models={}))
    assert eol and "end of life" in eol[0][0]
    no_cpt = of("customization-base-customizable",
                findings(tmp_path / "d", NOVA.replace("fine-tuning", "continued-pretraining"), models={}))
    assert no_cpt == [("Bedrock offers no continued-pretraining of Amazon Nova Micro", "error")]
    unverified = of("customization-base-customizable", findings(tmp_path / "e", NOVA.replace(
        "amazon.nova-micro-v1:0", "amazon.titan-text-lite-v1").replace("learningRate: 0.00001", "batchSize: 1"),
        models={}))
    assert [s for _, s in unverified] == ["warning"]
    teacher = NOVA.replace("fine-tuning", "distillation").replace("hyperparameters: {epochCount: 2, "
                                                                  "learningRate: 0.00001}",
                                                                  "teacher_model: amazon.nova-lite-v1:0")
    assert "cannot teach" in of("customization-base-customizable", findings(tmp_path / "f", teacher, models={}))[0][0]


def test_rule_customization_serving_available(tmp_path: Path) -> None:
    llama = NOVA.replace("amazon.nova-micro-v1:0", "meta.llama3-1-8b-instruct-v1:0").replace(
        "{epochCount: 2, learningRate: 0.00001}", "{epochCount: 2}")
    found = of("customization-serving-available", findings(tmp_path / "a", llama, region="us-west-2", models={}))
    assert len(found) == 1 and "cannot be served on demand in us-west-2" in found[0][0]
    provisioned = llama + "  output: {serving: provisioned, provisioned: {model_units: 1}}\n"
    assert of("customization-serving-available",
              findings(tmp_path / "b", provisioned, region="us-west-2", models={})) == []


def test_rule_customization_hyperparameters_in_range(tmp_path: Path) -> None:
    out_of_range = NOVA.replace("epochCount: 2", "epochCount: 9")
    found = of("customization-hyperparameters-in-range", findings(tmp_path / "a", out_of_range, models={}))
    assert found == [("epochCount = 9 is outside the documented range: an integer from 1 to 5", "error")]
    typo = of("customization-hyperparameters-in-range",
              findings(tmp_path / "b", NOVA.replace("learningRate", "learningRat"), models={}))
    assert "did you mean" not in typo[0][0] and typo[0][1] == "error"
    peft = of("customization-hyperparameters-in-range",
              findings(tmp_path / "c", QWEN.replace("lora_r: 16", "lora_rr: 16")))
    assert peft == [("train.py has no option 'lora_rr'", "error")]
    nova2 = NOVA.replace("amazon.nova-micro-v1:0", "amazon.nova-2-lite-v1:0")
    assert {s for _, s in of("customization-hyperparameters-in-range",
                             findings(tmp_path / "d", nova2, models={}))} == {"warning"}


def test_rule_customization_data_uris(tmp_path: Path) -> None:
    bad_bucket = NOVA.replace("s3://my-data/ft/train.jsonl", "s3://my..data/ft/train.jsonl")
    assert of("customization-data-uris", findings(tmp_path / "a", bad_bucket, models={})) == [
        ("bucket name 'my..data' has '..', '.-' or '-.'", "error")]
    bad_key = NOVA.replace("s3://my-data/ft/train.jsonl", "s3://my-data/ft/train+v2.jsonl")
    found = of("customization-data-uris", findings(tmp_path / "b", bad_key, models={}))
    assert len(found) == 1 and "Bedrock accepts only" in found[0][0]


def test_rule_customization_evaluation_distinct(tmp_path: Path) -> None:
    same = NOVA.replace("s3://my-data/eval/holdout.jsonl", "s3://my-data/ft/train.jsonl")
    assert of("customization-evaluation-distinct", findings(tmp_path / "a", same, models={})) == [
        ("the evaluation set is the train data (s3://my-data/ft/train.jsonl)", "error")]
    prefixed = NOVA.replace("s3://my-data/eval/holdout.jsonl", "s3://my-data/ft/train.jsonl.holdout.jsonl")
    assert "overlaps" in of("customization-evaluation-distinct", findings(tmp_path / "b", prefixed, models={}))[0][0]


def test_rule_customization_provider_reference(tmp_path: Path) -> None:
    unserved = of("customization-provider-reference", findings(tmp_path / "a", QWEN, models={}))
    assert "served by 0 Graviton deployments" in unserved[0][0]
    wrong_kind = GRAVITON.replace("customization: qwen", "customization: nova")
    found = of("customization-provider-reference",
               findings(tmp_path / "b", NOVA + QWEN, models={"models/assistant.yaml": wrong_kind}))
    assert any("Graviton serves GGUF files" in m for m, _ in found)
    quant = GRAVITON.replace("quantization: Q4_K_M", "quantization: Q8_0")
    assert any("writes Q4_K_M GGUFs" in m for m, _ in of(
        "customization-provider-reference", findings(tmp_path / "c", QWEN, models={"models/assistant.yaml": quant})))
    bedrock = "provider: bedrock\nmodel_id: amazon.nova-lite-v1:0\ncustom_model: nova\n"
    found = of("customization-provider-reference",
               findings(tmp_path / "d", NOVA, models={"models/chat.yaml": bedrock}))
    assert found == [("model_id serves until 'nova' is promoted and must be its base model "
                      "(amazon.nova-micro-v1:0)", "error")]


def test_rule_customization_training_instance(tmp_path: Path) -> None:
    cpu = QWEN + "  training: {instance_type: ml.c5.2xlarge}\n"
    assert of("customization-training-instance", findings(tmp_path / "a", cpu)) == [
        ("ml.c5.2xlarge has no GPU: the training image is CUDA-only", "error")]
    unknown = QWEN + "  training: {instance_type: ml.g9.xlarge}\n"
    assert of("customization-training-instance", findings(tmp_path / "b", unknown))[0][0].startswith("unknown")


def test_rule_customization_license_allows_usage(tmp_path: Path) -> None:
    research = QWEN.replace("Qwen/Qwen2.5-1.5B-Instruct", "Qwen/Qwen2.5-3B-Instruct")
    found = of("customization-license-allows-usage", findings(tmp_path / "a", research))
    assert found and found[0][1] == "error" and "does not allow commercial use" in found[0][0]
    unknown = QWEN.replace("Qwen/Qwen2.5-1.5B-Instruct", "someone/own-model")
    assert of("customization-license-allows-usage", findings(tmp_path / "b", unknown)) == [
        ("fmkit's catalog has no license for 'someone/own-model'", "warning")]
    acknowledged = unknown + "  license_ack: our own model, trained in house\n"
    assert of("customization-license-allows-usage", findings(tmp_path / "c", acknowledged)) == []


@pytest.mark.parametrize("environments", ["[prod]", "[dev]"])
def test_a_customization_only_counts_where_it_runs(tmp_path: Path, environments: str) -> None:
    scoped = NOVA.replace("amazon.nova-micro-v1:0", "amazon.nova-micro-v9:0") + f"  environments: {environments}\n"
    found = of("customization-base-customizable", findings(tmp_path, scoped, models={}))
    assert bool(found) == (environments == "[dev]")
