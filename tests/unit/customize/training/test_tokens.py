"""Examples to input_ids/labels with a toy word tokenizer: prompt masked, answer and EOS learned."""

from __future__ import annotations

from fmkit.customize.training.records import parse_records
from fmkit.customize.training.tokens import IGNORE_INDEX, Features, encode_all, encode_example, pad_batch

BOS, EOS = 1, 2
VOCAB: dict[str, int] = {}


def encode(text: str, add_special_tokens: bool) -> list[int]:
    ids = [VOCAB.setdefault(word, len(VOCAB) + 10) for word in text.replace("</s>", " </s> ").split()]
    ids = [EOS if word == "</s>" else i for word, i in zip(text.replace("</s>", " </s> ").split(), ids, strict=True)]
    return [BOS, *ids] if add_special_tokens else ids


def render(messages: list[dict[str, str]], add_generation_prompt: bool) -> str:
    parts = [f"Q: {m['content']}" if m["role"] == "user" else f"A: {m['content']}</s>" for m in messages]
    return " ".join(parts) + (" A:" if add_generation_prompt else "")


def test_only_the_answer_and_eos_carry_labels() -> None:
    chat = parse_records(['{"prompt": "code of apple?", "reference": "zulu"}'], "t.jsonl")[0]
    features = encode_example(chat, render, encode, EOS, max_length=64)
    assert features is not None
    prompt = encode("Q: code of apple? A:", True)
    assert features.input_ids == [*prompt, VOCAB["zulu"], EOS]
    assert features.labels == [IGNORE_INDEX] * len(prompt) + [VOCAB["zulu"], EOS]
    assert features.trained_tokens == 2


def test_eos_is_added_when_the_template_has_no_end_token() -> None:
    chat = parse_records(['{"prompt": "hi", "reference": "hello"}'], "t.jsonl")[0]

    def plain(messages: list[dict[str, str]], add_generation_prompt: bool) -> str:
        return " ".join(m["content"] for m in messages)

    features = encode_example(chat, plain, encode, EOS, max_length=64)
    assert features is not None and features.input_ids[-1] == EOS and features.labels[-1] == EOS


def test_text_examples_learn_every_token() -> None:
    text = parse_records(['{"text": "net thirty days"}'], "t.jsonl")[0]
    features = encode_example(text, render, encode, EOS, max_length=64)
    assert features is not None and features.labels == features.input_ids


def test_truncation_keeps_what_fits_and_drops_examples_with_no_answer_left() -> None:
    lines = ['{"prompt": "a b c d e f", "reference": "g"}', '{"prompt": "x", "reference": "y"}']
    examples = parse_records(lines, "t.jsonl")
    encoded = encode_all(examples, render, encode, EOS, max_length=6)
    assert encoded.dropped == ["t.jsonl:1"]
    assert len(encoded.features) == 1 and len(encoded.features[0].input_ids) == 6


def test_batches_are_right_padded_and_padding_is_never_learned() -> None:
    batch = pad_batch([Features([1, 5, 6], [IGNORE_INDEX, 5, 6]), Features([1, 7], [IGNORE_INDEX, 7])], pad_id=0)
    assert batch["input_ids"] == [[1, 5, 6], [1, 7, 0]]
    assert batch["attention_mask"] == [[1, 1, 1], [1, 1, 0]]
    assert batch["labels"] == [[IGNORE_INDEX, 5, 6], [IGNORE_INDEX, 7, IGNORE_INDEX]]


def test_a_token_merged_across_the_prompt_answer_boundary_is_split_back() -> None:
    """BPE may merge the prompt's last characters with the answer's first: the prompt ids must stay intact."""

    def greedy(text: str, add_special_tokens: bool) -> list[int]:
        ids, i = [], 0
        while i < len(text):
            merged = text.startswith("ab", i)
            ids.append(100 if merged else ord(text[i]))
            i += 2 if merged else 1
        return ids

    def glued(messages: list[dict[str, str]], add_generation_prompt: bool) -> str:
        return messages[0]["content"] + "a" + (messages[1]["content"] if len(messages) > 1 else "")

    chat = parse_records(['{"prompt": "Q", "reference": "b"}'], "t.jsonl")[0]
    features = encode_example(chat, glued, greedy, EOS, max_length=64)
    assert features is not None
    assert features.input_ids == [ord("Q"), ord("a"), ord("b"), EOS]
    assert features.labels == [IGNORE_INDEX, IGNORE_INDEX, ord("b"), EOS]
