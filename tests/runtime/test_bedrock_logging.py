"""The invocation-logging custom resource handler, against botocore's Stubber (the real
Bedrock request/response shapes) and a loopback HTTP server standing in for CloudFormation."""

from __future__ import annotations

import importlib.util
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

HANDLER = Path(__file__).resolve().parents[2] / "lambda" / "bedrock_logging" / "handler.py"
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


class CloudFormation:
    """Collects the responses PUT to the pre-signed URL."""

    def __init__(self) -> None:
        self.responses: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                length = int(self.headers["Content-Length"])
                outer.responses.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/response?signature=abc"


@pytest.fixture
def cfn() -> Iterator[CloudFormation]:
    fake = CloudFormation()
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def bedrock(handler_module: ModuleType, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    client = boto3.client("bedrock", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    monkeypatch.setattr(handler_module, "bedrock_client", lambda: client)
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def event(cfn: CloudFormation, request: str, config: dict[str, Any] = CONFIG, **extra: Any) -> dict[str, Any]:
    return {"RequestType": request, "ResponseURL": cfn.url, "StackId": "arn:aws:cloudformation:stack/x",
            "RequestId": "req-1", "LogicalResourceId": "InvocationLoggingConfiguration",
            "ResourceProperties": {"ServiceToken": "arn:fn", "LoggingConfig": json.dumps(config)}, **extra}


def test_create_puts_the_configuration(handler_module: ModuleType, bedrock: Stubber, cfn: CloudFormation) -> None:
    bedrock.add_response("put_model_invocation_logging_configuration", {}, {"loggingConfig": CONFIG})
    handler_module.handler(event(cfn, "Create"), None)
    assert cfn.responses[0]["Status"] == "SUCCESS"
    assert cfn.responses[0]["PhysicalResourceId"] == "bedrock-model-invocation-logging"
    assert (cfn.responses[0]["RequestId"], cfn.responses[0]["LogicalResourceId"]) == (
        "req-1", "InvocationLoggingConfiguration")


def test_update_puts_the_new_configuration(handler_module: ModuleType, bedrock: Stubber, cfn: CloudFormation) -> None:
    updated = {**CONFIG, "textDataDeliveryEnabled": False}
    bedrock.add_response("put_model_invocation_logging_configuration", {}, {"loggingConfig": updated})
    handler_module.handler(event(cfn, "Update", updated, PhysicalResourceId="bedrock-model-invocation-logging"),
                           None)
    assert cfn.responses[0]["Status"] == "SUCCESS"


def test_delete_removes_our_configuration(handler_module: ModuleType, bedrock: Stubber, cfn: CloudFormation) -> None:
    bedrock.add_response("get_model_invocation_logging_configuration", {"loggingConfig": CONFIG}, {})
    bedrock.add_response("delete_model_invocation_logging_configuration", {}, {})
    handler_module.handler(event(cfn, "Delete", PhysicalResourceId="bedrock-model-invocation-logging"), None)
    assert cfn.responses[0]["Status"] == "SUCCESS"


def test_delete_leaves_someone_elses_configuration(handler_module: ModuleType, bedrock: Stubber,
                                                   cfn: CloudFormation) -> None:
    theirs = {"s3Config": {"bucketName": "security-team-audit"}, "textDataDeliveryEnabled": True}
    bedrock.add_response("get_model_invocation_logging_configuration", {"loggingConfig": theirs}, {})
    handler_module.handler(event(cfn, "Delete", PhysicalResourceId="bedrock-model-invocation-logging"), None)
    assert cfn.responses[0]["Status"] == "SUCCESS"  # and no delete call: the Stubber would reject it


def test_delete_with_nothing_configured_succeeds(handler_module: ModuleType, bedrock: Stubber,
                                                 cfn: CloudFormation) -> None:
    bedrock.add_response("get_model_invocation_logging_configuration", {}, {})
    handler_module.handler(event(cfn, "Delete", PhysicalResourceId="bedrock-model-invocation-logging"), None)
    assert cfn.responses[0]["Status"] == "SUCCESS"


def test_failed_create_reports_the_reason_and_rollback_delete_is_a_no_op(
        handler_module: ModuleType, bedrock: Stubber, cfn: CloudFormation) -> None:
    bedrock.add_client_error("put_model_invocation_logging_configuration", "ValidationException",
                             "Failed to validate permissions for log group", http_status_code=400)
    handler_module.handler(event(cfn, "Create"), None)
    failed = cfn.responses[0]
    assert failed["Status"] == "FAILED" and "Failed to validate permissions" in failed["Reason"]
    # CloudFormation rolls back by deleting the physical id we reported: no Bedrock call follows.
    handler_module.handler(event(cfn, "Delete", PhysicalResourceId=failed["PhysicalResourceId"]), None)
    assert cfn.responses[1]["Status"] == "SUCCESS"


def test_bad_properties_fail_instead_of_hanging(handler_module: ModuleType, cfn: CloudFormation) -> None:
    broken = event(cfn, "Create")
    broken["ResourceProperties"]["LoggingConfig"] = "{not json"
    handler_module.handler(broken, None)
    assert cfn.responses[0]["Status"] == "FAILED"


def test_destinations_identify_the_owner(handler_module: ModuleType) -> None:
    assert handler_module.destinations(CONFIG) == {
        "bucket": "fmkit-logs-bucket", "log_group": "/fmkit/demo/dev/bedrock/model-invocations"}
    assert handler_module.destinations({}) == {"bucket": None, "log_group": None}
