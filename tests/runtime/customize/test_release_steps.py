"""Serving a Bedrock candidate (stubbed) and publishing decisions on moto's SSM, EventBridge and SNS."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from fmkit.contracts.customization import EVENT_SOURCE
from tests.runtime.customize._function import BUCKET, PIN, SERVED, SHA, release_steps, settings
from tests.runtime.customize.conftest import notifications

MODEL = "arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-micro-v1:0:128k/abc"
DEPLOYMENT = "arn:aws:bedrock:us-east-1:123456789012:custom-model-deployment/dep1"
THROUGHPUT = "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/pt1"
GGUF = f"s3://{BUCKET}/customizations/tuned/gguf/r1/tuned.Q4_0.gguf"


def bedrock() -> Any:
    return boto3.client("bedrock", region_name="us-east-1")


def state(promoted: bool, **extra: Any) -> dict[str, Any]:
    return {"run_id": "r1", "validation": {"job_name": "tuned-r1", "served": {"artifact": "s3://models/base.gguf"}},
            "decision": {"promoted": promoted, "reason": "exact_match improves by +1.0000",
                         "report": "s3://artifacts/report.md"}, **extra}


def test_on_demand_candidates_get_a_tagged_deployment_recorded_for_cleanup(aws: dict[str, Any]) -> None:
    client = bedrock()
    with Stubber(client) as stub:
        stub.add_response("create_custom_model_deployment", {"customModelDeploymentArn": DEPLOYMENT}, {
            "modelDeploymentName": "tuned-r1", "modelArn": MODEL, "tags": [
                {"key": "fmkit:customization", "value": "tuned"}, {"key": "fmkit:project", "value": "demo"},
                {"key": "fmkit:run", "value": "r1"}]})
        stub.add_response("get_custom_model_deployment", {
            "customModelDeploymentArn": DEPLOYMENT, "modelDeploymentName": "tuned-r1", "modelArn": MODEL,
            "createdAt": "2026-11-28T00:00:00Z", "status": "Creating"},
            {"customModelDeploymentIdentifier": DEPLOYMENT})
        serving = release_steps.serve({"run_id": "r1", "validation": {"job_name": "tuned-r1"},
                                       "registered": {"custom_model_arn": MODEL}},
                                      settings(kind="bedrock", bedrock_serving="on-demand"), s3=aws["s3"],
                                      bedrock=client)
        status = release_steps.serving_status({"serving": serving}, bedrock=client)
    assert serving == {"serving_arn": DEPLOYMENT, "kind": "custom-model-deployment"}
    assert status["status"] == "creating"
    record = json.loads(aws["s3"].get_object(Bucket=BUCKET, Key="registry/tuned/serving/r1.json")["Body"].read())
    assert record["arn"] == DEPLOYMENT and record["kind"] == "custom-model-deployment"


def test_provisioned_candidates_buy_the_configured_units(aws: dict[str, Any]) -> None:
    client = bedrock()
    with Stubber(client) as stub:
        stub.add_response("create_provisioned_model_throughput", {"provisionedModelArn": THROUGHPUT}, {
            "provisionedModelName": "tuned-r1", "modelId": MODEL, "modelUnits": 2, "commitmentDuration": "OneMonth",
            "tags": [{"key": "fmkit:customization", "value": "tuned"}, {"key": "fmkit:project", "value": "demo"},
                     {"key": "fmkit:run", "value": "r1"}]})
        serving = release_steps.serve({"run_id": "r1", "validation": {"job_name": "tuned-r1"},
                                       "registered": {"custom_model_arn": MODEL}},
                                      settings(kind="bedrock", bedrock_serving="provisioned", model_units=2,
                                               commitment="OneMonth"), s3=aws["s3"], bedrock=client)
    assert serving["kind"] == "provisioned-throughput"


def test_a_promotion_pins_the_candidate_and_asks_for_the_rollout(aws: dict[str, Any]) -> None:
    candidate = {"artifact": GGUF, "sha256": SHA, "version_id": "v7"}
    out = release_steps.publish(state(True, candidate=candidate), settings(), ssm=aws["ssm"], sns=aws["sns"],
                                events=aws["events"], pipeline=None, bedrock=bedrock())
    assert out["promoted"] and "npx cdk deploy -c env=dev" in out["outcome"]
    assert aws["ssm"].get_parameter(Name=PIN)["Parameter"]["Value"] == f"{GGUF}|{SHA}"
    served = json.loads(aws["ssm"].get_parameter(Name=SERVED)["Parameter"]["Value"])
    assert served["s3_version_id"] == "v7" and served["previous"] == {"artifact": "s3://models/base.gguf"}
    tags = aws["ssm"].list_tags_for_resource(ResourceType="Parameter", ResourceId=SERVED)["TagList"]
    assert {"Key": "fmkit:customization", "Value": "tuned"} in tags
    note = notifications(aws)[0]
    assert note["Subject"] == "fmkit dev: tuned run r1 promoted"
    assert "report: s3://artifacts/report.md" in note["Message"]


def test_a_promotion_starts_the_deploy_pipeline_when_there_is_one(aws: dict[str, Any]) -> None:
    pipeline = boto3.client("codepipeline", region_name="us-east-1")
    with Stubber(pipeline) as stub:
        stub.add_response("start_pipeline_execution", {"pipelineExecutionId": "exec-1"}, {"name": "demo-deploy"})
        out = release_steps.publish(state(True, candidate={"artifact": GGUF, "sha256": SHA, "version_id": "v"}),
                                    settings(pipeline_name="demo-deploy"), ssm=aws["ssm"], sns=aws["sns"],
                                    events=aws["events"], pipeline=pipeline, bedrock=bedrock())
    assert out["outcome"] == "deploy pipeline demo-deploy started (execution exec-1)"


def test_a_rejection_changes_nothing_and_stops_the_candidates_serving(aws: dict[str, Any]) -> None:
    client = bedrock()
    with Stubber(client) as stub:
        stub.add_response("delete_custom_model_deployment", {}, {"customModelDeploymentIdentifier": DEPLOYMENT})
        out = release_steps.publish(
            state(False, serving={"serving_arn": DEPLOYMENT, "kind": "custom-model-deployment"},
                  registered={"custom_model_arn": MODEL}), settings(kind="bedrock"), ssm=aws["ssm"], sns=aws["sns"],
            events=aws["events"], pipeline=None, bedrock=client)
    assert not out["promoted"] and f"deleted {DEPLOYMENT}" in out["outcome"]
    assert aws["ssm"].get_parameter(Name=PIN)["Parameter"]["Value"] == "initial"
    with pytest.raises(aws["ssm"].exceptions.ParameterNotFound):
        aws["ssm"].get_parameter(Name=SERVED)
    assert notifications(aws)[0]["Subject"] == "fmkit dev: tuned run r1 rejected"


def test_committed_throughput_is_kept_and_said_so() -> None:
    message = release_steps.delete_serving({"serving_arn": THROUGHPUT, "kind": "provisioned-throughput"},
                                           "SixMonths", bedrock=None)
    assert message == f"kept {THROUGHPUT}: its SixMonths commitment bills until the term ends"
    assert EVENT_SOURCE == "fmkit.customization"
