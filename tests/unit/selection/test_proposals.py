"""Proposals: every catalogued way to serve a model becomes a deployment the schema accepts."""

from __future__ import annotations

import pytest

from fmkit.catalog.cards import ModelCard, all_cards
from fmkit.config.providers.graviton import GravitonDeployment
from fmkit.selection.proposals import NotProposable, propose
from fmkit.selection.traffic import DEFAULT_TRAFFIC, Traffic

TRAFFIC = Traffic(*DEFAULT_TRAFFIC, "test")
GGUF_CARDS = sorted((card for card in all_cards().values() if card.providers.ec2_graviton is not None),
                    key=lambda card: card.id)


def test_the_catalog_has_gguf_cards_with_and_without_a_digest() -> None:
    digests = [file.sha256 for card in GGUF_CARDS if card.providers.ec2_graviton
               for file in card.providers.ec2_graviton.files.values()]
    assert any(digests) and not all(digests)


@pytest.mark.parametrize("card", GGUF_CARDS, ids=lambda card: card.id)
def test_every_gguf_card_proposes_a_valid_graviton_deployment(card: ModelCard) -> None:
    try:
        proposal = propose(card, "ec2-graviton", ["eu-west-1"], TRAFFIC)
    except NotProposable as exc:  # a model too large for any Graviton instance, or no preferred quant
        assert "does not validate" not in str(exc)
        return
    assert isinstance(proposal.deployment, GravitonDeployment)
    gguf = card.providers.ec2_graviton
    assert gguf is not None
    entry = gguf.files[proposal.deployment.model.quantization]
    # the catalog's digest is pinned where the build and every boot check it
    assert proposal.deployment.model.sha256 == entry.sha256
    assert ("model.sha256" in " ".join(proposal.notes)) == (entry.sha256 is None)


def test_a_bedrock_card_the_bedrock_catalog_lacks_says_where_to_record_it() -> None:
    card = all_cards()["gpt-oss-20b"]
    with pytest.raises(NotProposable, match=r"model_configs/catalog/gpt-oss-20b\.yaml \(docs/catalogs\.md\)"):
        propose(card, "bedrock", ["us-east-1"], TRAFFIC)
