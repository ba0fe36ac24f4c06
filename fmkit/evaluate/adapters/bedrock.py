"""Amazon Bedrock through the Converse / ConverseStream API.

`model_id` is the deployment's *application inference profile* ARN (from the SSM discovery
parameter), so benchmark traffic is attributed to the same cost-allocation tags as production.
ConverseStream is the default because it is the only way to measure time to first token; both
calls report token usage, which prices the run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from fmkit.contracts.bedrock import guardrail_arn
from fmkit.evaluate.adapters._aws import classify_aws_error
from fmkit.evaluate.adapters.base import Deadline, InvocationError, RetryingAdapter, Stopwatch
from fmkit.evaluate.records import ChatRequest, Completion

if TYPE_CHECKING:
    from mypy_boto3_bedrock_runtime import BedrockRuntimeClient
else:
    BedrockRuntimeClient = Any


class BedrockAdapter(RetryingAdapter):
    def __init__(
        self,
        client: BedrockRuntimeClient,
        model_id: str,
        *,
        guardrail_id: str | None = None,
        guardrail_version: str | None = None,
        stream: bool = True,
        **retry_kwargs: Any,
    ) -> None:
        super().__init__(**retry_kwargs)
        if (guardrail_id is None) != (guardrail_version is None):
            raise ValueError("guardrail_id and guardrail_version must be given together")
        self.client = client
        self.model_id = model_id
        self.guardrail_id = guardrail_id
        self.guardrail_version = guardrail_version
        self.stream = stream

    def request_kwargs(self, request: ChatRequest) -> dict[str, Any]:
        """The Converse(Stream) arguments for `request` (public so tests can assert them)."""
        params = request.params
        inference: dict[str, Any] = {"maxTokens": params.max_tokens, "temperature": params.temperature}
        if params.top_p is not None:
            inference["topP"] = params.top_p
        if params.stop:
            inference["stopSequences"] = list(params.stop)
        kwargs: dict[str, Any] = {
            "modelId": self.model_id,
            "messages": [{"role": m.role, "content": [{"text": m.content}]} for m in request.messages],
            "inferenceConfig": inference,
        }
        if request.system:
            kwargs["system"] = [{"text": request.system}]
        if self.guardrail_id is not None:
            kwargs["guardrailConfig"] = {
                "guardrailIdentifier": guardrail_arn(self.guardrail_id, sibling_arn=self.model_id),
                "guardrailVersion": self.guardrail_version,
            }
        return kwargs

    def _invoke_once(self, request: ChatRequest, deadline: Deadline) -> Completion:
        kwargs = self.request_kwargs(request)
        watch = Stopwatch()
        try:
            if self.stream:
                return self._converse_stream(kwargs, deadline, watch)
            return self._converse(kwargs, watch)
        except (ClientError, BotoCoreError) as exc:  # includes EventStreamError raised mid-stream
            raise classify_aws_error(exc) from exc
        except (KeyError, TypeError, AttributeError, IndexError) as exc:
            raise InvocationError("malformed_response", f"unexpected Converse response shape: {exc!r}") from exc

    def _converse(self, kwargs: dict[str, Any], watch: Stopwatch) -> Completion:
        response = self.client.converse(**kwargs)
        latency = watch.elapsed()
        content = response["output"]["message"]["content"]
        text = "".join(block["text"] for block in content if "text" in block)
        usage = response.get("usage") or {}
        return Completion(
            text=text,
            latency_s=latency,
            ttft_s=None,
            input_tokens=usage.get("inputTokens"),
            output_tokens=usage.get("outputTokens"),
            finish_reason=response.get("stopReason"),
        )

    def _converse_stream(self, kwargs: dict[str, Any], deadline: Deadline, watch: Stopwatch) -> Completion:
        response = self.client.converse_stream(**kwargs)
        parts: list[str] = []
        usage: dict[str, Any] = {}
        stop_reason: str | None = None
        stream = response["stream"]
        try:
            for event in stream:
                if "contentBlockDelta" in event:
                    text = event["contentBlockDelta"]["delta"].get("text")
                    if text:
                        watch.first_token()
                        parts.append(text)
                elif "messageStop" in event:
                    stop_reason = event["messageStop"].get("stopReason")
                elif "metadata" in event:
                    usage = dict(event["metadata"].get("usage") or {})
                deadline.check()
        finally:
            close = getattr(stream, "close", None)
            if callable(close):
                close()  # release the HTTP connection when abandoning a stream (timeout)
        if stop_reason is None:
            raise InvocationError("connection", "ConverseStream ended without a messageStop event")
        return Completion(
            text="".join(parts),
            latency_s=watch.elapsed(),
            ttft_s=watch.ttft_s,
            input_tokens=usage.get("inputTokens"),
            output_tokens=usage.get("outputTokens"),
            finish_reason=stop_reason,
        )
