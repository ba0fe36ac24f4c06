"""S3 events delivered by EventBridge through SQS, parsed with pydantic.

The SQS message body is the EventBridge event itself (the rule target has no input
transformer). Only ``source = aws.s3`` with ``detail-type`` "Object Created" or
"Object Deleted" is accepted; anything else raises :class:`MalformedEvent` (permanent:
the ingest handler dead-letters it with the validation errors as the reason).
Object keys are used as delivered: unlike S3's direct notifications, EventBridge
events carry keys that are not URL-encoded.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from aws_lambda_powertools.utilities.parser.models import S3EventNotificationEventBridgeModel
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import MalformedEvent
from .models import Position, source_key_of

DETAIL_TYPES: dict[str, Literal["created", "deleted"]] = {
    "Object Created": "created",
    "Object Deleted": "deleted",
}


class ObjectEvent(BaseModel):
    """The part of an S3 event the pipeline acts on (also the idempotency payload)."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["created", "deleted"]
    bucket: str = Field(min_length=3, max_length=63)
    key: str = Field(min_length=1, max_length=1024)
    version_id: str | None = None
    sequencer: str | None = Field(None, pattern=r"^[0-9A-Fa-f]{1,64}$")
    event_time: datetime
    deletion_type: str | None = None
    size: int | None = None
    event_id: str = ""

    @property
    def source_key(self) -> str:
        return source_key_of(self.bucket, self.key)

    @property
    def position(self) -> Position:
        return Position(sequencer=self.sequencer, timestamp=self.event_time)

    def idempotency_payload(self) -> dict[str, Any]:
        """What makes two deliveries "the same event": bucket, key, version, sequencer, kind.

        The sequencer is included because unversioned buckets have no version id: two
        overwrites of one key differ only by sequencer.
        """
        return {
            "bucket": self.bucket,
            "key": self.key,
            "version_id": self.version_id,
            "sequencer": self.sequencer,
            "kind": self.kind,
        }


def _errors(exc: ValidationError, limit: int = 5) -> str:
    parts = []
    for err in exc.errors()[:limit]:
        loc = ".".join(str(p) for p in err["loc"]) or "body"
        parts.append(f"{loc}: {err['msg']}")
    more = len(exc.errors()) - limit
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def parse_event(body: str) -> ObjectEvent:
    """Parse one SQS message body; raise :class:`MalformedEvent` with a precise reason."""
    try:
        raw = json.loads(body)
    except (json.JSONDecodeError, TypeError) as exc:
        raise MalformedEvent(f"message body is not JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise MalformedEvent(f"message body is JSON {type(raw).__name__}, expected an EventBridge event object")
    try:
        event = S3EventNotificationEventBridgeModel.model_validate(raw)
    except ValidationError as exc:
        raise MalformedEvent(f"not an S3 EventBridge event: {_errors(exc)}") from exc
    if event.source != "aws.s3":
        raise MalformedEvent(f"unexpected event source {event.source!r}, expected 'aws.s3'")
    kind = DETAIL_TYPES.get(event.detail_type)
    if kind is None:
        raise MalformedEvent(f"unsupported detail-type {event.detail_type!r}")
    obj = event.detail.object
    try:
        return ObjectEvent(
            kind=kind,
            bucket=event.detail.bucket.name,
            key=obj.key,
            version_id=obj.version_id or None,
            sequencer=obj.sequencer or None,
            event_time=event.time,
            deletion_type=event.detail.deletion_type,
            size=int(obj.size) if obj.size is not None else None,
            event_id=event.id,
        )
    except ValidationError as exc:
        raise MalformedEvent(f"invalid S3 event fields: {_errors(exc)}") from exc
