"""Knowledge stack templates: each store (S3 Vectors, Aurora pgvector, OpenSearch Serverless)
and each mode (pipeline, bedrock-kb), plus the runtime's environment-variable contract."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from fmkit.config import EnvironmentConfig, LoadedConfig
from tests.helpers import load_env
from tests.infra.conftest import ROOT, new_app, synth_checked, templates_of

DEV = """
    account: "111111111111"
    region: eu-west-1
    platform: {removal_policy: destroy}
"""


def knowledge_template(env: EnvironmentConfig, outdir: Path) -> Template:
    return knowledge_and_platform(env, outdir)[0]


def knowledge_and_platform(env: EnvironmentConfig, outdir: Path) -> tuple[Template, Template]:
    """Platform + Knowledge only, with cdk-nag and the mandatory tags, as the stage builds them.

    Isolated from the other capabilities' stacks so their work never decides these tests, while
    the config keeps every model (a SageMaker embedding is referenced by its deployment);
    raises NagViolations for any unacknowledged finding in ours.
    """
    import aws_cdk as cdk
    from cdk_nag import AwsSolutionsChecks

    from stacks.knowledge.stack import KnowledgeStack
    from stacks.platform import PlatformStack
    from stacks.tagging import MandatoryTags

    app = new_app(outdir)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks())
    stage = cdk.Stage(app, env.name, env=cdk.Environment(account=env.account, region=env.region))
    platform = PlatformStack(stage, "Platform", config=env, stack_name=f"{env.stack_prefix}-platform")
    stack = KnowledgeStack(stage, "Knowledge", config=env, platform=platform,
                           stack_name=f"{env.stack_prefix}-knowledge")
    cdk.Aspects.of(stage).add(MandatoryTags(env))
    templates = templates_of(synth_checked(app, outdir), {"Knowledge": stack, "Platform": platform})
    return templates["Knowledge"], templates["Platform"]


def _kb_synth(tmp: pytest.TempPathFactory, body: str) -> Template:
    indented = "\n".join("        " + line for line in body.strip("\n").splitlines())
    project = f"""
    name: demo
    owner: team@example.com
    cost_center: CC-1
    knowledge_bases:
      docs:
{indented}
    """
    env = load_env(tmp.mktemp("cfg"), {"project.yaml": project, "environments/dev.yaml": DEV})
    return knowledge_template(env, tmp.mktemp("cdk"))


@pytest.fixture(scope="module")
def s3v_pair(default_config: LoadedConfig, tmp_path_factory: pytest.TempPathFactory) -> tuple[Template, Template]:
    """The default config: docs/ prefix, s3-vectors, Titan v2 (1024), pipeline mode."""
    return knowledge_and_platform(default_config.environment("dev"), tmp_path_factory.mktemp("cdk"))


@pytest.fixture(scope="module")
def s3v(s3v_pair: tuple[Template, Template]) -> Template:
    return s3v_pair[0]


@pytest.fixture(scope="module")
def s3v_prod(default_config: LoadedConfig, tmp_path_factory: pytest.TempPathFactory) -> Template:
    return knowledge_template(default_config.environment("prod"), tmp_path_factory.mktemp("cdk"))


@pytest.fixture(scope="module")
def aurora(tmp_path_factory: pytest.TempPathFactory) -> Template:
    return _kb_synth(tmp_path_factory, "vector_store: aurora-pgvector\naurora: {min_capacity: 0, max_capacity: 2}")


@pytest.fixture(scope="module")
def opensearch(tmp_path_factory: pytest.TempPathFactory) -> Template:
    return _kb_synth(tmp_path_factory, "vector_store: opensearch-serverless\nembedding: {dimensions: 512}")


@pytest.fixture(scope="module")
def bedrock_kb(tmp_path_factory: pytest.TempPathFactory) -> Template:
    return _kb_synth(tmp_path_factory, "mode: bedrock-kb\nsources: {prefixes: [hr/]}\n"
                                       "chunking: {strategy: tokens, size: 300, overlap: 30}")


@pytest.fixture(scope="module")
def existing_bucket(tmp_path_factory: pytest.TempPathFactory) -> Template:
    return _kb_synth(tmp_path_factory, "sources: {bucket_arn: 'arn:aws:s3:::corp-docs', prefixes: [kb/]}")


def _one(template: Template, cfn_type: str) -> tuple[str, dict[str, Any]]:
    resources = template.find_resources(cfn_type)
    assert len(resources) == 1, list(resources)
    logical_id, resource = next(iter(resources.items()))
    return logical_id, dict(resource)


def _functions(template: Template) -> dict[str, dict[str, Any]]:
    """Handler → properties of every Python function the knowledge stack deploys."""
    python = {"Properties": {"Runtime": Match.string_like_regexp("python")}}
    found = template.find_resources("AWS::Lambda::Function", python)
    return {r["Properties"]["Handler"] + ":" + r["Properties"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]:
            r["Properties"] for r in found.values()}


def _statements(template: Template) -> list[dict[str, Any]]:
    return [s for p in template.find_resources("AWS::IAM::Policy").values()
            for s in p["Properties"]["PolicyDocument"]["Statement"]]


# ---------------------------------------------------------------- S3 Vectors, pipeline (default)

def test_stateful_logical_ids_are_pinned_s3_vectors(s3v: Template) -> None:
    """Renaming a stateful resource would replace it: documents, vectors and idempotency state."""
    assert list(s3v.find_resources("AWS::S3Vectors::VectorBucket")) == ["DocsStoreVectorBucketFCC21B39"]
    assert list(s3v.find_resources("AWS::S3Vectors::Index")) == ["DocsStoreIndex5221245D"]
    assert list(s3v.find_resources("AWS::DynamoDB::Table")) == ["DocsPipelineIdempotencyTable09421514"]
    assert "DocsSourceBucketC84C23EA" in s3v.find_resources("AWS::S3::Bucket")


def test_s3_vectors_index_follows_the_embedding_model(s3v: Template) -> None:
    s3v.has_resource_properties("AWS::S3Vectors::Index", {
        "DataType": "float32", "Dimension": 1024, "DistanceMetric": "cosine", "IndexName": "chunks",
        "VectorBucketName": "fmkit-demo-dev-docs",
        "MetadataConfiguration": {"NonFilterableMetadataKeys": ["text", "section"]},
    })
    s3v.has_resource_properties("AWS::S3Vectors::VectorBucket", {
        "EncryptionConfiguration": {"SseType": "aws:kms", "KmsKeyArn": Match.any_value()}})


def test_platform_key_lets_s3_vectors_index_and_eventbridge_deliver(s3v_pair: tuple[Template, Template]) -> None:
    """Background indexing of an SSE-KMS vector bucket and EventBridge → encrypted SQS need the key."""
    _, platform = s3v_pair
    statements = json.dumps(next(iter(platform.find_resources("AWS::KMS::Key").values()))["Properties"])
    assert '"Sid": "AllowS3VectorsIndexing"' in statements
    assert '"Service": "indexing.s3vectors.amazonaws.com"' in statements
    assert '"Service": "events.amazonaws.com"' in statements


def test_landing_bucket_is_encrypted_versioned_and_sends_events(s3v: Template) -> None:
    s3v.has_resource_properties("AWS::S3::Bucket", {
        "BucketEncryption": {"ServerSideEncryptionConfiguration": [Match.object_like(
            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": Match.any_value()}})]},
        "VersioningConfiguration": {"Status": "Enabled"},
        "NotificationConfiguration": {"EventBridgeConfiguration": {"EventBridgeEnabled": True}},
        "LoggingConfiguration": Match.object_like({"LogFilePrefix": "knowledge-sources/"}),
    })


def test_s3_events_reach_the_queue_filtered_by_prefix(s3v: Template) -> None:
    s3v.has_resource_properties("AWS::Events::Rule", {
        "EventPattern": {"source": ["aws.s3"], "detail-type": ["Object Created", "Object Deleted"],
                         "detail": {"bucket": {"name": [{"Ref": "DocsSourceBucketC84C23EA"}]},
                                    "object": {"key": [{"prefix": "docs/"}]}}},
        "Targets": [Match.object_like({"Arn": {"Fn::GetAtt": [Match.string_like_regexp("PipelineQueue"), "Arn"]},
                                       "DeadLetterConfig": Match.any_value()})],
    })


def test_queue_has_dlq_redrive_and_kms(s3v: Template) -> None:
    s3v.has_resource_properties("AWS::SQS::Queue", {
        "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": [Match.string_like_regexp("DeadLetterQueue"), "Arn"]},
                          "maxReceiveCount": 5},
        "KmsMasterKeyId": Match.any_value(), "VisibilityTimeout": 1800,
    })
    assert all("KmsMasterKeyId" in q["Properties"] for q in s3v.find_resources("AWS::SQS::Queue").values())


def test_alarms_on_dlq_depth_and_oldest_message_age(s3v: Template) -> None:
    s3v.has_resource_properties("AWS::CloudWatch::Alarm", {
        "MetricName": "ApproximateNumberOfMessagesVisible", "Threshold": 0,
        "ComparisonOperator": "GreaterThanThreshold", "AlarmActions": [Match.any_value()]})
    s3v.has_resource_properties("AWS::CloudWatch::Alarm", {
        "MetricName": "ApproximateAgeOfOldestMessage", "Threshold": 900, "AlarmActions": [Match.any_value()]})


def test_ingest_reports_batch_item_failures_with_bounded_concurrency(s3v: Template) -> None:
    s3v.has_resource_properties("AWS::Lambda::EventSourceMapping", {
        "FunctionResponseTypes": ["ReportBatchItemFailures"], "BatchSize": 10,
        "ScalingConfig": {"MaximumConcurrency": 5}})


def test_idempotency_table_is_kms_encrypted_with_pitr_and_ttl(s3v: Template) -> None:
    s3v.has_resource_properties("AWS::DynamoDB::Table", {
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "SSESpecification": {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": Match.any_value()},
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "TimeToLiveSpecification": {"AttributeName": "expiration", "Enabled": True},
    })


def test_functions_are_arm64_with_the_runtime_handlers(s3v: Template) -> None:
    functions = _functions(s3v)
    assert set(functions) == {"handler.lambda_handler:knowledge-ingest", "bulk.lambda_handler:knowledge-bulk",
                              "handler.lambda_handler:knowledge-query"}
    for props in functions.values():
        assert props["Architectures"] == ["arm64"]
    ingest = functions["handler.lambda_handler:knowledge-ingest"]["Environment"]["Variables"]
    assert ingest["DLQ_URL"]["Ref"].startswith("DocsPipelineDeadLetterQueue")
    assert ingest["IDEMPOTENCY_TABLE"] == {"Ref": "DocsPipelineIdempotencyTable09421514"}
    assert ingest["SOURCE_PREFIXES"] == "docs/" and ingest["EMBEDDING_MODEL_ID"] == "amazon.titan-embed-text-v2:0"


def test_bulk_reingestion_is_a_bounded_distributed_map_with_a_report(s3v: Template) -> None:
    _, machine = _one(s3v, "AWS::StepFunctions::StateMachine")
    definition = json.dumps(machine["Properties"]["DefinitionString"])
    for expected in ('\\"Mode\\":\\"DISTRIBUTED\\"', '\\"MaxConcurrency\\":40', ":states:::s3:listObjectsV2",
                     '\\"Prefix\\":\\"docs/\\"', ":states:::s3:putObject", '\\"ToleratedFailurePercentage\\":100',
                     '\\"ErrorEquals\\":[\\"TransientIngestError\\"]'):
        assert expected in definition, expected
    assert machine["Properties"]["TracingConfiguration"] == {"Enabled": True}


def test_query_url_uses_iam_auth_and_is_published(s3v: Template) -> None:
    s3v.has_resource_properties("AWS::Lambda::Url", {"AuthType": "AWS_IAM"})
    s3v.has_resource_properties("AWS::SSM::Parameter", {
        "Name": "/fmkit/fmkit-demo/dev/knowledge/docs/query",
        "Value": {"Fn::Join": ["", Match.array_with([Match.string_like_regexp('"function_url":')])]}})


def test_least_privilege_on_index_model_and_source(s3v: Template) -> None:
    statements = _statements(s3v)
    vectors = [s for s in statements if any(str(a).startswith("s3vectors:") for a in _list(s["Action"]))]
    assert vectors and all(s["Resource"] == {"Fn::GetAtt": ["DocsStoreIndex5221245D", "IndexArn"]} for s in vectors)
    readers = [s for s in vectors if "s3vectors:PutVectors" not in s["Action"]]
    assert readers, "the query function gets a read-only statement"
    bedrock = [s for s in statements if s["Action"] == "bedrock:InvokeModel"]
    assert len(bedrock) == 3 and all(
        s["Resource"] == "arn:aws:bedrock:eu-west-1::foundation-model/amazon.titan-embed-text-v2:0" for s in bedrock)
    objects = [s for s in statements if s["Action"] == ["s3:GetObject", "s3:GetObjectVersion"]]
    assert objects and all("/docs/*" in json.dumps(s["Resource"]) for s in objects)


def test_prod_knowledge_stack_retains_its_data(s3v_prod: Template) -> None:
    prod = s3v_prod
    for cfn_type in ("AWS::S3Vectors::VectorBucket", "AWS::S3Vectors::Index", "AWS::DynamoDB::Table"):
        assert _one(prod, cfn_type)[1]["DeletionPolicy"] == "Retain", cfn_type


# ---------------------------------------------------------------- Aurora pgvector

def test_aurora_is_serverless_v2_down_to_zero_in_private_subnets(aurora: Template) -> None:
    logical_id, cluster = _one(aurora, "AWS::RDS::DBCluster")
    assert logical_id == "DocsStoreClusterBE9CDD0B"
    props = cluster["Properties"]
    assert props["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 0, "MaxCapacity": 2,
                                                         "SecondsUntilAutoPause": 600}
    assert props["StorageEncrypted"] is True and "KmsKeyId" in props
    assert props["EnableIAMDatabaseAuthentication"] is True and props["DatabaseName"] == "knowledge"
    aurora.has_resource_properties("AWS::RDS::DBInstance", {"DBInstanceClass": "db.serverless",
                                                            "PubliclyAccessible": False})
    aurora.has_resource_properties("AWS::SecretsManager::RotationSchedule", Match.any_value())


def test_aurora_accepts_postgres_only_from_the_knowledge_functions(aurora: Template) -> None:
    ingress = aurora.find_resources("AWS::EC2::SecurityGroupIngress")
    to_db = [r["Properties"] for r in ingress.values()
             if "DatabaseSecurityGroup" in json.dumps(r["Properties"]["GroupId"])]
    sources = sorted(json.dumps(r["SourceSecurityGroupId"]) for r in to_db)
    assert len(sources) == 2 and "RotationSingleUser" in sources[0] and "FunctionsSecurityGroup" in sources[1]
    assert all(r["FromPort"] == {"Fn::GetAtt": ["DocsStoreClusterBE9CDD0B", "Endpoint.Port"]} for r in to_db)
    assert "CidrIp" not in json.dumps(to_db)


def test_aurora_schema_is_created_by_a_custom_resource_before_functions_run(aurora: Template) -> None:
    logical_id, schema = _one(aurora, "Custom::KnowledgeSchema")
    assert schema["Properties"]["VECTOR_STORE"] == "pgvector" and schema["Properties"]["EMBEDDING_DIMENSIONS"] == "1024"
    functions = _functions(aurora)
    assert "handler.lambda_handler:knowledge-schema" in functions
    assert functions["handler.lambda_handler:knowledge-schema"]["Environment"]["Variables"]["ENSURE_SCHEMA"] == "true"
    for name, props in functions.items():
        assert "VpcConfig" in props, name
        assert "DB_SECRET_ARN" in props["Environment"]["Variables"], name
    dependent = [r for r in aurora.find_resources("AWS::Lambda::Function").values()
                 if logical_id in r.get("DependsOn", [])]
    assert len(dependent) == 3  # ingest, bulk item, query


# ---------------------------------------------------------------- OpenSearch Serverless

def test_opensearch_collection_is_vector_search_private_and_kms(opensearch: Template) -> None:
    logical_id, collection = _one(opensearch, "AWS::OpenSearchServerless::Collection")
    assert logical_id == "DocsStoreCollectionFA1E9DB2"
    assert collection["Properties"]["Type"] == "VECTORSEARCH"
    assert collection["Properties"]["StandbyReplicas"] == "DISABLED"  # removal_policy destroy (dev)
    policies = {p["Properties"]["Type"]: json.dumps(p["Properties"]["Policy"])
                for p in opensearch.find_resources("AWS::OpenSearchServerless::SecurityPolicy").values()}
    assert '\\"AWSOwnedKey\\":false' in policies["encryption"] and "KmsARN" in policies["encryption"]
    assert '\\"AllowFromPublic\\":false' in policies["network"] and "SourceVPCEs" in policies["network"]


def test_opensearch_data_access_lists_exactly_the_function_roles(opensearch: Template) -> None:
    _, policy = _one(opensearch, "AWS::OpenSearchServerless::AccessPolicy")
    text = json.dumps(policy["Properties"]["Policy"])
    writers, readers = text.split("knowledge readers")
    for role in ("SchemaFunctionRole", "PipelineIngestRole", "BulkItemRole"):
        assert role in writers
    assert "DocsQueryRole" in readers and "aoss:WriteDocument" not in readers


def test_opensearch_index_waits_for_the_access_policy(opensearch: Template) -> None:
    _, schema = _one(opensearch, "Custom::KnowledgeSchema")
    policy_id, _ = _one(opensearch, "AWS::OpenSearchServerless::AccessPolicy")
    assert policy_id in schema["DependsOn"]
    assert schema["Properties"]["OPENSEARCH_INDEX"] == "chunks"
    assert schema["Properties"]["EMBEDDING_DIMENSIONS"] == "512"


# ---------------------------------------------------------------- Bedrock knowledge base mode

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
    _, machine = _one(bedrock_kb, "AWS::StepFunctions::StateMachine")
    definition = json.dumps(machine["Properties"]["DefinitionString"])
    assert ":states:::aws-sdk:bedrockagent:startIngestionJob" in definition
    assert "BedrockAgent.ConflictException" in definition
    bedrock_kb.has_resource_properties("AWS::Events::Rule", {
        "EventPattern": Match.object_like({"detail-type": ["Object Created", "Object Deleted"]}),
        "Targets": [Match.object_like({"Arn": {"Ref": Match.string_like_regexp("BedrockSync")}})]})
    statements = _statements(bedrock_kb)
    assert any(s["Action"] == "bedrock:StartIngestionJob" for s in statements)


def test_bedrock_kb_query_endpoint_is_the_knowledge_base_id(bedrock_kb: Template) -> None:
    bedrock_kb.has_resource_properties("AWS::SSM::Parameter", {
        "Value": {"Fn::Join": ["", Match.array_with([Match.string_like_regexp('"knowledge_base_id":')])]}})


# ---------------------------------------------------------------- existing bucket

def test_existing_bucket_is_referenced_not_created(existing_bucket: Template) -> None:
    assert "DocsSourceBucketC84C23EA" not in existing_bucket.find_resources("AWS::S3::Bucket")
    existing_bucket.has_resource_properties("AWS::Events::Rule", {"EventPattern": Match.object_like({
        "detail": {"bucket": {"name": ["corp-docs"]}, "object": {"key": [{"prefix": "kb/"}]}}})})
    objects = [s for s in _statements(existing_bucket) if s["Action"] == ["s3:GetObject", "s3:GetObjectVersion"]]
    assert objects and all(s["Resource"] == "arn:aws:s3:::corp-docs/kb/*" for s in objects)


# ---------------------------------------------------------------- runtime contract

def _runtime_settings() -> Any:
    """The runtime's Settings model, loaded from lambda/ the way the function imports it."""
    lambda_dir = str(ROOT / "lambda")
    if lambda_dir not in sys.path:
        sys.path.insert(0, lambda_dir)
    spec = importlib.util.find_spec("knowledge_common.settings")
    assert spec is not None
    return importlib.import_module("knowledge_common.settings").Settings


@pytest.mark.parametrize("store", ["s3v", "aurora", "opensearch"])
def test_function_environments_satisfy_the_runtime_settings(store: str, request: pytest.FixtureRequest) -> None:
    """Every variable we set is one the runtime reads, and the runtime accepts the whole set."""
    settings = _runtime_settings()
    known = {f.alias for f in settings.model_fields.values()} | {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_LOG_LEVEL"}
    for name, props in _functions(request.getfixturevalue(store)).items():
        variables = props["Environment"]["Variables"]
        assert set(variables) <= known, (name, set(variables) - known)
        concrete = {k: v if isinstance(v, str) else "https://resolved.example" if "ENDPOINT" in k else "resolved"
                    for k, v in variables.items()}
        parsed = settings.from_env(concrete)
        assert parsed.ensure_schema is (name.endswith("knowledge-schema"))


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


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
    for props in _functions(template).values():
        variables = props["Environment"]["Variables"]
        assert variables["EMBEDDING_PROVIDER"] == "sagemaker"
        assert variables["EMBEDDING_ENDPOINT_NAME"] == "demo-dev-embedder"
        assert variables["EMBEDDING_DIMENSIONS"] == "768"
    invoke = [s for s in _statements(template) if s["Action"] == "sagemaker:InvokeEndpoint"]
    assert len(invoke) == 3  # ingest, bulk item, query
    assert all("endpoint/demo-dev-embedder" in json.dumps(s["Resource"]) for s in invoke)
    assert not [s for s in _statements(template) if s["Action"] == "bedrock:InvokeModel"]
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
