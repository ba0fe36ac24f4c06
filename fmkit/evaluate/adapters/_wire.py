"""Wire formats shared by adapters: OpenAI chat completions (llama-server, TGI/LMI Messages API
on SageMaker) and TGI/LMI `inputs`/`parameters` payloads, plus a byte-line splitter for streams.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from fmkit.evaluate.adapters.base import InvocationError
from fmkit.evaluate.records import ChatRequest


class LineBuffer:
    """Split a byte stream into lines, whatever the chunk boundaries.

    SageMaker PayloadParts and HTTP reads can cut a JSON document (or a multi-byte UTF-8
    character) in two; decoding only complete lines avoids both problems.
    """

    def __init__(self) -> None:
        self._pending = b""

    def feed(self, chunk: bytes) -> Iterator[str]:
        self._pending += chunk
        *lines, self._pending = self._pending.split(b"\n")
        for line in lines:
            yield _decode(line.rstrip(b"\r"))

    def flush(self) -> Iterator[str]:
        if self._pending.strip():
            yield _decode(self._pending.rstrip(b"\r"))
        self._pending = b""


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvocationError("malformed_response", f"stream is not UTF-8: {exc}") from exc


def stream_payload(line: str) -> str | None:
    """The JSON text of an SSE `data:` line or a bare JSON line (LMI jsonlines); else None."""
    stripped = line.strip()
    if stripped.startswith("data:"):
        return stripped[5:].strip()
    if stripped.startswith("{"):
        return stripped
    return None  # blank keep-alive lines, `event:`/`id:`/`:` comment lines


def load_json(text: str | bytes, what: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        snippet = text[:120] if isinstance(text, str) else text[:120].decode("utf-8", "replace")
        raise InvocationError("malformed_response", f"{what} is not valid JSON ({exc}): {snippet!r}") from exc


def _error_message(data: Any) -> str | None:
    """The message of an OpenAI/TGI-style error object, if `data` is one."""
    if isinstance(data, dict) and "error" in data and data["error"]:
        error = data["error"]
        if isinstance(error, dict):
            return str(error.get("message") or error)
        return str(error)
    return None


# ------------------------------------------------------------------------------ OpenAI chat


def openai_chat_payload(
    request: ChatRequest, *, model: str, stream: bool, include_usage: bool = True
) -> dict[str, Any]:
    messages: list[dict[str, str]] = []
    if request.system:
        messages.append({"role": "system", "content": request.system})
    messages.extend({"role": m.role, "content": m.content} for m in request.messages)
    params = request.params
    payload: dict[str, Any] = {
        "model": model,
        "messages": messages,
        "max_tokens": params.max_tokens,
        "temperature": params.temperature,
        "stream": stream,
    }
    if params.top_p is not None:
        payload["top_p"] = params.top_p
    if params.stop:
        payload["stop"] = list(params.stop)
    if stream and include_usage:
        # Without it, OpenAI-compatible servers send no token counts when streaming.
        payload["stream_options"] = {"include_usage": True}
    return payload


@dataclass
class ParsedAnswer:
    text: str = ""
    input_tokens: int | None = None
    output_tokens: int | None = None
    finish_reason: str | None = None


def _usage_into(answer: ParsedAnswer, data: dict[str, Any]) -> None:
    usage = data.get("usage")
    if isinstance(usage, dict):
        if isinstance(usage.get("prompt_tokens"), int):
            answer.input_tokens = usage["prompt_tokens"]
        if isinstance(usage.get("completion_tokens"), int):
            answer.output_tokens = usage["completion_tokens"]
    timings = data.get("timings")  # llama-server's own counters, when usage is absent
    if isinstance(timings, dict):
        if answer.input_tokens is None and isinstance(timings.get("prompt_n"), int):
            answer.input_tokens = timings["prompt_n"]
        if answer.output_tokens is None and isinstance(timings.get("predicted_n"), int):
            answer.output_tokens = timings["predicted_n"]


def parse_openai_chat_response(body: bytes | str) -> ParsedAnswer:
    data = load_json(body, "response")
    if (message := _error_message(data)) is not None:
        raise InvocationError("model_error", f"endpoint returned an error: {message}")
    try:
        choice = data["choices"][0]
        content = choice["message"].get("content") or ""
        if not isinstance(content, str):
            raise TypeError("message.content is not a string")
        answer = ParsedAnswer(text=content, finish_reason=choice.get("finish_reason"))
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise InvocationError("malformed_response", f"unexpected chat completion shape: {exc!r}") from exc
    _usage_into(answer, data)
    return answer


@dataclass
class OpenAIStreamParser:
    """Accumulates `chat.completion.chunk` events; `feed` returns the text delta of one event."""

    answer: ParsedAnswer = field(default_factory=ParsedAnswer)
    done: bool = False

    def feed(self, payload: str) -> str:
        if payload == "[DONE]":
            self.done = True
            return ""
        data = load_json(payload, "stream event")
        if (message := _error_message(data)) is not None:
            raise InvocationError("model_error", f"endpoint reported an error mid-stream: {message}")
        if not isinstance(data, dict):
            raise InvocationError("malformed_response", f"stream event is not an object: {payload[:120]!r}")
        _usage_into(self.answer, data)
        choices = data.get("choices") or []
        if not isinstance(choices, list):
            raise InvocationError("malformed_response", "stream event 'choices' is not a list")
        delta_text = ""
        for choice in choices:
            if not isinstance(choice, dict):
                raise InvocationError("malformed_response", "stream choice is not an object")
            delta = choice.get("delta") or {}
            content = delta.get("content") if isinstance(delta, dict) else None
            if isinstance(content, str):
                delta_text += content
            if choice.get("finish_reason"):
                self.answer.finish_reason = choice["finish_reason"]
        self.answer.text += delta_text
        return delta_text


# ------------------------------------------------------------------------------ TGI / LMI


def render_plain_prompt(request: ChatRequest) -> str:
    """A template-free rendering of the chat for `inputs`-style (TGI/LMI) payloads.

    Those endpoints apply no chat template, so instruction-tuned models answer best through the
    Messages API (`payload_format="messages"`); this exists for base models and old containers.
    """
    parts = []
    if request.system:
        parts.append(f"System: {request.system}")
    for message in request.messages:
        parts.append(f"{'User' if message.role == 'user' else 'Assistant'}: {message.content}")
    parts.append("Assistant:")
    return "\n\n".join(parts)


def tgi_payload(request: ChatRequest, *, stream: bool) -> dict[str, Any]:
    params = request.params
    parameters: dict[str, Any] = {
        "max_new_tokens": params.max_tokens,
        "details": True,  # generated token counts
        "return_full_text": False,
    }
    # TGI rejects temperature == 0 ("must be strictly positive"): greedy decoding is do_sample=false.
    if params.temperature > 0:
        parameters["do_sample"] = True
        parameters["temperature"] = params.temperature
        if params.top_p is not None and 0 < params.top_p < 1:
            parameters["top_p"] = params.top_p
    else:
        parameters["do_sample"] = False
    if params.stop:
        parameters["stop"] = list(params.stop)
    return {"inputs": render_plain_prompt(request), "parameters": parameters, "stream": stream}


def _tgi_details_into(answer: ParsedAnswer, details: Any) -> None:
    if isinstance(details, dict):
        if isinstance(details.get("generated_tokens"), int):
            answer.output_tokens = details["generated_tokens"]
        if isinstance(details.get("input_length"), int):
            answer.input_tokens = details["input_length"]
        if details.get("finish_reason"):
            answer.finish_reason = str(details["finish_reason"])


def parse_tgi_response(body: bytes | str) -> ParsedAnswer:
    """TGI answers `[{"generated_text": ...}]`, LMI `{"generated_text": ...}`."""
    data = load_json(body, "response")
    if (message := _error_message(data)) is not None:
        raise InvocationError("model_error", f"endpoint returned an error: {message}")
    first = data[0] if isinstance(data, list) and data else data
    if not isinstance(first, dict) or not isinstance(first.get("generated_text"), str):
        raise InvocationError("malformed_response", f"no 'generated_text' in response: {str(data)[:120]!r}")
    answer = ParsedAnswer(text=first["generated_text"])
    _tgi_details_into(answer, first.get("details"))
    return answer


@dataclass
class TgiStreamParser:
    """TGI SSE (`data:{"token":…}`) and LMI jsonlines (`{"token":…}`) token events."""

    answer: ParsedAnswer = field(default_factory=ParsedAnswer)
    tokens: int = 0
    final_text: str | None = None

    def feed(self, payload: str) -> str:
        data = load_json(payload, "stream event")
        if (message := _error_message(data)) is not None:
            raise InvocationError("model_error", f"endpoint reported an error mid-stream: {message}")
        if not isinstance(data, dict):
            raise InvocationError("malformed_response", f"stream event is not an object: {payload[:120]!r}")
        token = data.get("token")
        delta = ""
        if isinstance(token, dict):
            self.tokens += 1
            if not token.get("special") and isinstance(token.get("text"), str):
                delta = token["text"]
        elif "generated_text" not in data:
            raise InvocationError("malformed_response", f"stream event without 'token': {payload[:120]!r}")
        self.answer.text += delta
        if isinstance(data.get("generated_text"), str):
            self.final_text = data["generated_text"]
        _tgi_details_into(self.answer, data.get("details"))
        return delta

    def finish(self) -> ParsedAnswer:
        if self.final_text is not None:
            self.answer.text = self.final_text
        if self.answer.output_tokens is None and self.tokens:
            self.answer.output_tokens = self.tokens  # one event per generated token
        return self.answer
