"""A loopback model server and moto's S3, SSM and CloudWatch for the evaluation function's steps."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from fmkit.evaluate.testing import Behaviour, FakeOpenAIServer, overlap_judge, word_hash_embedding
from tests.runtime.evaluate._function import BUCKET, DATASET_BUCKET, ITEMS, KEY, REGION


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer({"echo": Behaviour(), "broken": Behaviour(fail_status=500),
                           "garbled": Behaviour(malformed=True), "judge": Behaviour(answer=overlap_judge),
                           "emb": Behaviour(embed=word_hash_embedding)}) as fake:
        yield fake


@pytest.fixture
def aws(server: FakeOpenAIServer) -> Iterator[dict[str, Any]]:
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        for bucket in (BUCKET, DATASET_BUCKET):
            s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=DATASET_BUCKET, Key=KEY, Body="".join(json.dumps(i) + "\n" for i in ITEMS).encode())
        ssm = boto3.client("ssm", region_name=REGION)
        for name, route in (("echo", "echo"), ("broken", "broken"), ("judge", "judge"), ("emb", "emb")):
            ssm.put_parameter(Name=f"/fmkit/demo/dev/models/{name}/endpoint", Type="String", Value=json.dumps(
                {"provider": "ec2-graviton", "base_url": server.base_url(route), "api_key_secret_arn": None}))
        yield {"s3": s3, "ssm": ssm, "cloudwatch": boto3.client("cloudwatch", region_name=REGION)}
