"""Helpers shared by the knowledge runtime tests (events, contexts, settings, generated documents)."""

from __future__ import annotations

import io
import itertools
import json
import uuid
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from fmkit.contracts.knowledge import KnowledgeSettings

REGION = "us-east-1"
ACCOUNT = "123456789012"
BUCKET = "kb-docs"


def sql(pg_uri: str, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(pg_uri, autocommit=True) as conn:
        return list(conn.execute(statement, params).fetchall())


@dataclass
class Aws:
    s3: Any
    sqs: Any
    dynamodb: Any
    dlq_url: str
    table: str = "kb-idempotency"

    def dlq_messages(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        while True:
            batch = self.sqs.receive_message(
                QueueUrl=self.dlq_url,
                MaxNumberOfMessages=10,
                MessageAttributeNames=["All"],
                WaitTimeSeconds=0,
            ).get("Messages", [])
            if not batch:
                return messages
            for message in batch:
                self.sqs.delete_message(QueueUrl=self.dlq_url, ReceiptHandle=message["ReceiptHandle"])
            messages.extend(batch)

    def put(self, key: str, body: bytes) -> str:
        return str(self.s3.put_object(Bucket=BUCKET, Key=key, Body=body)["VersionId"])


# --------------------------------------------------------------------------- events

_sequencer = itertools.count(0x10)
_BASE_TIME = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)


def next_sequencer() -> str:
    return f"{next(_sequencer):018X}"


def s3_event(
    kind: str,
    key: str,
    *,
    version_id: str | None,
    sequencer: str | None = None,
    bucket: str = BUCKET,
    deletion_type: str | None = None,
    size: int = 10,
) -> dict[str, Any]:
    """An EventBridge "Object Created" / "Object Deleted" event as S3 sends it."""
    sequencer = sequencer or next_sequencer()
    seconds = int(sequencer, 16) % 100_000
    obj: dict[str, Any] = {"key": key, "sequencer": sequencer}
    if version_id is not None:
        obj["version-id"] = version_id
    detail: dict[str, Any] = {
        "version": "0",
        "bucket": {"name": bucket},
        "object": obj,
        "request-id": "N4N7GDK58NMKJ12R",
        "requester": ACCOUNT,
        "source-ip-address": "1.2.3.4",
    }
    if kind == "created":
        obj.update({"size": size, "etag": "b1946ac92492d2347c6235b4d2611184"})
        detail["reason"] = "PutObject"
    else:
        detail["reason"] = "DeleteObject"
        detail["deletion-type"] = deletion_type or "Delete Marker Created"
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Object Created" if kind == "created" else "Object Deleted",
        "source": "aws.s3",
        "account": ACCOUNT,
        "time": (_BASE_TIME + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": detail,
    }


def sqs_event(*bodies: Any) -> dict[str, Any]:
    """An SQS event (Lambda event source mapping shape) with one record per body."""
    records = []
    for body in bodies:
        text = body if isinstance(body, str) else json.dumps(body)
        records.append(
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": "AQEB" + uuid.uuid4().hex,
                "body": text,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "1700000000000",
                    "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                    "ApproximateFirstReceiveTimestamp": "1700000000001",
                },
                "messageAttributes": {},
                "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:kb-ingest",
                "awsRegion": REGION,
            }
        )
    return {"Records": records}


class FakeContext(LambdaContext):
    """A Lambda context with the attributes Powertools reads (logger, idempotency)."""

    def __init__(self, function_name: str = "knowledge-ingest-test") -> None:
        self._function_name = function_name
        self._function_version = "$LATEST"
        self._memory_limit_in_mb = 1024
        self._invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}"
        self._aws_request_id = str(uuid.uuid4())
        self._log_group_name = f"/aws/lambda/{function_name}"
        self._log_stream_name = "stream"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 300_000


# --------------------------------------------------------------------------- documents


def make_pdf(pages: list[str]) -> bytes:
    """A minimal, valid PDF (Helvetica text, one content stream per page), built by hand."""

    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    objects: list[bytes] = []
    page_ids = [4 + 2 * i for i in range(len(pages))]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{pid} 0 R" for pid in page_ids)
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i, text in enumerate(pages):
        lines = [escape(line) for line in text.split("\n")]
        ops = ["BT", "/F1 11 Tf", "14 TL", "72 760 Td"]
        for line in lines:
            ops.append(f"({line}) Tj T*")
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
            f"/Contents {page_ids[i] + 1} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def make_docx(title: str, sections: list[tuple[str, str]]) -> bytes:
    from docx import Document

    document = Document()
    document.add_heading(title, level=0)
    for heading, text in sections:
        document.add_heading(heading, level=1)
        document.add_paragraph(text)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "owner"
    table.cell(0, 1).text = "platform team"
    table.cell(1, 0).text = "review"
    table.cell(1, 1).text = "quarterly"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def lorem(seed: int, words: int) -> str:
    """Deterministic filler text (different vocabulary per seed)."""
    vocabulary = [f"w{zlib.crc32(f'{seed}-{i}'.encode()) % 5000}" for i in range(words)]
    sentences = [" ".join(vocabulary[i : i + 12]) + "." for i in range(0, len(vocabulary), 12)]
    return " ".join(sentences)


def hash_settings(pg_uri: str, prefix: str, **extra: str) -> KnowledgeSettings:
    """pgvector at `pg_uri` with the hash embedder (64 dimensions), small chunks."""
    env = {
        "DB_DSN": pg_uri,
        "DB_TABLE_PREFIX": prefix,
        "EMBEDDING_PROVIDER": "hash",
        "EMBEDDING_DIMENSIONS": "64",
        "CHUNK_SIZE": "300",
        "CHUNK_OVERLAP": "40",
        "QUERY_MAX_K": "20",
    }
    env.update(extra)
    return KnowledgeSettings.from_environment(env)
