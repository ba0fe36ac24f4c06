"""The JSONL record formats Bedrock customization jobs read, checked one line at a time.

Bedrock validates a dataset only after the job is queued (and billed for the time it ran), so
the kit checks the shapes its data preparation pages document, offline:

- `bedrock-conversation-2024` (Nova, Llama 3.2/3.3, distillation): `schemaVersion`, optional
  `system: [{text}]`, `messages: [{role, content: [{text}|{image}|{video}|{reasoningContent}]}]`
  alternating user/assistant from the user, ending with the assistant (distillation: the
  assistant turn is optional, and Meta/Anthropic students take a single user turn);
- `prompt-completion` (Titan, Llama 3.1): `{"prompt": …, "completion": …}`;
- `anthropic-messages` (Claude 3 Haiku): `system` string and `messages` with string content;
- `input` (continued pre-training): `{"input": …}`.

Each parser returns the record's prompt and answer text, so the caller counts tokens and finds
holdout prompts that also appear in the training data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

# Words that fail a Nova job when they appear in a prompt (Nova data preparation page).
NOVA_RESERVED = ("User:", "Bot:", "Assistant:", "System:", "<image>", "<video>", "[EOS]")
MEDIA_BLOCKS = ("image", "video")


@dataclass(frozen=True)
class RecordRules:
    """What one base model and method add to the format's shape."""

    reserved_words: bool = False  # Nova: refuse the reserved keywords in text
    answer_optional: bool = False  # distillation: the teacher writes the answers
    single_turn: bool = False  # distillation into Meta/Anthropic students


@dataclass(frozen=True)
class ParsedRecord:
    prompt: str  # every input text (system, user turns, earlier assistant turns)
    answer: str  # the text learned (assistant's last turn, completion); "" when none
    first_user: str  # the first user turn: what a holdout item's prompt is compared with


class RecordInvalid(ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def _string(data: Mapping[str, Any], key: str, problems: list[str], *, required: bool = True) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        problems.append(f"'{key}' must be a non-empty string")
        return ""
    return value


def _extra(data: Mapping[str, Any], allowed: set[str], problems: list[str]) -> None:
    problems.extend(f"unknown field '{key}'" for key in sorted(set(data) - allowed))


def _block_text(block: Any, where: str, problems: list[str]) -> str:
    if not isinstance(block, dict) or len(block) != 1:
        problems.append(f"{where} must be an object with one of text, image, video, reasoningContent")
        return ""
    (kind, value), = block.items()
    if kind == "text":
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{where}.text must be a non-empty string")
            return ""
        return value
    if kind in MEDIA_BLOCKS:
        uri = value.get("source", {}).get("s3Location", {}).get("uri") if isinstance(value, dict) else None
        if not isinstance(uri, str) or not uri.startswith("s3://"):
            problems.append(f"{where}.{kind}.source.s3Location.uri must be an s3:// URI")
        return ""
    if kind == "reasoningContent":
        return ""
    problems.append(f"{where} has unknown content type '{kind}'")
    return ""


def _content(message: Any, index: int, problems: list[str]) -> tuple[str, str]:
    """(role, text) of one conversation message."""
    where = f"messages[{index}]"
    if not isinstance(message, dict) or set(message) != {"role", "content"}:
        problems.append(f"{where} must be an object with exactly 'role' and 'content'")
        return "", ""
    content = message["content"]
    if not isinstance(content, list) or not content:
        problems.append(f"{where}.content must be a non-empty list of content blocks")
        return str(message["role"]), ""
    texts = [_block_text(block, f"{where}.content[{i}]", problems) for i, block in enumerate(content)]
    return str(message["role"]), "\n".join(t for t in texts if t)


def _turns(messages: Any, rules: RecordRules, problems: list[str],
           content: Callable[[Any, int, list[str]], tuple[str, str]]) -> list[tuple[str, str]]:
    if not isinstance(messages, list) or not messages:
        problems.append("'messages' must be a non-empty list")
        return []
    turns = [content(message, i, problems) for i, message in enumerate(messages)]
    for i, (role, _) in enumerate(turns):
        expected = "user" if i % 2 == 0 else "assistant"
        if role and role != expected:
            problems.append(f"messages[{i}] has role '{role}', expected '{expected}': turns alternate user/assistant "
                            "starting with the user")
    last = turns[-1][0]
    if rules.single_turn and len(turns) > (1 if last == "user" else 2):
        problems.append("this student model takes single-turn prompts only (one user turn)")
    if last != "assistant" and not (rules.answer_optional and last == "user"):
        problems.append("the last message must come from the assistant (the answer to learn)")
    return turns


def _split(turns: list[tuple[str, str]], system: str) -> ParsedRecord:
    answered = bool(turns) and turns[-1][0] == "assistant"
    context = turns[:-1] if answered else turns
    prompt = "\n".join([system, *(text for _, text in context)]).strip()
    first_user = next((text for role, text in turns if role == "user"), "")
    return ParsedRecord(prompt, turns[-1][1] if answered else "", first_user)


def _string_content(message: Any, index: int, problems: list[str]) -> tuple[str, str]:
    if not isinstance(message, dict) or set(message) != {"role", "content"}:
        problems.append(f"messages[{index}] must be an object with exactly 'role' and 'content'")
        return "", ""
    content = message["content"]
    if not isinstance(content, str) or not content.strip():
        problems.append(f"messages[{index}].content must be a non-empty string (not a list of blocks)")
        return str(message["role"]), ""
    return str(message["role"]), content


def conversation(data: Mapping[str, Any], rules: RecordRules, problems: list[str]) -> ParsedRecord:
    _extra(data, {"schemaVersion", "system", "messages"}, problems)
    if not isinstance(data.get("schemaVersion"), str):
        problems.append("'schemaVersion' must be a string (e.g. \"bedrock-conversation-2024\")")
    system_blocks = data.get("system", [])
    if not isinstance(system_blocks, list):
        problems.append("'system' must be a list of {\"text\": …} blocks")
        system_blocks = []
    system = "\n".join(_block_text(b, f"system[{i}]", problems) for i, b in enumerate(system_blocks))
    return _split(_turns(data.get("messages"), rules, problems, _content), system)


def prompt_completion(data: Mapping[str, Any], rules: RecordRules, problems: list[str]) -> ParsedRecord:
    _extra(data, {"prompt", "completion"}, problems)
    prompt = _string(data, "prompt", problems)
    completion = _string(data, "completion", problems, required=not rules.answer_optional)
    return ParsedRecord(prompt, completion, prompt)


def anthropic_messages(data: Mapping[str, Any], rules: RecordRules, problems: list[str]) -> ParsedRecord:
    _extra(data, {"system", "messages"}, problems)
    system = _string(data, "system", problems, required=False)
    return _split(_turns(data.get("messages"), rules, problems, _string_content), system)


def continued_pretraining(data: Mapping[str, Any], rules: RecordRules, problems: list[str]) -> ParsedRecord:
    _extra(data, {"input"}, problems)
    return ParsedRecord("", _string(data, "input", problems), "")


PARSERS: dict[str, Callable[[Mapping[str, Any], RecordRules, list[str]], ParsedRecord]] = {
    "bedrock-conversation-2024": conversation,
    "prompt-completion": prompt_completion,
    "anthropic-messages": anthropic_messages,
    "input": continued_pretraining,
}


def parse_record(data: Any, data_format: str, rules: RecordRules) -> ParsedRecord:
    """One record in `data_format`, or `RecordInvalid` with every problem of the line."""
    if not isinstance(data, dict):
        raise RecordInvalid(["each line must be a JSON object"])
    problems: list[str] = []
    record = PARSERS[data_format](data, rules, problems)
    if rules.reserved_words:
        text = f"{record.prompt}\n{record.answer}"
        problems += [f"contains '{word}', a keyword Nova reserves (the job fails on it)"
                     for word in NOVA_RESERVED if word in text]
    if problems:
        raise RecordInvalid(problems)
    return record
