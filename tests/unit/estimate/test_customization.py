"""A customization's monthly line in `fmkit plan`: priced where the catalog knows, "unknown" otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from fmkit.catalog.instances import get_instance
from fmkit.config import EnvironmentConfig, load_config
from fmkit.estimate import carbon
from fmkit.estimate.customization import (
    bedrock_customization,
    customizations_available,
    estimate_customizations,
    peft_customization,
)
from fmkit.estimate.plan import estimate_items
from tests.helpers import write_config

DATA = "data: {train: s3://my-data/t.jsonl, evaluation: s3://my-data/h.jsonl}"


def env(tmp_path: Path, customizations: str, region: str = "us-east-1") -> EnvironmentConfig:
    project = ("name: demo\nowner: team@example.com\ncost_center: CC-1\ncustomizations:\n"
               + "\n".join("  " + line for line in customizations.strip("\n").splitlines()) + "\n")
    files = {"project.yaml": project, "environments/dev.yaml": f'account: "111111111111"\nregion: {region}\n'}
    return load_config(write_config(tmp_path, files)).environment("dev")  # the schema only: no serving rule


def test_bedrock_training_is_tokens_times_epochs_times_the_price(tmp_path: Path) -> None:
    config = env(tmp_path, f"""
nova:
  kind: bedrock
  method: fine-tuning
  base_model: amazon.nova-micro-v1:0
  hyperparameters: {{epochCount: 3}}
  {DATA}
  expected: {{training_tokens: 1000000, runs_per_month: 2}}
""")
    item = bedrock_customization("nova", config.project.customizations["nova"], "us-east-1")  # type: ignore[arg-type]
    # 1M tokens x 3 epochs x $0.001/1k x 2 runs + storage $1.95 x 3 models kept
    assert item.footprint.usd.expected == pytest.approx(6.0 + 5.85)
    assert item.instance_type == "Bedrock fine-tuning" and item.name == "customization:nova"


def test_an_unknown_price_is_said_not_invented(tmp_path: Path) -> None:
    config = env(tmp_path, f"""
llama:
  kind: bedrock
  method: fine-tuning
  base_model: meta.llama3-1-8b-instruct-v1:0
  output: {{serving: provisioned, provisioned: {{model_units: 1}}}}
  {DATA}
  expected: {{training_tokens: 1000000}}
""", region="us-west-2")
    item = estimate_customizations(config)[0]
    assert item.footprint.usd.expected == 0
    assert item.instance_type == "Bedrock fine-tuning: price unknown (training, storage, provisioned throughput)"


def test_peft_runs_are_instance_hours_with_their_energy(tmp_path: Path) -> None:
    config = env(tmp_path, f"""
qwen:
  kind: sagemaker-peft
  base: {{hf_model_id: Qwen/Qwen2.5-1.5B-Instruct}}
  training: {{instance_type: ml.g5.2xlarge, max_runtime_hours: 3, spot: true}}
  {DATA}
  expected: {{training_hours: 1.5, runs_per_month: 2}}
""")
    item = peft_customization("qwen", config.project.customizations["qwen"], "us-east-1")  # type: ignore[arg-type]
    spec = get_instance("ml.g5.2xlarge")
    assert spec is not None and item.instance_hours is not None
    assert (item.instance_hours.expected, item.instance_hours.high) == (3.0, 6.0)
    storage = 1.54 * (2.0 + 0.5625) * 2 * 0.023  # merged f16 + Q4_0 GGUF per run, S3 standard
    assert item.footprint.usd.expected == pytest.approx(3.0 * 1.515 + storage, rel=1e-3)
    assert item.footprint.kwh.expected == pytest.approx(carbon.instance_kwh(spec, 3.0))
    assert any("spot" in note for note in item.notes)


def test_the_plan_has_one_line_per_customization_that_runs_here(tmp_path: Path) -> None:
    config = env(tmp_path, f"""
qwen:
  kind: sagemaker-peft
  base: {{hf_model_id: Qwen/Qwen2.5-1.5B-Instruct}}
  {DATA}
off:
  kind: sagemaker-peft
  enabled: false
  base: {{hf_model_id: Qwen/Qwen2.5-1.5B-Instruct}}
  {DATA}
""")
    assert [i.name for i in estimate_items(config) if i.kind == "customization"] == ["customization:qwen"]


def test_a_region_move_must_keep_every_customization(tmp_path: Path) -> None:
    config = env(tmp_path, f"""
nova:
  kind: bedrock
  method: fine-tuning
  base_model: amazon.nova-micro-v1:0
  {DATA}
""")
    assert customizations_available(config, "us-east-1")
    assert not customizations_available(config, "eu-west-2")  # Nova Micro fine-tuning: us-east-1 only
