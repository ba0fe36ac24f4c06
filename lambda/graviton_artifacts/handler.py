"""Custom resource (Provider framework): run the artifact build at deploy time and wait for it.

on_event starts one CodeBuild run with the deployment's variables; is_complete polls it, so
CloudFormation creates the Auto Scaling group only once llama.cpp and the GGUF are in S3.
Delete keeps the objects: other deployments may share a build, and the bucket's lifecycle
and removal policy own their fate.
"""

from __future__ import annotations

import os
from typing import Any

import boto3

FAILED = {"FAILED", "FAULT", "STOPPED", "TIMED_OUT"}


def _codebuild() -> Any:
    return boto3.client("codebuild", region_name=os.environ.get("AWS_REGION"))


def build_overrides(props: dict[str, Any]) -> list[dict[str, str]]:
    """CodeBuild environment overrides from the resource properties (token as a secret reference)."""
    overrides = [{"name": "BUCKET", "value": str(props["Bucket"]), "type": "PLAINTEXT"}]
    for name, value in sorted(dict(props.get("Variables", {})).items()):
        overrides.append({"name": name, "value": str(value), "type": "PLAINTEXT"})
    token = props.get("HfTokenSecretArn")
    if token:
        overrides.append({"name": "HF_TOKEN", "value": str(token), "type": "SECRETS_MANAGER"})
    return overrides


def physical_id(props: dict[str, Any]) -> str:
    variables = dict(props.get("Variables", {}))
    return f"s3://{props['Bucket']}/{variables.get('LLAMA_KEY', '')}|{variables.get('MODEL_KEY', '')}"


def on_event(event: dict[str, Any], _context: Any = None) -> dict[str, Any]:
    if event["RequestType"] == "Delete":
        return {"PhysicalResourceId": event["PhysicalResourceId"]}
    props = event["ResourceProperties"]
    build = _codebuild().start_build(
        projectName=props["ProjectName"], environmentVariablesOverride=build_overrides(props)
    )["build"]
    return {"PhysicalResourceId": physical_id(props), "Data": {"BuildId": build["id"]}}


def is_complete(event: dict[str, Any], _context: Any = None) -> dict[str, Any]:
    if event["RequestType"] == "Delete":
        return {"IsComplete": True}
    build_id = event["Data"]["BuildId"]
    builds = _codebuild().batch_get_builds(ids=[build_id])["builds"]
    if not builds:
        raise RuntimeError(f"CodeBuild run {build_id} not found")
    status = builds[0]["buildStatus"]
    if status == "SUCCEEDED":
        variables = dict(event["ResourceProperties"].get("Variables", {}))
        return {
            "IsComplete": True,
            "Data": {"LlamaKey": variables.get("LLAMA_KEY", ""), "ModelKey": variables.get("MODEL_KEY", "")},
        }
    if status in FAILED:
        link = builds[0].get("logs", {}).get("deepLink", "the CodeBuild console")
        raise RuntimeError(f"artifact build {build_id} ended {status}; see {link}")
    return {"IsComplete": False}
