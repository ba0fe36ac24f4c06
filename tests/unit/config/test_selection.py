"""Which deployments the evaluation benchmarks: the listed ones, else every enabled chat model."""

from __future__ import annotations

from pathlib import Path

from fmkit.config.selection import evaluated_models, not_benchmarkable
from tests.helpers import load_env

NOVA = "provider: bedrock\nmodel_id: amazon.nova-lite-v1:0\ncross_region: geo\n"
EMBED = "provider: bedrock\nmodel_id: amazon.titan-embed-text-v2:0\n"
TEI = ("provider: sagemaker\nsource: {container: {framework: tei, hf_model_id: BAAI/bge-small-en-v1.5}}\n"
       "instance_type: ml.g5.xlarge\n")
ASYNC = ("provider: sagemaker\nsource: {container: {framework: tgi, hf_model_id: Qwen/Qwen2.5-7B-Instruct}}\n"
         "instance_type: ml.g5.2xlarge\nasync: {}\n")
MODELS: dict[str, str | None] = {"models/nova.yaml": NOVA, "models/embed.yaml": EMBED, "models/tei.yaml": TEI,
                                 "models/queue.yaml": ASYNC}


def test_every_enabled_chat_model_by_default(tmp_path: Path) -> None:
    env = load_env(tmp_path, MODELS)
    assert list(evaluated_models(env)) == ["nova"]


def test_why_a_deployment_is_not_benchmarkable(tmp_path: Path) -> None:
    models = load_env(tmp_path, MODELS).models
    assert not_benchmarkable(models["nova"]) is None
    assert not_benchmarkable(models["embed"]) == "amazon.titan-embed-text-v2:0 is an embedding model"
    assert not_benchmarkable(models["tei"]) == "a TEI container serves embeddings"
    assert not_benchmarkable(models["queue"]) == "asynchronous endpoints answer through S3, not InvokeEndpoint"


def test_listed_models_in_their_order_skipping_disabled_ones(tmp_path: Path) -> None:
    env_file = ('account: "111111111111"\nregion: eu-west-1\nproject: {evaluation: {models: [tei, nova, off]}}\n'
                "models: {off: {enabled: false}}\n")
    env = load_env(tmp_path, {**MODELS, "models/off.yaml": NOVA, "environments/dev.yaml": env_file})
    assert list(evaluated_models(env)) == ["tei", "nova"]
