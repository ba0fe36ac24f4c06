"""The knowledge functions: arm64 with the runtime's handlers, least privilege, network placement."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_cdk.assertions import Match, Template

from tests.helpers import load_env
from tests.infra.knowledge.synth import DEV, as_list, knowledge_and_platform, policy_statements, python_functions


def test_functions_are_arm64_with_the_runtime_handlers(s3v: Template) -> None:
    functions = python_functions(s3v)
    assert set(functions) == {"handler.handler:knowledge-ingest", "bulk.handler:knowledge-bulk",
                              "handler.handler:knowledge-query"}
    for props in functions.values():
        assert props["Architectures"] == ["arm64"]
    ingest = functions["handler.handler:knowledge-ingest"]["Environment"]["Variables"]
    assert ingest["DLQ_URL"]["Ref"].startswith("DocsPipelineDeadLetterQueue")
    assert ingest["IDEMPOTENCY_TABLE"] == {"Ref": "DocsPipelineIdempotencyTable09421514"}
    assert ingest["SOURCE_PREFIXES"] == "docs/" and ingest["EMBEDDING_MODEL_ID"] == "amazon.titan-embed-text-v2:0"


def test_least_privilege_on_index_model_and_source(s3v: Template) -> None:
    statements = policy_statements(s3v)
    vectors = [s for s in statements if any(str(a).startswith("s3vectors:") for a in as_list(s["Action"]))]
    assert vectors and all(s["Resource"] == {"Fn::GetAtt": ["DocsStoreIndex5221245D", "IndexArn"]} for s in vectors)
    readers = [s for s in vectors if "s3vectors:PutVectors" not in s["Action"]]
    assert readers, "the query function gets a read-only statement"
    bedrock = [s for s in statements if s["Action"] == "bedrock:InvokeModel"]
    assert len(bedrock) == 3 and all(
        s["Resource"] == "arn:aws:bedrock:eu-west-1::foundation-model/amazon.titan-embed-text-v2:0" for s in bedrock)
    objects = [s for s in statements if s["Action"] == ["s3:GetObject", "s3:GetObjectVersion"]]
    assert objects and all("/docs/*" in json.dumps(s["Resource"]) for s in objects)


def test_sagemaker_embedding_endpoint_is_wired_by_name(tmp_path: Path) -> None:
    """Built without the stage, so another capability's stack never decides this test."""
    import aws_cdk as cdk

    from stacks.knowledge.stack import KnowledgeStack
    from stacks.platform import PlatformStack

    project = """
    name: demo
    owner: team@example.com
    cost_center: CC-1
    knowledge_bases:
      docs:
        embedding: {provider: sagemaker, deployment: embedder, dimensions: 768}
    """
    model = """
    provider: sagemaker
    source: {container: {framework: tei, hf_model_id: BAAI/bge-base-en-v1.5}}
    instance_type: ml.g5.xlarge
    """
    env = load_env(tmp_path, {"project.yaml": project, "models/embedder.yaml": model, "environments/dev.yaml": DEV})
    app = cdk.App(context={"aws:cdk:bundling-stacks": []})
    platform = PlatformStack(app, "P", config=env, env=cdk.Environment(account=env.account, region=env.region))
    stack = KnowledgeStack(app, "K", config=env, platform=platform,
                           env=cdk.Environment(account=env.account, region=env.region))
    template = Template.from_stack(stack)
    for props in python_functions(template).values():
        variables = props["Environment"]["Variables"]
        assert variables["EMBEDDING_PROVIDER"] == "sagemaker"
        assert variables["EMBEDDING_ENDPOINT_NAME"] == "demo-dev-embedder"
        assert variables["EMBEDDING_DIMENSIONS"] == "768"
    invoke = [s for s in policy_statements(template) if s["Action"] == "sagemaker:InvokeEndpoint"]
    assert len(invoke) == 3  # ingest, bulk item, query
    assert all("endpoint/demo-dev-embedder" in json.dumps(s["Resource"]) for s in invoke)
    assert not [s for s in policy_statements(template) if s["Action"] == "bedrock:InvokeModel"]
    template.has_resource_properties("AWS::S3Vectors::Index", {"Dimension": 768})


def test_without_nat_vpc_functions_get_an_sqs_endpoint(tmp_path_factory: pytest.TempPathFactory) -> None:
    """egress none: the ingest function must still reach its DLQ, through an interface endpoint."""
    project = """
    name: demo
    owner: team@example.com
    cost_center: CC-1
    knowledge_bases:
      docs: {vector_store: aurora-pgvector}
    """
    dev = DEV + "    platform: {removal_policy: destroy, vpc: {egress: none}}\n"
    dev = dev.replace("    platform: {removal_policy: destroy}\n", "", 1)
    env = load_env(tmp_path_factory.mktemp("cfg"), {"project.yaml": project, "environments/dev.yaml": dev})
    template, _ = knowledge_and_platform(env, tmp_path_factory.mktemp("cdk"))
    template.has_resource_properties("AWS::EC2::VPCEndpoint", {
        "ServiceName": Match.string_like_regexp("sqs"), "VpcEndpointType": "Interface", "PrivateDnsEnabled": True})
