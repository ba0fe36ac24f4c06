"""Mode bedrock-kb: a Bedrock knowledge base on the kit's S3 Vectors index, synced on object changes."""

from __future__ import annotations

import json

from aws_cdk.assertions import Match, Template

from tests.infra.knowledge.synth import one, policy_statements


def test_bedrock_kb_on_s3_vectors_with_bedrock_metadata_keys(bedrock_kb: Template) -> None:
    bedrock_kb.has_resource_properties("AWS::Bedrock::KnowledgeBase", {
        "KnowledgeBaseConfiguration": {"Type": "VECTOR", "VectorKnowledgeBaseConfiguration": Match.object_like({
            "EmbeddingModelConfiguration": {"BedrockEmbeddingModelConfiguration": {
                "Dimensions": 1024, "EmbeddingDataType": "FLOAT32"}}})},
        "StorageConfiguration": {"Type": "S3_VECTORS", "S3VectorsConfiguration": {
            "IndexArn": {"Fn::GetAtt": ["DocsStoreIndex5221245D", "IndexArn"]},
            "VectorBucketArn": {"Fn::GetAtt": ["DocsStoreVectorBucketFCC21B39", "VectorBucketArn"]}}},
    })
    bedrock_kb.has_resource_properties("AWS::S3Vectors::Index", {"MetadataConfiguration": {
        "NonFilterableMetadataKeys": ["AMAZON_BEDROCK_TEXT", "AMAZON_BEDROCK_METADATA"]}})
    bedrock_kb.has_resource_properties("AWS::Bedrock::DataSource", {
        "DataDeletionPolicy": "DELETE",
        "DataSourceConfiguration": {"Type": "S3", "S3Configuration": Match.object_like(
            {"InclusionPrefixes": ["hr/"]})},
        "VectorIngestionConfiguration": {"ChunkingConfiguration": {
            "ChunkingStrategy": "FIXED_SIZE",
            "FixedSizeChunkingConfiguration": {"MaxTokens": 300, "OverlapPercentage": 10}}},
    })
    bedrock_kb.resource_count_is("AWS::SQS::Queue", 0)  # Bedrock ingests; the kit's pipeline is off


def test_bedrock_kb_ingestion_starts_on_object_changes(bedrock_kb: Template) -> None:
    _, machine = one(bedrock_kb, "AWS::StepFunctions::StateMachine")
    definition = json.dumps(machine["Properties"]["DefinitionString"])
    assert ":states:::aws-sdk:bedrockagent:startIngestionJob" in definition
    assert "BedrockAgent.ConflictException" in definition
    bedrock_kb.has_resource_properties("AWS::Events::Rule", {
        "EventPattern": Match.object_like({"detail-type": ["Object Created", "Object Deleted"]}),
        "Targets": [Match.object_like({"Arn": {"Ref": Match.string_like_regexp("BedrockSync")}})]})
    statements = policy_statements(bedrock_kb)
    assert any(s["Action"] == "bedrock:StartIngestionJob" for s in statements)


def test_bedrock_kb_query_endpoint_is_the_knowledge_base_id(bedrock_kb: Template) -> None:
    bedrock_kb.has_resource_properties("AWS::SSM::Parameter", {
        "Value": {"Fn::Join": ["", Match.array_with([Match.string_like_regexp('"knowledge_base_id":')])]}})
