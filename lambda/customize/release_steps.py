"""Serve a Bedrock candidate for its evaluation, then publish the decision.

`serve` (kind bedrock) makes the candidate invocable the way the config serves it: a custom
model deployment (on demand, billed per token) or provisioned throughput (model units, billed
per hour until deleted), tagged and recorded in the registry. `serving_status` polls it.

`publish` acts on the gate's decision:
- promoted: the pin (`<artifact>|<sha256>`) and the `served` record (version, S3 version, sha256,
  decision) are written to SSM, then the rollout starts: the deploy pipeline's execution when
  there is one, otherwise an EventBridge event carrying the `cdk deploy` command (a stack update
  resolves the pin again, so what serves is the pinned artifact). The platform alarm topic is told.
- rejected: nothing that serves changes. The candidate and its report are kept; a Bedrock
  candidate's serving (which bills) is deleted unless it has a commitment term. The topic is told.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from typing import Any

from data_steps import put_json, run_id

from fmkit.contracts.customization import EVENT_SOURCE, CustomizationSettings, format_pin
from fmkit.customize.bedrock_job import ProvisionedThroughputSpec, create_provisioned_throughput_request

READY = {"Active": "ready", "InService": "ready", "Creating": "creating", "Updating": "creating", "Failed": "failed"}


def _tags(settings: CustomizationSettings, run: str) -> list[dict[str, str]]:
    tags = {**settings.tags, "fmkit:customization": settings.customization, "fmkit:run": run}
    return [{"key": key, "value": value} for key, value in sorted(tags.items())]


def serve(event: Mapping[str, Any], settings: CustomizationSettings, *, s3: Any, bedrock: Any) -> dict[str, Any]:
    """Create the candidate's deployment or provisioned throughput (tagged, recorded)."""
    run = run_id(event)
    model_arn = str(event["registered"]["custom_model_arn"])
    name = str(event["validation"]["job_name"])
    if settings.bedrock_serving == "provisioned":
        spec = ProvisionedThroughputSpec(name=name, model_id=model_arn, model_units=settings.model_units or 1,
                                         commitment=settings.commitment,
                                         tags={t["key"]: t["value"] for t in _tags(settings, run)})
        arn = bedrock.create_provisioned_model_throughput(**create_provisioned_throughput_request(spec))[
            "provisionedModelArn"]
        kind = "provisioned-throughput"
    else:
        arn = bedrock.create_custom_model_deployment(modelDeploymentName=name, modelArn=model_arn,
                                                     tags=_tags(settings, run))["customModelDeploymentArn"]
        kind = "custom-model-deployment"
    put_json(s3, settings.bucket, f"registry/{settings.customization}/serving/{run}.json",
             {"customization": settings.customization, "run_id": run, "kind": kind, "arn": arn,
              "commitment": settings.commitment if kind == "provisioned-throughput" else None})
    return {"serving_arn": arn, "kind": kind}


def serving_status(event: Mapping[str, Any], *, bedrock: Any) -> dict[str, Any]:
    serving = event["serving"]
    if serving["kind"] == "provisioned-throughput":
        status = bedrock.get_provisioned_model_throughput(provisionedModelId=serving["serving_arn"])["status"]
    else:
        status = bedrock.get_custom_model_deployment(customModelDeploymentIdentifier=serving["serving_arn"])["status"]
    return {**serving, "status": READY.get(status, "creating"), "aws_status": status}


def delete_serving(serving: Mapping[str, Any], commitment: str | None, *, bedrock: Any) -> str:
    """Stop a serving resource from billing; one with a commitment term cannot be deleted early."""
    if serving["kind"] == "provisioned-throughput":
        if commitment:
            return f"kept {serving['serving_arn']}: its {commitment} commitment bills until the term ends"
        bedrock.delete_provisioned_model_throughput(provisionedModelId=serving["serving_arn"])
    else:
        bedrock.delete_custom_model_deployment(customModelDeploymentIdentifier=serving["serving_arn"])
    return f"deleted {serving['serving_arn']}"


def _candidate(event: Mapping[str, Any]) -> tuple[str, str, str | None]:
    """(artifact a serving stack pins, its sha256, its S3 version) of this run's candidate."""
    if "candidate" in event:  # sagemaker-peft: the GGUF in S3
        candidate = event["candidate"]
        return str(candidate["artifact"]), str(candidate["sha256"]), str(candidate["version_id"])
    arn = str(event["serving"]["serving_arn"])  # bedrock: no file to checksum; pin the custom model's identity
    model = str(event["registered"]["custom_model_arn"])
    return arn, hashlib.sha256(model.encode("utf-8")).hexdigest(), None


def _put(ssm: Any, name: str, value: str, tags: list[dict[str, str]]) -> None:
    try:
        ssm.put_parameter(Name=name, Value=value, Type="String",
                          Tags=[{"Key": t["key"], "Value": t["value"]} for t in tags])
    except ssm.exceptions.ParameterAlreadyExists:
        ssm.put_parameter(Name=name, Value=value, Type="String", Overwrite=True)


def _rollout(settings: CustomizationSettings, detail: dict[str, Any], *, events: Any, pipeline: Any) -> str:
    if settings.pipeline_name:
        execution = pipeline.start_pipeline_execution(name=settings.pipeline_name)["pipelineExecutionId"]
        return f"deploy pipeline {settings.pipeline_name} started (execution {execution})"
    events.put_events(Entries=[{"Source": EVENT_SOURCE, "DetailType": "Customization promoted",
                                "Detail": json.dumps(detail)}])
    return f"no deploy pipeline: roll it out with `{settings.deploy_command}`"


def publish(event: Mapping[str, Any], settings: CustomizationSettings, *, ssm: Any, sns: Any, events: Any,
            pipeline: Any, bedrock: Any) -> dict[str, Any]:
    """Promote (pin, record, roll out) or keep the rejected candidate; tell the alarm topic either way."""
    run = run_id(event)
    decision = event["decision"]
    artifact, sha256, version_id = _candidate(event)
    detail = {"customization": settings.customization, "run_id": run, "artifact": artifact, "sha256": sha256,
              "s3_version_id": version_id, "decision": decision, "serving_stack": settings.serving_stack}
    if decision["promoted"]:
        tags = _tags(settings, run)
        _put(ssm, settings.pin_parameter, format_pin(artifact, sha256), tags)
        _put(ssm, settings.served_parameter, json.dumps({**detail, "promoted_at": int(time.time()),
                                                         "previous": event["validation"]["served"]}), tags)
        outcome = _rollout(settings, detail, events=events, pipeline=pipeline)
        subject = f"fmkit {settings.environment}: {settings.customization} run {run} promoted"
    else:
        events.put_events(Entries=[{"Source": EVENT_SOURCE, "DetailType": "Customization rejected",
                                    "Detail": json.dumps(detail)}])
        outcome = "nothing changed; the candidate and its report are kept"
        if "serving" in event:
            outcome += "; " + delete_serving(event["serving"], settings.commitment, bedrock=bedrock)
        subject = f"fmkit {settings.environment}: {settings.customization} run {run} rejected"
    sns.publish(TopicArn=settings.topic_arn, Subject=subject[:100],
                Message=f"{decision['reason']}\n\n{outcome}\nreport: {decision.get('report')}")
    return {"promoted": bool(decision["promoted"]), "outcome": outcome}
