"""Knowledge templates synthesized once per session: each store (S3 Vectors, Aurora pgvector,
OpenSearch Serverless) and each mode (pipeline, bedrock-kb)."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Template

from fmkit.config import LoadedConfig
from tests.infra.knowledge.synth import kb_synth, knowledge_and_platform, knowledge_template


@pytest.fixture(scope="session")
def s3v_pair(default_config: LoadedConfig, tmp_path_factory: pytest.TempPathFactory) -> tuple[Template, Template]:
    """The default config: docs/ prefix, s3-vectors, Titan v2 (1024), pipeline mode."""
    return knowledge_and_platform(default_config.environment("dev"), tmp_path_factory.mktemp("cdk"))


@pytest.fixture(scope="session")
def s3v(s3v_pair: tuple[Template, Template]) -> Template:
    return s3v_pair[0]


@pytest.fixture(scope="session")
def s3v_prod(default_config: LoadedConfig, tmp_path_factory: pytest.TempPathFactory) -> Template:
    return knowledge_template(default_config.environment("prod"), tmp_path_factory.mktemp("cdk"))


@pytest.fixture(scope="session")
def aurora(tmp_path_factory: pytest.TempPathFactory) -> Template:
    return kb_synth(tmp_path_factory, "vector_store: aurora-pgvector\naurora: {min_capacity: 0, max_capacity: 2}")


@pytest.fixture(scope="session")
def opensearch(tmp_path_factory: pytest.TempPathFactory) -> Template:
    return kb_synth(tmp_path_factory, "vector_store: opensearch-serverless\nembedding: {dimensions: 512}")


@pytest.fixture(scope="session")
def bedrock_kb(tmp_path_factory: pytest.TempPathFactory) -> Template:
    return kb_synth(tmp_path_factory, "mode: bedrock-kb\nsources: {prefixes: [hr/]}\n"
                                      "chunking: {strategy: tokens, size: 300, overlap: 30}")


@pytest.fixture(scope="session")
def existing_bucket(tmp_path_factory: pytest.TempPathFactory) -> Template:
    return kb_synth(tmp_path_factory, "sources: {bucket_arn: 'arn:aws:s3:::corp-docs', prefixes: [kb/]}")
