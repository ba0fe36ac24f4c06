from __future__ import annotations

import pytest

from fmkit.catalog import instances, jumpstart

REQUIRED = [
    "meta-textgeneration-llama-3-1-8b-instruct",
    "meta-textgeneration-llama-3-1-70b-instruct",
    "meta-textgeneration-llama-3-2-1b-instruct",
    "meta-textgeneration-llama-3-2-3b-instruct",
    "huggingface-llm-mistral-7b-instruct",
    "huggingface-llm-mixtral-8x7b-instruct",
    "huggingface-llm-qwen2-5-7b-instruct",
    "huggingface-llm-falcon-7b-instruct-bf16",
    "huggingface-llm-gemma-2-9b-instruct",
    "huggingface-sentencesimilarity-bge-large-en-v1-5",
    "huggingface-sentencesimilarity-e5-large-v2",
    "huggingface-sentencesimilarity-multilingual-e5-large",
    "huggingface-sentencesimilarity-all-MiniLM-L6-v2",
]


def test_required_models() -> None:
    models = jumpstart.all_jumpstart_models()
    assert len(models) >= 12
    for mid in REQUIRED:
        m = models[mid]
        assert m.default_instance_type in m.supported_instance_types
        if m.task == "embedding":
            assert m.embedding_dimensions and m.embedding_dimensions > 0
        else:
            assert m.embedding_dimensions is None


def test_instance_types_exist_in_sagemaker_catalog() -> None:
    sm = instances.all_instances("sagemaker")
    for m in jumpstart.all_jumpstart_models().values():
        for t in m.supported_instance_types:
            assert t in sm, (m.model_id, t)


def test_gpu_models_default_to_gpu_instances() -> None:
    for m in jumpstart.all_jumpstart_models().values():
        spec = instances.get_instance(m.default_instance_type)
        assert spec is not None
        if m.requires_gpu:
            assert spec.gpus > 0


def test_eula_and_gated_bucket() -> None:
    llama = jumpstart.get_jumpstart_model("meta-textgeneration-llama-3-1-8b-instruct")
    assert llama is not None and llama.eula_required
    assert jumpstart.artifact_uri(llama, "eu-west-2") == (
        "s3://jumpstart-private-cache-prod-eu-west-2/meta-textgeneration/"
        "meta-textgeneration-llama-3-1-8b-instruct/artifacts/inference-prepack/v2.0.0/"
    )
    bge = jumpstart.get_jumpstart_model("huggingface-sentencesimilarity-bge-large-en-v1-5")
    assert bge is not None and not bge.eula_required
    assert jumpstart.artifact_uri(bge.model_id, "us-east-1").startswith(
        "s3://jumpstart-cache-prod-us-east-1/"
    )


def test_artifact_uri_errors() -> None:
    with pytest.raises(KeyError):
        jumpstart.artifact_uri("nope", "us-east-1")
    with pytest.raises(ValueError):
        jumpstart.artifact_uri("huggingface-llm-mistral-7b-instruct", "xx-nowhere-1")


def test_suggestions() -> None:
    assert "meta-textgeneration-llama-3-1-8b-instruct" in jumpstart.suggest_jumpstart_ids(
        "meta-textgeneration-llama-3.1-8b-instruct"
    )
