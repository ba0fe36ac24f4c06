"""Bedrock's record formats, line by line: the shapes the data preparation pages document."""

from __future__ import annotations

import pytest

from fmkit.customize.bedrock_records import RecordInvalid, RecordRules, parse_record

NOVA = RecordRules(reserved_words=True)


def conversation(*turns: tuple[str, str], system: str | None = None) -> dict[str, object]:
    record: dict[str, object] = {"schemaVersion": "bedrock-conversation-2024", "messages": [
        {"role": role, "content": [{"text": text}]} for role, text in turns]}
    if system:
        record["system"] = [{"text": system}]
    return record


PLAIN = RecordRules()


def problems(data: object, data_format: str, rules: RecordRules = PLAIN) -> list[str]:
    with pytest.raises(RecordInvalid) as info:
        parse_record(data, data_format, rules)
    return info.value.problems


def test_a_conversation_splits_into_prompt_and_answer() -> None:
    record = parse_record(conversation(("user", "Hi?"), ("assistant", "Hello."), ("user", "Code of apple?"),
                                       ("assistant", "zulu"), system="Be brief."), "bedrock-conversation-2024", NOVA)
    assert record.answer == "zulu" and record.first_user == "Hi?"
    assert record.prompt == "Be brief.\nHi?\nHello.\nCode of apple?"


def test_a_conversation_must_alternate_and_end_with_the_answer() -> None:
    found = problems(conversation(("assistant", "x"), ("user", "y")), "bedrock-conversation-2024")
    assert "messages[0] has role 'assistant', expected 'user'" in found[0]
    assert found[-1] == "the last message must come from the assistant (the answer to learn)"


def test_distillation_takes_prompts_alone_and_single_turns_where_the_student_needs_them() -> None:
    rules = RecordRules(answer_optional=True, single_turn=True)
    assert parse_record(conversation(("user", "Q")), "bedrock-conversation-2024", rules).answer == ""
    found = problems(conversation(("user", "a"), ("assistant", "b"), ("user", "c")), "bedrock-conversation-2024",
                     rules)
    assert found == ["this student model takes single-turn prompts only (one user turn)"]


def test_nova_reserved_words_and_media_locations() -> None:
    found = problems(conversation(("user", "User: hi"), ("assistant", "ok")), "bedrock-conversation-2024", NOVA)
    assert found == ["contains 'User:', a keyword Nova reserves (the job fails on it)"]
    image = {"image": {"format": "png", "source": {"s3Location": {"uri": "https://x"}}}}
    record = conversation(("user", "x"), ("assistant", "y"))
    record["messages"][0]["content"].append(image)  # type: ignore[index]
    assert problems(record, "bedrock-conversation-2024") == [
        "messages[0].content[1].image.source.s3Location.uri must be an s3:// URI"]


def test_prompt_completion_anthropic_and_continued_pretraining() -> None:
    assert parse_record({"prompt": "p", "completion": "c"}, "prompt-completion", RecordRules()).answer == "c"
    assert problems({"prompt": "p", "completion": ""}, "prompt-completion") == [
        "'completion' must be a non-empty string"]
    claude = {"system": "s", "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}
    assert parse_record(claude, "anthropic-messages", RecordRules()).prompt == "s\nq"
    claude["messages"][0]["content"] = [{"text": "q"}]  # type: ignore[index]
    assert "must be a non-empty string (not a list of blocks)" in problems(claude, "anthropic-messages")[0]
    assert parse_record({"input": "domain text"}, "input", RecordRules()).answer == "domain text"
    assert problems({"input": "x", "output": "y"}, "input") == ["unknown field 'output'"]
    assert problems(["not", "an", "object"], "input") == ["each line must be a JSON object"]
