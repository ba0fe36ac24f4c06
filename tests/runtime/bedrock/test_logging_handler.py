"""The invocation-logging custom resource handler (provider framework), against botocore's Stubber
(the real Bedrock request/response shapes). The framework answers CloudFormation: the handler
returns the physical id or raises with the reason."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

HANDLER = Path(__file__).resolve().parents[3] / "lambda" / "bedrock_logging" / "handler.py"
CONFIG = {
    "textDataDeliveryEnabled": True, "imageDataDeliveryEnabled": False,
    "embeddingDataDeliveryEnabled": False, "videoDataDeliveryEnabled": False,
    "s3Config": {"bucketName": "fmkit-logs-bucket", "keyPrefix": "model-invocations"},
    "cloudWatchConfig": {"logGroupName": "/fmkit/demo/dev/bedrock/model-invocations",
                         "roleArn": "arn:aws:iam::111111111111:role/delivery",
                         "largeDataDeliveryS3Config": {"bucketName": "fmkit-logs-bucket",
                                                       "keyPrefix": "model-invocations/large-data"}},
}


def _load_handler() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bedrock_logging_handler", HANDLER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def handler_module() -> ModuleType:
    return _load_handler()


class Context:
    """The Lambda context attributes Powertools' logger reads."""

    function_name = "bedrock-logging"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:eu-west-1:111111111111:function:bedrock-logging"
    aws_request_id = "req-1"
    log_stream_name = "stream"


@pytest.fixture
def bedrock(handler_module: ModuleType, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    client = boto3.client("bedrock", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    monkeypatch.setattr(handler_module, "bedrock_client", lambda: client)
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def event(request: str, config: dict[str, Any] = CONFIG, **extra: Any) -> dict[str, Any]:
    """What the provider framework passes on: CloudFormation's request (its URL elided)."""
    return {"RequestType": request, "ResponseURL": "...", "StackId": "arn:aws:cloudformation:stack/x",
            "RequestId": "req-1", "LogicalResourceId": "InvocationLoggingConfiguration",
            "ResourceType": "Custom::BedrockInvocationLogging",
            "ResourceProperties": {"ServiceToken": "arn:fn", "LoggingConfig": json.dumps(config)}, **extra}


def test_create_puts_the_configuration(handler_module: ModuleType, bedrock: Stubber) -> None:
    bedrock.add_response("put_model_invocation_logging_configuration", {}, {"loggingConfig": CONFIG})
    assert handler_module.handler(event("Create"), Context()) == {
        "PhysicalResourceId": "bedrock-model-invocation-logging"}


def test_update_puts_the_new_configuration(handler_module: ModuleType, bedrock: Stubber) -> None:
    updated = {**CONFIG, "textDataDeliveryEnabled": False}
    bedrock.add_response("put_model_invocation_logging_configuration", {}, {"loggingConfig": updated})
    answer = handler_module.handler(event("Update", updated, PhysicalResourceId="bedrock-model-invocation-logging"),
                                    Context())
    assert answer == {"PhysicalResourceId": "bedrock-model-invocation-logging"}


def test_delete_removes_our_configuration(handler_module: ModuleType, bedrock: Stubber) -> None:
    bedrock.add_response("get_model_invocation_logging_configuration", {"loggingConfig": CONFIG}, {})
    bedrock.add_response("delete_model_invocation_logging_configuration", {}, {})
    answer = handler_module.handler(event("Delete", PhysicalResourceId="bedrock-model-invocation-logging"), Context())
    assert answer == {"PhysicalResourceId": "bedrock-model-invocation-logging"}


def test_delete_leaves_someone_elses_configuration(handler_module: ModuleType, bedrock: Stubber) -> None:
    theirs = {"s3Config": {"bucketName": "security-team-audit"}, "textDataDeliveryEnabled": True}
    bedrock.add_response("get_model_invocation_logging_configuration", {"loggingConfig": theirs}, {})
    handler_module.handler(event("Delete", PhysicalResourceId="bedrock-model-invocation-logging"), Context())
    # ... and no delete call: the Stubber would reject it


def test_delete_with_nothing_configured_succeeds(handler_module: ModuleType, bedrock: Stubber) -> None:
    bedrock.add_response("get_model_invocation_logging_configuration", {}, {})
    handler_module.handler(event("Delete", PhysicalResourceId="bedrock-model-invocation-logging"), Context())


def test_a_failed_put_raises_with_bedrocks_reason(handler_module: ModuleType, bedrock: Stubber) -> None:
    """The framework turns the exception into FAILED with this message; the rollback Delete of a
    failed Create never reaches the handler (the framework answers it)."""
    bedrock.add_client_error("put_model_invocation_logging_configuration", "ValidationException",
                             "Failed to validate permissions for log group", http_status_code=400)
    with pytest.raises(ClientError, match="Failed to validate permissions"):
        handler_module.handler(event("Create"), Context())


def test_bad_properties_fail(handler_module: ModuleType) -> None:
    broken = event("Create")
    broken["ResourceProperties"]["LoggingConfig"] = "{not json"
    with pytest.raises(json.JSONDecodeError):
        handler_module.handler(broken, Context())


def test_destinations_identify_the_owner(handler_module: ModuleType) -> None:
    assert handler_module.destinations(CONFIG) == {
        "bucket": "fmkit-logs-bucket", "log_group": "/fmkit/demo/dev/bedrock/model-invocations"}
    assert handler_module.destinations({}) == {"bucket": None, "log_group": None}
