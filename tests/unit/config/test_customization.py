"""`customizations:` schema: shapes, the kind discriminator, line-aware errors, environment overlays."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest

from fmkit.config import ConfigError, load_config
from fmkit.config.customization import BedrockCustomization, QuantType, SageMakerPeftCustomization
from fmkit.contracts.customization import GGUF_QUANT_TYPES
from tests.helpers import write_config

PROJECT = """
name: demo
owner: team@example.com
cost_center: CC-1
customizations:
  tuned:
    kind: sagemaker-peft
    base: {{hf_model_id: Qwen/Qwen2.5-1.5B-Instruct}}
    training: {{instance_type: ml.g5.2xlarge, spot: true, max_runtime_hours: 2}}
    data: {{train: s3://my-data/train.jsonl, evaluation: s3://my-data/holdout.jsonl}}
  nova:
    kind: bedrock
    method: fine-tuning
    base_model: amazon.nova-micro-v1:0
    data: {{train: s3://my-data/nova.jsonl, evaluation: {evaluation}}}
    {extra}
"""


def load(tmp_path: Path, *, evaluation: str = "s3://my-data/holdout.jsonl", extra: str = "",
         env_extra: str = "") -> dict[str, object]:
    files: dict[str, str | None] = {"project.yaml": PROJECT.format(evaluation=evaluation, extra=extra),
             "environments/dev.yaml": f'account: "111111111111"\nregion: us-east-1\n{env_extra}'}
    return dict(load_config(write_config(tmp_path, files)).environment("dev").project.customizations)


def problems(tmp_path: Path, **kwargs: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, **kwargs)
    return [p.format(tmp_path) for p in info.value.problems]


def test_both_kinds_load_with_their_defaults(tmp_path: Path) -> None:
    found = load(tmp_path)
    tuned, nova = found["tuned"], found["nova"]
    assert isinstance(tuned, SageMakerPeftCustomization) and isinstance(nova, BedrockCustomization)
    assert tuned.method == "lora" and tuned.output.gguf.quantization == "Q4_0"
    assert tuned.training.wait_hours == 4.0  # spot: twice the runtime unless given
    assert nova.output.serving == "on-demand" and nova.promotion.metric == "exact_match"
    assert tuned.runs_in("dev") and tuned.data.uris() == {"train": "s3://my-data/train.jsonl",
                                                         "evaluation": "s3://my-data/holdout.jsonl"}


def test_errors_point_at_the_line_that_set_the_value(tmp_path: Path) -> None:
    found = problems(tmp_path, evaluation="s3://my-data/holdout.json")
    assert found == ["project.yaml:14:56: 'customizations.nova.data.evaluation': 's3://my-data/holdout.json' is "
                     "not an s3://bucket/key.jsonl URI — each data set is one JSONL file in S3"]


def test_an_unknown_kind_says_which_kinds_exist(tmp_path: Path) -> None:
    files: dict[str, str | None] = {"project.yaml": PROJECT.format(evaluation="s3://b-1/h.jsonl", extra="").replace(
        "kind: bedrock", "kind: bedrok")}
    with pytest.raises(ConfigError) as info:
        load_config(write_config(tmp_path, files))
    assert [p.hint for p in info.value.problems] == ["kind: bedrock or kind: sagemaker-peft"]


@pytest.mark.parametrize(("extra", "message"), [
    ("teacher_model: amazon.nova-pro-v1:0", "teacher_model goes with method: distillation"),
    ("output: {serving: provisioned}", "'provisioned' goes with serving: provisioned"),
    ("promotion: {metric: rougeX}", "'rougeX' is not a holdout metric"),
    ("promotion: {alpha: 0.7}", "less than 0.5"),
])
def test_field_checks(tmp_path: Path, extra: str, message: str) -> None:
    assert any(message in p for p in problems(tmp_path, extra=extra))


def test_peft_base_names_exactly_one_model(tmp_path: Path) -> None:
    files: dict[str, str | None] = {"project.yaml": PROJECT.format(evaluation="s3://my-data/h.jsonl", extra="").replace(
        "base: {hf_model_id: Qwen/Qwen2.5-1.5B-Instruct}",
        "base: {hf_model_id: Qwen/Qwen2.5-1.5B-Instruct, jumpstart_model_id: x}")}
    with pytest.raises(ConfigError) as info:
        load_config(write_config(tmp_path, files))
    assert "set exactly one of 'hf_model_id' or 'jumpstart_model_id'" in info.value.problems[0].message


def test_spot_wait_needs_spot(tmp_path: Path) -> None:
    files: dict[str, str | None] = {"project.yaml": PROJECT.format(evaluation="s3://my-data/h.jsonl", extra="").replace(
        "spot: true", "spot: false, max_wait_hours: 3")}
    with pytest.raises(ConfigError) as info:
        load_config(write_config(tmp_path, files))
    assert "max_wait_hours applies to spot training only" in info.value.problems[0].message


def test_environments_override_a_customization(tmp_path: Path) -> None:
    found = load(tmp_path, env_extra="project:\n  customizations:\n    nova: {enabled: false}\n"
                                     "    tuned: {promotion: {margin: 0.1}}\n")
    assert not found["nova"].runs_in("dev")  # type: ignore[attr-defined]
    assert found["tuned"].promotion.margin == 0.1  # type: ignore[attr-defined]


def test_provisioned_commitments_map_to_the_api(tmp_path: Path) -> None:
    found = load(tmp_path, extra="output: {serving: provisioned, provisioned: {model_units: 2, "
                                 "commitment: 6-months}}")
    provisioned = found["nova"].output.provisioned  # type: ignore[attr-defined]
    assert provisioned.api_commitment == "SixMonths" and provisioned.model_units == 2


def test_quantizations_match_the_contract() -> None:
    assert get_args(QuantType) == GGUF_QUANT_TYPES
