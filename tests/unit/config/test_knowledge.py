"""Knowledge-base config: defaults and the checks one entry can make on its own."""

from __future__ import annotations

from pathlib import Path

from fmkit.config.knowledge import embedding_dimensions
from tests.helpers import load_env
from tests.unit.area_configs.knowledge import kb_files, only, problems


def test_defaults_are_s3_vectors_titan_v2_pipeline(tmp_path: Path) -> None:
    env = load_env(tmp_path, kb_files("description: team docs"))
    kb = env.project.knowledge_bases["docs"]
    assert (kb.mode, kb.vector_store, kb.distance_metric) == ("pipeline", "s3-vectors", "cosine")
    assert kb.embedding.provider == "bedrock" and kb.embedding.model_id == "amazon.titan-embed-text-v2:0"
    assert embedding_dimensions(kb.embedding) == 1024
    assert kb.sources.suffixes() == [".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx", ".csv"]
    assert kb.aurora_settings.min_capacity == 0


def test_chunk_overlap_must_be_smaller_than_size(tmp_path: Path) -> None:
    location, message, hint, _ = only(problems(tmp_path, "chunking: {size: 200, overlap: 200}"))
    assert location.startswith("project.yaml:") and "overlap 200 is not smaller than size 200" in message
    assert hint


def test_store_settings_must_match_the_store(tmp_path: Path) -> None:
    _, message, hint, _ = only(problems(tmp_path, "aurora: {min_capacity: 0}"))
    assert "'aurora' settings given but vector_store is s3-vectors" in message
    assert hint and "aurora-pgvector" in hint


def test_aurora_capacity_range_and_steps(tmp_path: Path) -> None:
    body = "vector_store: aurora-pgvector\naurora: {min_capacity: 8, max_capacity: 4}"
    assert "min_capacity 8.0 exceeds max_capacity 4.0" in only(problems(tmp_path / "a", body))[1]
    body = "vector_store: aurora-pgvector\naurora: {min_capacity: 0.3}"
    assert "steps of 0.5" in only(problems(tmp_path / "b", body))[1]


def test_bucket_arn_and_file_types_are_checked(tmp_path: Path) -> None:
    location, message, _, _ = only(problems(tmp_path / "a", "sources: {bucket_arn: my-bucket}"))
    assert location == "project.yaml:6:27" and "'my-bucket' is not an S3 bucket ARN" in message
    found = problems(tmp_path / "b", "sources: {file_types: [txt, pptx]}")
    assert "pptx" in only(found)[1]


def test_existing_bucket_arn_gives_its_name(tmp_path: Path) -> None:
    env = load_env(tmp_path, kb_files("sources: {bucket_arn: 'arn:aws:s3:::corp-docs', prefixes: [hr/]}"))
    assert env.project.knowledge_bases["docs"].sources.bucket_name == "corp-docs"


def test_sagemaker_embedding_needs_dimensions(tmp_path: Path) -> None:
    _, message, _, _ = only(problems(tmp_path, "embedding: {provider: sagemaker, deployment: embedder}"))
    assert "dimensions" in message
