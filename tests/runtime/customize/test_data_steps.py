"""The validation step on real (moto) S3 and SSM: data checked by line, holdout apart from training,
what serves now resolved; the register step records what the job produced."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from botocore.stub import Stubber

from tests.runtime.customize._function import BUCKET, CANDIDATE, DATA, PIN, SHA, data_steps, settings


def test_valid_data_writes_the_report_and_the_holdout_requests(aws: dict[str, Any]) -> None:
    out = data_steps.validate({"run_id": "run-1"}, settings(), s3=aws["s3"], ssm=aws["ssm"])
    assert out["job_name"] == "tuned-run-1" and out["records"] == 12
    assert out["served"] == {"artifact": "s3://models/base.gguf", "sha256": SHA, "promoted": "no"}
    assert out["checkpoint_uri"] == f"s3://{BUCKET}/checkpoints/tuned/run-1/"
    report = json.loads(aws["s3"].get_object(Bucket=BUCKET, Key="customizations/tuned/runs/run-1/validation.json")
                        ["Body"].read())
    assert report["problems"] == [] and report["channels"][0]["records"] == 12
    holdout = aws["s3"].get_object(Bucket=BUCKET, Key=out["holdout_key"])["Body"].read().decode().splitlines()
    first = json.loads(holdout[0])
    assert len(holdout) == 12 and first["messages"] == [{"role": "user", "content": "Tell me the code for k0."}]
    assert first["temperature"] == 0 and first["reference"] == "code0"


def test_after_a_promotion_the_pin_is_what_serves(aws: dict[str, Any]) -> None:
    aws["ssm"].put_parameter(Name=PIN, Value=f"s3://{BUCKET}/customizations/tuned/gguf/r0/tuned.Q4_0.gguf|{SHA}",
                             Type="String", Overwrite=True)
    served = data_steps.validate({"run_id": "run-2"}, settings(), s3=aws["s3"], ssm=aws["ssm"])["served"]
    assert served == {"artifact": f"s3://{BUCKET}/customizations/tuned/gguf/r0/tuned.Q4_0.gguf", "sha256": SHA,
                      "promoted": "yes"}


def test_bad_lines_stop_the_run_with_their_numbers(aws: dict[str, Any]) -> None:
    body = aws["s3"].get_object(Bucket=DATA, Key="train.jsonl")["Body"].read().decode()
    aws["s3"].put_object(Bucket=DATA, Key="train.jsonl", Body=(body + "not json\n").encode())
    with pytest.raises(data_steps.DataInvalid, match=re.escape(f"s3://{DATA}/train.jsonl:13: invalid JSON")):
        data_steps.validate({"run_id": "run-3"}, settings(), s3=aws["s3"], ssm=aws["ssm"])


def test_a_holdout_prompt_in_the_training_data_stops_the_run(aws: dict[str, Any]) -> None:
    leaked = json.dumps({"prompt": "Tell me the code for k3.", "reference": "code3"}) + "\n"
    body = aws["s3"].get_object(Bucket=DATA, Key="train.jsonl")["Body"].read().decode()
    aws["s3"].put_object(Bucket=DATA, Key="train.jsonl", Body=(body + leaked).encode())
    leak = re.escape("train.jsonl:13: the holdout item 'hk3' has this prompt")
    with pytest.raises(data_steps.DataInvalid, match=leak):
        data_steps.validate({"run_id": "run-4"}, settings(), s3=aws["s3"], ssm=aws["ssm"])


def test_a_holdout_too_small_to_promote_anything_stops_the_run(aws: dict[str, Any]) -> None:
    with pytest.raises(data_steps.DataInvalid, match=r"fewer than promotion\.min_items"):
        data_steps.validate({"run_id": "run-5"}, settings(min_items=20), s3=aws["s3"], ssm=aws["ssm"])


def test_bedrock_limits_apply_to_the_objects_in_s3(aws: dict[str, Any]) -> None:
    conversation = json.dumps({"schemaVersion": "bedrock-conversation-2024", "messages": [
        {"role": "user", "content": [{"text": "q"}]}, {"role": "assistant", "content": [{"text": "a"}]}]})
    aws["s3"].put_object(Bucket=DATA, Key="train.jsonl", Body=(conversation + "\n").encode())
    nova = settings(kind="bedrock", data_format="bedrock-conversation-2024", limits={"min_records": 8},
                    base_model="amazon.nova-micro-v1:0")
    with pytest.raises(data_steps.DataInvalid, match="1 records, fewer than the 8 required"):
        data_steps.validate({"run_id": "run-6"}, nova, s3=aws["s3"], ssm=aws["ssm"])


def test_register_records_the_converted_candidate(aws: dict[str, Any]) -> None:
    candidate = {"uri": f"s3://{BUCKET}/customizations/tuned/gguf/r1/tuned.Q4_0.gguf", "version_id": "v1",
                 "sha256": SHA, "size_bytes": 1024}
    aws["s3"].put_object(Bucket=BUCKET, Key="customizations/tuned/runs/r1/candidate.json",
                         Body=json.dumps(candidate).encode())
    out = data_steps.register_candidate({"run_id": "r1"}, settings(), s3=aws["s3"], ssm=aws["ssm"])
    assert out == {"artifact": candidate["uri"], "version_id": "v1", "sha256": SHA, "size_bytes": 1024,
                   "ssm_version": 1}
    again = data_steps.register_candidate({"run_id": "r1"}, settings(), s3=aws["s3"], ssm=aws["ssm"])
    assert again["ssm_version"] == 2  # each run is a new version of the SSM record (SSM keeps them)
    record = json.loads(aws["ssm"].get_parameter(Name=CANDIDATE)["Parameter"]["Value"])
    assert record["run_id"] == "r1" and record["sha256"] == SHA and record["version_id"] == "v1"
    tags = aws["ssm"].list_tags_for_resource(ResourceType="Parameter", ResourceId=CANDIDATE)["TagList"]
    assert {"Key": "fmkit:customization", "Value": "tuned"} in tags
    record = json.loads(aws["s3"].get_object(Bucket=BUCKET, Key="registry/tuned/candidates/r1.json")["Body"].read())
    assert record["kind"] == "candidates" and record["uri"] == candidate["uri"]
    aws["s3"].put_object(Bucket=BUCKET, Key="customizations/tuned/runs/r2/candidate.json", Body=b'{"uri": "x"}')
    with pytest.raises(ValueError, match="incomplete"):
        data_steps.register_candidate({"run_id": "r2"}, settings(), s3=aws["s3"], ssm=aws["ssm"])


def test_register_records_the_bedrock_custom_model(aws: dict[str, Any]) -> None:
    import boto3

    bedrock = boto3.client("bedrock", region_name="us-east-1")
    model = "arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-micro-v1:0:128k/abc"
    with Stubber(bedrock) as stub:
        stub.add_response("get_model_customization_job", {
            "jobArn": "arn:aws:bedrock:us-east-1:123456789012:model-customization-job/x", "jobName": "tuned-r3",
            "outputModelName": "tuned-r3", "outputModelArn": model, "roleArn": "arn:aws:iam::123456789012:role/r",
            "status": "Completed", "creationTime": "2026-11-28T00:00:00Z", "baseModelArn": "arn:aws:bedrock:b",
            "trainingDataConfig": {"s3Uri": "s3://d/t.jsonl"}, "outputDataConfig": {"s3Uri": "s3://o/"},
            "hyperParameters": {}, "validationDataConfig": {"validators": []}}, {"jobIdentifier": "tuned-r3"})
        out = data_steps.register_custom_model({"run_id": "r3", "validation": {"job_name": "tuned-r3"}},
                                               settings(kind="bedrock"), s3=aws["s3"], ssm=aws["ssm"],
                                               bedrock=bedrock)
    assert out["custom_model_arn"] == model and out["ssm_version"] == 1
    assert json.loads(aws["ssm"].get_parameter(Name=CANDIDATE)["Parameter"]["Value"])["custom_model_arn"] == model
    assert json.loads(aws["s3"].get_object(Bucket=BUCKET, Key="registry/tuned/custom-models/r3.json")["Body"]
                      .read())["arn"] == model
