"""Knowledge-base rules: one test per rule (`test_rule_<id>`)."""

from __future__ import annotations

from pathlib import Path

from fmkit.config.knowledge import KnowledgeBaseConfig
from fmkit.validate import RULES
from tests.helpers import load_env
from tests.unit.area_configs.knowledge import kb_files, only, problems

SAGEMAKER = """
provider: sagemaker
source: {container: {framework: tei, hf_model_id: BAAI/bge-base-en-v1.5}}
instance_type: ml.g5.xlarge
"""
def test_every_knowledge_rule_has_a_test() -> None:
    tested = {name.removeprefix("test_rule_").replace("_", "-") for name in globals() if name.startswith("test_rule_")}
    assert {r for r in RULES if r.startswith("knowledge-")} <= tested


def test_rule_knowledge_embedding_model_exists(tmp_path: Path) -> None:
    location, message, hint, rule = only(problems(tmp_path, "embedding: {model_id: amazon.titan-embed-text-v3:0}"))
    assert rule == "knowledge-embedding-model-exists"
    assert location == "project.yaml:6:27"
    assert "not in fmkit's Bedrock catalog" in message and hint is not None and "model_configs/catalog" in hint
    _, _, hint, _ = only(problems(tmp_path, "embedding: {model_id: amazon.titan-embed-text}"))
    assert hint == "did you mean 'amazon.titan-embed-text-v2:0'?"


def test_rule_knowledge_embedding_model_is_embedding(tmp_path: Path) -> None:
    _, message, hint, rule = only(problems(tmp_path, "embedding: {model_id: amazon.nova-lite-v1:0}"))
    assert rule == "knowledge-embedding-model-is-embedding"
    assert "not an embedding model" in message and hint and "titan-embed" in hint


def test_rule_knowledge_embedding_model_in_region(tmp_path: Path) -> None:
    env_file = 'account: "111111111111"\nregion: af-south-1\n'
    found = problems(tmp_path, "description: x", **{"environments/dev.yaml": env_file})
    location, message, _, rule = only(found)
    assert rule == "knowledge-embedding-model-in-region"
    assert "not available on demand in af-south-1" in message
    assert location.startswith("project.yaml:")  # the default model: points at the knowledge base


def test_rule_knowledge_embedding_dimensions_supported(tmp_path: Path) -> None:
    location, message, hint, rule = only(problems(tmp_path / "a", "embedding: {dimensions: 768}"))
    assert rule == "knowledge-embedding-dimensions-supported"
    assert location == "project.yaml:6:29" and "does not produce 768-dimensional" in message
    assert hint == "use one of [256, 512, 1024]"
    # A store limit: pgvector's HNSW index stops at 2,000 dimensions.
    sagemaker = SAGEMAKER
    body = "vector_store: aurora-pgvector\nembedding: {provider: sagemaker, deployment: embedder, dimensions: 4096}"
    _, message, _, rule = only(problems(tmp_path / "b", body, **{"models/embedder.yaml": sagemaker}))
    assert rule == "knowledge-embedding-dimensions-supported" and "at most 2000 dimensions" in message


def test_rule_knowledge_sagemaker_embedding_exists(tmp_path: Path) -> None:
    body = "embedding: {provider: sagemaker, deployment: embeder, dimensions: 768}"
    sagemaker = SAGEMAKER
    location, message, hint, rule = only(problems(tmp_path / "a", body, **{"models/embedder.yaml": sagemaker}))
    assert rule == "knowledge-sagemaker-embedding-exists"
    assert location == "project.yaml:6:50" and "no enabled model deployment 'embeder'" in message
    assert hint == "SageMaker deployments here: embedder"
    bedrock = "provider: bedrock\nmodel_id: amazon.nova-lite-v1:0\n"
    body = "embedding: {provider: sagemaker, deployment: lite, dimensions: 768}"
    _, message, _, _ = only(problems(tmp_path / "b", body, **{"models/lite.yaml": bedrock}))
    assert "'lite' is a bedrock deployment, not sagemaker" in message
    body = body.replace("lite", "embedder")
    env = load_env(tmp_path / "c", kb_files(body, **{"models/embedder.yaml": sagemaker}))
    assert env.project.knowledge_bases["docs"].embedding.provider == "sagemaker"


def test_rule_knowledge_bedrock_kb_compatible(tmp_path: Path) -> None:
    location, message, hint, rule = only(problems(tmp_path / "a", "mode: bedrock-kb\nvector_store: aurora-pgvector"))
    assert rule == "knowledge-bedrock-kb-compatible"
    assert location == "project.yaml:7:19" and "not supported yet" in message and hint
    sagemaker = SAGEMAKER
    body = "mode: bedrock-kb\nembedding: {provider: sagemaker, deployment: embedder, dimensions: 768}"
    _, message, _, _ = only(problems(tmp_path / "b", body, **{"models/embedder.yaml": sagemaker}))
    assert "needs a Bedrock embedding model" in message
    _, message, _, _ = only(problems(tmp_path / "d", "mode: bedrock-kb\nsources: {prefixes: [hr/, it/]}"))
    assert "at most one inclusion prefix" in message
    env = load_env(tmp_path / "c", kb_files("mode: bedrock-kb\nsources: {prefixes: [hr/]}"))
    assert env.project.knowledge_bases["docs"].mode == "bedrock-kb"


def test_rule_knowledge_sagemaker_embedding_invocable(tmp_path: Path) -> None:
    body = "embedding: {provider: sagemaker, deployment: embedder, dimensions: 768}"
    async_model = SAGEMAKER + "async: {}\n"
    location, message, hint, rule = only(problems(tmp_path, body, **{"models/embedder.yaml": async_model}))
    assert rule == "knowledge-sagemaker-embedding-invocable" and location == "project.yaml:6:50"
    assert "hosted as async: embeddings are called synchronously" in message
    assert hint and "real-time or serverless" in hint


def test_disabled_knowledge_bases_are_not_checked(tmp_path: Path) -> None:
    env = load_env(tmp_path, kb_files("enabled: false\nembedding: {model_id: nope}"))
    assert isinstance(env.project.knowledge_bases["docs"], KnowledgeBaseConfig)
