"""Bedrock knowledge bases through `Retrieve` (botocore Stubber); the local retriever's contract."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from fmkit.evaluate.retrieval.retrievers import BedrockKbRetriever, LocalRetriever, RetrievalError
from fmkit.knowledge.embedding import HashEmbedder
from fmkit.knowledge.models import QueryHit


def test_bedrock_kb_results_become_hits_in_rank_order() -> None:
    client = boto3.client("bedrock-agent-runtime", region_name="eu-west-1")
    stubber = Stubber(client)
    stubber.add_response("retrieve", {"retrievalResults": [
        {"content": {"text": "thirty days"}, "location": {"type": "S3", "s3Location": {"uri": "s3://kb/hr/a.md"}},
         "score": 0.8},
        {"content": {"text": "parking"}, "score": 0.2},
    ]}, {"knowledgeBaseId": "KBID123456", "retrievalQuery": {"text": "vacation?"},
         "retrievalConfiguration": {"vectorSearchConfiguration": {"numberOfResults": 2}}})
    stubber.add_client_error("retrieve", "ThrottlingException", http_status_code=429)
    with stubber:
        retriever = BedrockKbRetriever("KBID123456", client=client)
        hits = retriever.retrieve("vacation?", 2)
        with pytest.raises(RetrievalError) as throttled:
            retriever.retrieve("again", 2)
    assert [(h.bucket, h.key, h.chunk_index, h.score) for h in hits] == [("kb", "hr/a.md", 0, 0.8), ("", "", 1, 0.2)]
    assert throttled.value.kind == "throttled"


class RecordingStore:
    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    def query(self, vector: list[float], k: int, filters: object = None) -> list[QueryHit]:
        self.calls.append((len(vector), k))
        return []


def test_the_local_retriever_embeds_the_question_and_asks_the_store_for_k() -> None:
    store = RecordingStore()
    assert LocalRetriever(HashEmbedder(32), store).retrieve("q", 7) == []  # type: ignore[arg-type]
    assert store.calls == [(32, 7)]
