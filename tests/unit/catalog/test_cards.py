"""Model cards: every model has every selection factor with a source; licenses read from their text."""

from __future__ import annotations

import re

import pytest

from fmkit.catalog.bedrock import get_model
from fmkit.catalog.cards import FACTORS, all_cards, card_for_bedrock, card_for_gguf, card_for_jumpstart
from fmkit.catalog.jumpstart import get_jumpstart_model

CARDS = sorted(all_cards().values(), key=lambda c: c.id)
FACT_VALUES = {"license": "license", "params": "params_billion", "context_window": "context_window",
               "modalities": "modalities", "languages": "languages"}

# What the license text itself says for each class of commercial use (words from the quoted sentence).
LICENSE_WORDS = {
    "not_allowed": re.compile(r"non-?commercial|non-production|research|not .*commercial"
                              r"|commercially using the materials, you shall request a license", re.IGNORECASE),
    "restricted": re.compile(r"700 million|prohibited use|acceptable use|request a license|restrict", re.IGNORECASE),
    "allowed": re.compile(r"commercial|permission is hereby granted|perpetual|royalty-free|without restriction",
                          re.IGNORECASE),
}


def test_at_least_thirty_models_across_the_three_providers() -> None:
    available = {p for card in CARDS for p in card.providers.available()}
    assert len(CARDS) >= 30 and available == {"bedrock", "sagemaker", "ec2-graviton"}
    for provider in ("bedrock", "sagemaker", "ec2-graviton"):
        assert sum(provider in c.providers.available() for c in CARDS) >= 10, provider


@pytest.mark.parametrize("card", CARDS, ids=[c.id for c in CARDS])
def test_every_factor_has_a_source(card: object) -> None:
    from fmkit.catalog.cards import ModelCard

    assert isinstance(card, ModelCard)
    for factor in FACTORS:
        assert factor in card.sources, f"{card.id}: no source entry for {factor}"
        value = getattr(card, FACT_VALUES[factor])
        if value is not None:
            assert card.sources[factor], f"{card.id}: {factor} = {value!r} without a source"
        elif factor != "languages":  # a null fact must be explained
            assert card.notes, f"{card.id}: {factor} is null and the notes do not say why"
    assert card.license is not None and card.license_url, card.id
    assert all(c.source for c in card.customization) and all(f.source for f in card.latency)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", card.retrieved)


def test_licenses_of_at_least_ten_models_match_their_own_words() -> None:
    quoted = [c for c in CARDS if c.license_quote and c.commercial_use]
    assert len(quoted) >= 10
    assert {c.commercial_use for c in quoted} == {"allowed", "restricted", "not_allowed"}
    for card in quoted:
        assert card.commercial_use is not None and card.license_quote is not None
        assert LICENSE_WORDS[card.commercial_use].search(card.license_quote), (card.id, card.license_quote)


def test_at_least_two_open_models_forbid_commercial_use() -> None:
    banned = [c for c in CARDS if c.commercial_use == "not_allowed" and c.providers.ec2_graviton is not None]
    assert len(banned) >= 2


def test_restricted_licenses_state_their_condition() -> None:
    for card in CARDS:
        if card.commercial_use == "restricted":
            assert card.commercial_condition, card.id


@pytest.mark.parametrize("card", CARDS, ids=[c.id for c in CARDS])
def test_provider_links_resolve_back_to_the_card(card: object) -> None:
    from fmkit.catalog.cards import ModelCard

    assert isinstance(card, ModelCard)
    links = card.providers
    if links.bedrock and get_model(links.bedrock) is not None:
        found = card_for_bedrock(links.bedrock)
        assert found is not None and found.id == card.id
    if links.sagemaker:
        assert get_jumpstart_model(links.sagemaker) is not None, f"{card.id}: {links.sagemaker} not in JumpStart"
        found = card_for_jumpstart(links.sagemaker)
        assert found is not None and found.id == card.id
    if links.ec2_graviton:
        for entry in links.ec2_graviton.files.values():
            found = card_for_gguf(links.ec2_graviton.repo, entry.file)
            assert found is not None and found.id == card.id


def test_every_shipped_bedrock_and_jumpstart_model_has_a_card() -> None:
    from fmkit.catalog.bedrock import all_models
    from fmkit.catalog.jumpstart import all_jumpstart_models

    assert [m for m in all_models() if card_for_bedrock(m) is None] == []
    assert [m for m in all_jumpstart_models() if card_for_jumpstart(m) is None] == []
