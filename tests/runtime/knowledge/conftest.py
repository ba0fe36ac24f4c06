"""Fixtures for the knowledge runtime and handler tests.

- `lambda/` goes on `sys.path` so the tests import the handlers as `ingest.handler`,
  `query.handler` (their folders are packages); `fmkit.knowledge` comes from the repo,
  as the bundles ship it.
- One real PostgreSQL 16 + pgvector per session (`pgserver`, unix socket); every test gets
  its own table prefix, so tests stay independent without restarting the server.
- moto provides S3 (versioned bucket), SQS (the DLQ) and DynamoDB (idempotency table).
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.runtime.knowledge.helpers import BUCKET, REGION, Aws, FakeContext

ROOT = Path(__file__).resolve().parents[3]
LAMBDA_DIR = ROOT / "lambda"
if str(LAMBDA_DIR) not in sys.path:
    sys.path.insert(0, str(LAMBDA_DIR))


# --------------------------------------------------------------------------- PostgreSQL


@pytest.fixture(scope="session")
def pg_uri() -> Iterator[str]:
    import shutil
    import tempfile

    import pgserver
    import psycopg

    # Not tmp_path_factory: pytest prunes old basetemp directories, and a concurrent
    # pytest run on the same machine could delete the data directory of a live server.
    data_dir = Path(tempfile.mkdtemp(prefix="kb-pgdata-"))
    server = pgserver.get_server(data_dir, cleanup_mode="stop")
    try:
        uri = server.get_uri()
        with psycopg.connect(uri, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        yield uri
    finally:
        server.cleanup()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
def table_prefix() -> str:
    return f"t{uuid.uuid4().hex[:12]}"


@pytest.fixture
def pg_store(pg_uri: str, table_prefix: str) -> Iterator[Any]:
    import psycopg

    from fmkit.knowledge.stores import PgVectorStore

    store = PgVectorStore(lambda: psycopg.connect(pg_uri), dimensions=64, table_prefix=table_prefix)
    store.ensure_schema()
    yield store
    store.close()


# --------------------------------------------------------------------------- AWS (moto)


@pytest.fixture
def aws() -> Iterator[Aws]:
    import boto3
    from moto import mock_aws

    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET)
        s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        sqs = boto3.client("sqs", region_name=REGION)
        dlq_url = sqs.create_queue(QueueName="kb-ingest-dlq")["QueueUrl"]
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        dynamodb.create_table(
            TableName="kb-idempotency",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield Aws(s3=s3, sqs=sqs, dynamodb=dynamodb, dlq_url=dlq_url)


@pytest.fixture
def context() -> FakeContext:
    return FakeContext()
