"""Custom resource (Provider framework) of the customization stack: seed the pins, clean up on Delete.

Create/Update: each customization's `pin` parameter is created with the value `initial` if it
does not exist yet (never overwritten: the workflow owns it after the first promotion), so a
serving stack can resolve it on its first deploy.

Delete (the stack is destroyed): Bedrock custom models, custom model deployments and provisioned
throughput have no CloudFormation type, so the workflow recorded each one it created under
`registry/<customization>/` in the artifact bucket. They are deleted here, serving first (a
custom model with a deployment or throughput cannot be deleted), then the models, then the
pins and served records. Throughput with a commitment term cannot be deleted before the term
ends: it is reported on the alarm topic (with what else could not be removed) instead of
failing the stack's deletion.
"""

from __future__ import annotations

import json
import os
from typing import Any

import boto3
from botocore.exceptions import ClientError

ORDER = ("serving", "custom-models")


def _client(service: str) -> Any:
    return boto3.client(service, region_name=os.environ.get("AWS_REGION"))  # type: ignore[call-overload]


def seed_pins(ssm: Any, pins: list[dict[str, Any]]) -> list[str]:
    """Create each pin with `initial` unless it exists; returns the names created."""
    created = []
    for pin in pins:
        tags = [{"Key": key, "Value": value} for key, value in sorted(dict(pin.get("Tags", {})).items())]
        try:
            ssm.put_parameter(Name=pin["Name"], Value="initial", Type="String", Tags=tags,
                              Description="fmkit: the promoted customization a serving stack pins")
            created.append(pin["Name"])
        except ssm.exceptions.ParameterAlreadyExists:
            continue
    return created


def registry_records(s3: Any, bucket: str, customization: str) -> dict[str, list[dict[str, Any]]]:
    """Recorded resources by kind (serving, custom-models, candidates)."""
    records: dict[str, list[dict[str, Any]]] = {}
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=f"registry/{customization}/"):
        for obj in page.get("Contents", []):
            kind = obj["Key"].split("/")[2]
            body = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
            records.setdefault(kind, []).append(json.loads(body))
    return records


def _delete(bedrock: Any, kind: str, record: dict[str, Any]) -> None:
    arn = record["arn"]
    if kind == "custom-models":
        bedrock.delete_custom_model(modelIdentifier=arn)
    elif record.get("kind") == "provisioned-throughput":
        bedrock.delete_provisioned_model_throughput(provisionedModelId=arn)
    else:
        bedrock.delete_custom_model_deployment(customModelDeploymentIdentifier=arn)


def remove_created(bedrock: Any, records: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Delete serving resources, then custom models; returns what could not be removed and why."""
    leftovers = []
    for kind in ORDER:
        for record in records.get(kind, []):
            try:
                _delete(bedrock, kind, record)
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "")
                if code != "ResourceNotFoundException":
                    leftovers.append(f"{record['arn']}: {code} {exc.response.get('Error', {}).get('Message', '')}")
    return leftovers


def remove_parameters(ssm: Any, names: list[str]) -> None:
    for start in range(0, len(names), 10):
        ssm.delete_parameters(Names=names[start:start + 10])


def on_event(event: dict[str, Any], _context: Any = None) -> dict[str, Any]:
    props = event["ResourceProperties"]
    physical = f"fmkit-customizations-{props['Bucket']}"
    pins = list(props.get("Pins", []))
    if event["RequestType"] != "Delete":
        seed_pins(_client("ssm"), pins)
        return {"PhysicalResourceId": physical}
    s3, bedrock = _client("s3"), _client("bedrock")
    leftovers = []
    for customization in props.get("Customizations", []):
        leftovers += remove_created(bedrock, registry_records(s3, props["Bucket"], customization))
    remove_parameters(_client("ssm"), [pin["Name"] for pin in pins] + list(props.get("Served", [])))
    if leftovers:
        _client("sns").publish(TopicArn=props["TopicArn"], Subject="fmkit: customization resources left behind",
                               Message="The customization stack was deleted; these could not be removed and may "
                               "still bill:\n" + "\n".join(leftovers))
    return {"PhysicalResourceId": event.get("PhysicalResourceId", physical)}
