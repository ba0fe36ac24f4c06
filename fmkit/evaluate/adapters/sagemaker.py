"""SageMaker real-time endpoints (TGI or LMI containers) through InvokeEndpoint(WithResponseStream).

Two payload formats:

- `"messages"` (default): the OpenAI-style Messages API that TGI >= 2 and LMI >= 0.27 accept
  on SageMaker. The container applies the model's chat template, so instruction-tuned models
  see the prompt format they were trained on.
- `"tgi"`: the classic `{"inputs", "parameters"}` payload; the chat is rendered as plain
  text (see `_wire.render_plain_prompt`). For base models and older containers.

`inference_component_name` targets one model on an endpoint that hosts several (inference
components, which also allow scale to zero).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from botocore.exceptions import BotoCoreError, ClientError

from fmkit.evaluate.adapters._aws import classify_aws_error
from fmkit.evaluate.adapters._wire import (
    LineBuffer,
    OpenAIStreamParser,
    ParsedAnswer,
    TgiStreamParser,
    openai_chat_payload,
    parse_openai_chat_response,
    parse_tgi_response,
    stream_payload,
    tgi_payload,
)
from fmkit.evaluate.adapters.base import Deadline, InvocationError, RetryingAdapter, Stopwatch
from fmkit.evaluate.records import ChatRequest, Completion

if TYPE_CHECKING:
    from mypy_boto3_sagemaker_runtime import SageMakerRuntimeClient
else:
    SageMakerRuntimeClient = Any

PayloadFormat = Literal["messages", "tgi"]


class SageMakerAdapter(RetryingAdapter):
    def __init__(
        self,
        client: SageMakerRuntimeClient,
        endpoint_name: str,
        *,
        inference_component_name: str | None = None,
        payload_format: PayloadFormat = "messages",
        model: str | None = None,
        stream: bool = True,
        include_usage: bool = True,
        **retry_kwargs: Any,
    ) -> None:
        super().__init__(**retry_kwargs)
        if payload_format not in ("messages", "tgi"):
            raise ValueError(f"payload_format must be 'messages' or 'tgi', got {payload_format!r}")
        self.client = client
        self.endpoint_name = endpoint_name
        self.inference_component_name = inference_component_name
        self.payload_format: PayloadFormat = payload_format
        self.model = model or "tgi"  # TGI's Messages API documents "tgi" as the model name
        self.stream = stream
        self.include_usage = include_usage

    def request_kwargs(self, request: ChatRequest) -> dict[str, Any]:
        """InvokeEndpoint(WithResponseStream) arguments for `request`."""
        if self.payload_format == "messages":
            payload = openai_chat_payload(
                request, model=self.model, stream=self.stream, include_usage=self.include_usage
            )
        else:
            payload = tgi_payload(request, stream=self.stream)
        kwargs: dict[str, Any] = {
            "EndpointName": self.endpoint_name,
            "Body": json.dumps(payload).encode("utf-8"),
            "ContentType": "application/json",
        }
        if not self.stream:
            kwargs["Accept"] = "application/json"
        if self.inference_component_name:
            kwargs["InferenceComponentName"] = self.inference_component_name
        return kwargs

    def _invoke_once(self, request: ChatRequest, deadline: Deadline) -> Completion:
        kwargs = self.request_kwargs(request)
        watch = Stopwatch()
        try:
            if self.stream:
                answer = self._invoke_stream(kwargs, deadline, watch)
            else:
                response = self.client.invoke_endpoint(**kwargs)
                body = response["Body"].read()
                parse = parse_openai_chat_response if self.payload_format == "messages" else parse_tgi_response
                answer = parse(body)
        except (ClientError, BotoCoreError) as exc:
            raise classify_aws_error(exc) from exc
        except (KeyError, TypeError, AttributeError) as exc:
            raise InvocationError("malformed_response", f"unexpected InvokeEndpoint response: {exc!r}") from exc
        return Completion(
            text=answer.text,
            latency_s=watch.elapsed(),
            ttft_s=watch.ttft_s if self.stream else None,
            input_tokens=answer.input_tokens,
            output_tokens=answer.output_tokens,
            finish_reason=answer.finish_reason,
        )

    def _invoke_stream(self, kwargs: dict[str, Any], deadline: Deadline, watch: Stopwatch) -> ParsedAnswer:
        response = self.client.invoke_endpoint_with_response_stream(**kwargs)
        openai = self.payload_format == "messages"
        openai_parser = OpenAIStreamParser()
        tgi_parser = TgiStreamParser()
        lines = LineBuffer()
        events = response["Body"]

        def consume(line: str) -> None:
            payload = stream_payload(line)
            if payload is None:
                return
            delta = openai_parser.feed(payload) if openai else tgi_parser.feed(payload)
            if delta:
                watch.first_token()

        try:
            for event in events:
                for line in lines.feed(_payload_bytes(event)):
                    consume(line)
                deadline.check()
            for line in lines.flush():
                consume(line)
        finally:
            close = getattr(events, "close", None)
            if callable(close):
                close()
        if openai:
            return openai_parser.answer
        if tgi_parser.tokens == 0 and tgi_parser.final_text is None:
            raise InvocationError("malformed_response", "stream contained no tokens")
        return tgi_parser.finish()


def _payload_bytes(event: Mapping[str, Any]) -> bytes:
    """The bytes of a stream event; its error events raise (real clients raise EventStreamError
    for them, the dict form is handled too)."""
    if "ModelStreamError" in event:
        raise InvocationError("model_error", f"ModelStreamError: {event['ModelStreamError'].get('Message')}")
    if "InternalStreamFailure" in event:
        detail = event["InternalStreamFailure"].get("Message")
        raise InvocationError("server_error", f"InternalStreamFailure: {detail}", retryable=True)
    payload: bytes = event.get("PayloadPart", {}).get("Bytes", b"")
    return payload
