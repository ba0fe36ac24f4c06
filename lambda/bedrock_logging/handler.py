"""CloudFormation custom resource: Bedrock model invocation logging (no CloudFormation type exists).

Create/Update put the configuration; Delete removes it only while it still points at this
stack's destinations, because the setting is account-wide and someone may have replaced
it since. The response goes straight to CloudFormation's pre-signed URL (boto3 + stdlib
only, so the asset needs no third-party wheels).
"""

from __future__ import annotations

import json
import logging
import urllib.request
from typing import Any

import boto3

LOGGER = logging.getLogger()
LOGGER.setLevel(logging.INFO)
PHYSICAL_ID = "bedrock-model-invocation-logging"
FAILED_CREATE = "bedrock-model-invocation-logging-not-created"


def bedrock_client() -> Any:
    return boto3.client("bedrock")


def handler(event: dict[str, Any], context: Any) -> None:
    request = event["RequestType"]
    physical_id = event.get("PhysicalResourceId") or PHYSICAL_ID
    try:
        config = json.loads(event["ResourceProperties"]["LoggingConfig"])
        if request in ("Create", "Update"):
            put_logging(bedrock_client(), config)
            physical_id = PHYSICAL_ID
        elif physical_id != FAILED_CREATE:
            delete_logging_if_ours(bedrock_client(), config)
        send(event, context, "SUCCESS", physical_id)
    except Exception as exc:  # CloudFormation must always get an answer, or the stack hangs for an hour
        LOGGER.exception("invocation logging %s failed", request)
        send(event, context, "FAILED", FAILED_CREATE if request == "Create" else physical_id, reason=str(exc))


def put_logging(client: Any, config: dict[str, Any]) -> None:
    client.put_model_invocation_logging_configuration(loggingConfig=config)
    LOGGER.info("invocation logging set: %s", json.dumps(destinations(config)))


def delete_logging_if_ours(client: Any, config: dict[str, Any]) -> bool:
    current = client.get_model_invocation_logging_configuration().get("loggingConfig") or {}
    if not current or destinations(current) != destinations(config):
        LOGGER.info("invocation logging now points elsewhere (%s); leaving it", json.dumps(destinations(current)))
        return False
    client.delete_model_invocation_logging_configuration()
    return True


def destinations(config: dict[str, Any]) -> dict[str, str | None]:
    """The part of a configuration that identifies who owns it."""
    return {
        "bucket": (config.get("s3Config") or {}).get("bucketName"),
        "log_group": (config.get("cloudWatchConfig") or {}).get("logGroupName"),
    }


def send(event: dict[str, Any], context: Any, status: str, physical_id: str, reason: str = "") -> None:
    log_stream = getattr(context, "log_stream_name", "unknown")
    body = json.dumps(
        {
            "Status": status,
            "Reason": (reason or f"see CloudWatch log stream {log_stream}")[:1000],
            "PhysicalResourceId": physical_id,
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "NoEcho": False,
            "Data": {},
        }
    ).encode()
    request = urllib.request.Request(  # the URL is CloudFormation's pre-signed S3 URL
        event["ResponseURL"],
        data=body,
        method="PUT",
        headers={"Content-Type": "", "Content-Length": str(len(body))},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        LOGGER.info("CloudFormation response %s: %s", status, response.status)
