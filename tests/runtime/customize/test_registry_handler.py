"""The stack's custom resource: pins seeded without overwriting, SDK-created resources removed on Delete."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from tests.runtime.customize._function import BUCKET, PIN, registry
from tests.runtime.customize.conftest import notifications

MODEL = "arn:aws:bedrock:us-east-1:123456789012:custom-model/m1"
DEPLOYMENT = "arn:aws:bedrock:us-east-1:123456789012:custom-model-deployment/d1"
COMMITTED = "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/p1"


def test_pins_are_created_once_and_never_overwritten(aws: dict[str, Any]) -> None:
    fresh = "/fmkit/demo/dev/customizations/other/pin"
    created = registry.seed_pins(aws["ssm"], [{"Name": PIN, "Tags": {}},
                                              {"Name": fresh, "Tags": {"fmkit:project": "demo"}}])
    assert created == [fresh]
    assert aws["ssm"].get_parameter(Name=fresh)["Parameter"]["Value"] == "initial"


def record(aws: dict[str, Any], folder: str, run: str, **value: Any) -> None:
    aws["s3"].put_object(Bucket=BUCKET, Key=f"registry/tuned/{folder}/{run}.json",
                         Body=json.dumps({"customization": "tuned", "run_id": run, **value}).encode())


def test_delete_removes_serving_first_then_models_and_reports_what_stays(aws: dict[str, Any],
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    record(aws, "custom-models", "r1", arn=MODEL)
    record(aws, "serving", "r1", arn=DEPLOYMENT, kind="custom-model-deployment")
    record(aws, "serving", "r2", arn=COMMITTED, kind="provisioned-throughput")
    bedrock = boto3.client("bedrock", region_name="us-east-1")
    clients = {"bedrock": bedrock, "s3": aws["s3"], "ssm": aws["ssm"], "sns": aws["sns"]}
    monkeypatch.setattr(registry, "_client", lambda service: clients[service])
    with Stubber(bedrock) as stub:
        stub.add_response("delete_custom_model_deployment", {}, {"customModelDeploymentIdentifier": DEPLOYMENT})
        stub.add_client_error("delete_provisioned_model_throughput", "ValidationException",
                              "cannot delete before the commitment term ends", expected_params={
                                  "provisionedModelId": COMMITTED})
        stub.add_response("delete_custom_model", {}, {"modelIdentifier": MODEL})
        out = registry.on_event({"RequestType": "Delete", "PhysicalResourceId": "fmkit-customizations-artifacts",
                                 "ResourceProperties": {"Bucket": BUCKET, "TopicArn": aws["topic"],
                                                        "Customizations": ["tuned"], "Pins": [{"Name": PIN}],
                                                        "Served": []}})
        stub.assert_no_pending_responses()
    assert out == {"PhysicalResourceId": "fmkit-customizations-artifacts"}
    with pytest.raises(aws["ssm"].exceptions.ParameterNotFound):
        aws["ssm"].get_parameter(Name=PIN)
    note = notifications(aws)[0]
    assert note["Subject"] == "fmkit: customization resources left behind" and COMMITTED in note["Message"]
