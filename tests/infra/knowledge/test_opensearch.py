"""OpenSearch Serverless: a private, KMS-encrypted vector collection with exact data access."""

from __future__ import annotations

import json

from aws_cdk.assertions import Template

from tests.infra.knowledge.synth import one


def test_opensearch_collection_is_vector_search_private_and_kms(opensearch: Template) -> None:
    logical_id, collection = one(opensearch, "AWS::OpenSearchServerless::Collection")
    assert logical_id == "DocsStoreCollectionFA1E9DB2"
    assert collection["Properties"]["Type"] == "VECTORSEARCH"
    assert collection["Properties"]["StandbyReplicas"] == "DISABLED"  # removal_policy destroy (dev)
    policies = {p["Properties"]["Type"]: json.dumps(p["Properties"]["Policy"])
                for p in opensearch.find_resources("AWS::OpenSearchServerless::SecurityPolicy").values()}
    assert '\\"AWSOwnedKey\\":false' in policies["encryption"] and "KmsARN" in policies["encryption"]
    assert '\\"AllowFromPublic\\":false' in policies["network"] and "SourceVPCEs" in policies["network"]


def test_opensearch_data_access_lists_exactly_the_function_roles(opensearch: Template) -> None:
    _, policy = one(opensearch, "AWS::OpenSearchServerless::AccessPolicy")
    text = json.dumps(policy["Properties"]["Policy"])
    writers, readers = text.split("knowledge readers")
    for role in ("SchemaIsCompleteRole", "PipelineIngestRole", "BulkItemRole"):
        assert role in writers
    assert "DocsQueryRole" in readers and "aoss:WriteDocument" not in readers


def test_opensearch_index_waits_for_the_access_policy(opensearch: Template) -> None:
    _, schema = one(opensearch, "Custom::KnowledgeSchema")
    policy_id, _ = one(opensearch, "AWS::OpenSearchServerless::AccessPolicy")
    assert policy_id in schema["DependsOn"]
    assert schema["Properties"]["OPENSEARCH_INDEX"] == "chunks"
    assert schema["Properties"]["EMBEDDING_DIMENSIONS"] == "512"
