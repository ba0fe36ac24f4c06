"""Aurora PostgreSQL Serverless v2 + pgvector: private, scaling to zero, schema made by the index job."""

from __future__ import annotations

import json

from aws_cdk.assertions import Match, Template

from tests.infra.knowledge.synth import one, python_functions


def test_aurora_is_serverless_v2_down_to_zero_in_private_subnets(aurora: Template) -> None:
    logical_id, cluster = one(aurora, "AWS::RDS::DBCluster")
    assert logical_id == "DocsStoreClusterBE9CDD0B"
    props = cluster["Properties"]
    assert props["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 0, "MaxCapacity": 2,
                                                         "SecondsUntilAutoPause": 600}
    assert props["StorageEncrypted"] is True and "KmsKeyId" in props
    assert props["EnableIAMDatabaseAuthentication"] is True and props["DatabaseName"] == "knowledge"
    aurora.has_resource_properties("AWS::RDS::DBInstance", {"DBInstanceClass": "db.serverless",
                                                            "PubliclyAccessible": False})
    aurora.has_resource_properties("AWS::SecretsManager::RotationSchedule", Match.any_value())


def test_aurora_accepts_postgres_only_from_the_knowledgefunctions(aurora: Template) -> None:
    ingress = aurora.find_resources("AWS::EC2::SecurityGroupIngress")
    to_db = [r["Properties"] for r in ingress.values()
             if "DatabaseSecurityGroup" in json.dumps(r["Properties"]["GroupId"])]
    sources = sorted(json.dumps(r["SourceSecurityGroupId"]) for r in to_db)
    assert len(sources) == 2 and "RotationSingleUser" in sources[0] and "FunctionsSecurityGroup" in sources[1]
    assert all(r["FromPort"] == {"Fn::GetAtt": ["DocsStoreClusterBE9CDD0B", "Endpoint.Port"]} for r in to_db)
    assert "CidrIp" not in json.dumps(to_db)


def test_aurora_schema_is_created_by_a_custom_resource_before_functions_run(aurora: Template) -> None:
    logical_id, schema = one(aurora, "Custom::KnowledgeSchema")
    assert schema["Properties"]["VECTOR_STORE"] == "pgvector" and schema["Properties"]["EMBEDDING_DIMENSIONS"] == "1024"
    functions = python_functions(aurora)
    assert functions["handler.is_complete:knowledge-schema"]["Environment"]["Variables"]["ENSURE_SCHEMA"] == "true"
    # The index job's on_event only names the resource: no store access, no VPC.
    on_event = functions.pop("handler.on_event:knowledge-schema")
    assert "VpcConfig" not in on_event and "DB_SECRET_ARN" not in on_event["Environment"]["Variables"]
    for name, props in functions.items():
        assert "VpcConfig" in props, name
        assert "DB_SECRET_ARN" in props["Environment"]["Variables"], name
    dependent = [r for r in aurora.find_resources("AWS::Lambda::Function").values()
                 if logical_id in r.get("DependsOn", [])]
    assert len(dependent) == 3  # ingest, bulk item, query
