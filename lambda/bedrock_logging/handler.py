"""Custom resource (CDK provider framework): Bedrock model invocation logging, which has no CloudFormation type.

Create/Update put the configuration; Delete removes it only while it still points at this
stack's destinations, because the setting is account-wide and someone may have replaced
it since. The provider framework answers CloudFormation: a raised exception becomes a
FAILED response with its message, and the Delete that rolls back a failed Create never
reaches this handler.
"""

from __future__ import annotations

import json
import os
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import CloudFormationCustomResourceEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME") or "bedrock-logging")
PHYSICAL_ID = "bedrock-model-invocation-logging"


def bedrock_client() -> Any:
    return boto3.client("bedrock")


@logger.inject_lambda_context(clear_state=True)
@event_source(data_class=CloudFormationCustomResourceEvent)
def handler(event: CloudFormationCustomResourceEvent, context: LambdaContext) -> dict[str, Any]:
    config = json.loads(event.resource_properties["LoggingConfig"])
    if event.request_type == "Delete":
        delete_logging_if_ours(bedrock_client(), config)
        return {"PhysicalResourceId": event.physical_resource_id}
    put_logging(bedrock_client(), config)
    return {"PhysicalResourceId": PHYSICAL_ID}


def put_logging(client: Any, config: dict[str, Any]) -> None:
    client.put_model_invocation_logging_configuration(loggingConfig=config)
    logger.info("invocation logging set", extra={"destinations": destinations(config)})


def delete_logging_if_ours(client: Any, config: dict[str, Any]) -> bool:
    current = client.get_model_invocation_logging_configuration().get("loggingConfig") or {}
    if not current or destinations(current) != destinations(config):
        logger.info("invocation logging now points elsewhere; leaving it",
                    extra={"destinations": destinations(current)})
        return False
    client.delete_model_invocation_logging_configuration()
    return True


def destinations(config: dict[str, Any]) -> dict[str, str | None]:
    """The part of a configuration that identifies who owns it."""
    return {
        "bucket": (config.get("s3Config") or {}).get("bucketName"),
        "log_group": (config.get("cloudWatchConfig") or {}).get("logGroupName"),
    }
