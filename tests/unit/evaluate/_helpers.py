"""Shared test helpers for fmkit.evaluate: datasets, item records, recorded sleeps, stubbed event streams."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from botocore.exceptions import EventStreamError
from botocore.validate import validate_parameters

from fmkit.evaluate.dataset import Dataset, parse_dataset
from fmkit.evaluate.records import ErrorInfo, ItemRecord


def make_dataset(items: Sequence[dict[str, Any]], name: str = "mem.jsonl") -> Dataset:
    return parse_dataset("\n".join(json.dumps(i) for i in items), Path(name))


def qa_items(n: int = 6) -> list[dict[str, Any]]:
    """Short support-style items with distinct prompts and two tags."""
    return [
        {
            "id": f"q{i}",
            "prompt": f"Question number {i}: how do I reset my password?",
            "reference": f"Open settings and choose reset password for account {i}.",
            "tags": ["account" if i % 2 else "billing"],
        }
        for i in range(n)
    ]


def item_record(
    i: int,
    *,
    ok: bool = True,
    latency: float = 1.0,
    start: float = 0.0,
    end: float = 1.0,
    tokens: tuple[int | None, int | None] = (100, 50),
) -> ItemRecord:
    """A record of item `i` with the given outcome, latency, span and token usage."""
    return ItemRecord(
        item_id=f"i{i}",
        model="m",
        fingerprint="f",
        output="x" if ok else None,
        error=None if ok else ErrorInfo(kind="timeout", message="slow"),
        latency_s=latency if ok else None,
        input_tokens=tokens[0] if ok else None,
        output_tokens=tokens[1] if ok else None,
        started_at=start,
        finished_at=end,
    )


class RecordedSleep:
    """Stands in for time.sleep in retry tests: records delays, never waits."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


class FakeEventStream:
    """Iterates events like `botocore.eventstream.EventStream`; an exception in `events` is raised there."""

    def __init__(self, events: Sequence[Any]) -> None:
        self._events = list(events)
        self.closed = False

    def __iter__(self) -> Iterator[Any]:
        for event in self._events:
            if isinstance(event, BaseException):
                raise event  # botocore raises EventStreamError for error events
            yield event

    def close(self) -> None:
        self.closed = True


class EventStreams:
    """Feeds event streams to a Stubber-stubbed client.

    Stubber validates a stubbed response against the output shape, in which an event stream is
    a structure (an empty dict passes), so the stubbed response carries `{member: {}}` and an
    `after-call` hook (botocore emits it for stubbed calls too) swaps in the next queued
    `FakeEventStream`. Every queued event is validated against the real event-stream shape, so
    the tests cannot drift from the API.
    """

    def __init__(self, client: Any, operation: str, member: str) -> None:
        self._client = client
        self._member = member
        self._shape = client.meta.service_model.operation_model(operation).output_shape.members[member]
        self._event_name = f"after-call.{client.meta.service_model.service_id.hyphenize()}.{operation}"
        self._queue: list[FakeEventStream] = []
        client.meta.events.register(self._event_name, self._swap)

    def add(self, events: Sequence[Any]) -> FakeEventStream:
        for event in events:
            if not isinstance(event, BaseException):
                validate_parameters(event, self._shape)
        stream = FakeEventStream(events)
        self._queue.append(stream)
        return stream

    def response(self) -> dict[str, Any]:
        """The stubbed response body to give `Stubber.add_response`."""
        return {self._member: {}}

    def _swap(self, parsed: dict[str, Any], **_: Any) -> None:
        if self._member in parsed and self._queue:
            parsed[self._member] = self._queue.pop(0)


def event_stream_error(code: str, message: str = "stream failed") -> EventStreamError:
    return EventStreamError({"Error": {"Code": code, "Message": message}}, "ConverseStream")
