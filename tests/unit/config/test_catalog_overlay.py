"""`model_configs/catalog/<id>.yaml`: a model released after the catalog's date, recorded by the team
and used everywhere the catalog is (here: schema, rules, cards); bad entries point at their line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fmkit.catalog import overlay
from fmkit.catalog.bedrock import get_model
from fmkit.catalog.cards import card_for_bedrock, get_card
from fmkit.config import ConfigError
from fmkit.validate import load_validated
from tests.helpers import write_config

NEW_MODEL = """
    name: Nova Nano
    vendor: Amazon
    task: chat
    license: Proprietary (AWS Service Terms)
    license_url: https://aws.amazon.com/service-terms/
    commercial_use: allowed
    params_billion: null
    context_window: 128000
    modalities: {input: [text], output: [text]}
    providers: {bedrock: amazon.nova-nano-v1:0}
    sources:
      license: https://aws.amazon.com/service-terms/
      params: https://aws.amazon.com/bedrock/nova/
      context_window: https://aws.amazon.com/bedrock/nova/
      modalities: https://aws.amazon.com/bedrock/nova/
      languages: null
    retrieved: "2026-11-27"
    bedrock_catalog:
      model_id: amazon.nova-nano-v1:0
      provider: Amazon
      name: Nova Nano
      kind: text
      input_modalities: [TEXT]
      output_modalities: [TEXT]
      context_window: 128000
      on_demand_regions: [eu-west-1]
      price_per_1k_input_tokens_usd: 0.00002
      price_per_1k_output_tokens_usd: 0.00008
      source: https://aws.amazon.com/bedrock/pricing/
"""
DEPLOYMENT = """
    provider: bedrock
    model_id: amazon.nova-nano-v1:0
"""


@pytest.fixture(autouse=True)
def shipped_catalog() -> Iterator[None]:
    yield
    overlay.activate(overlay.EMPTY)


def test_a_recorded_model_validates_and_is_in_every_catalog(tmp_path: Path) -> None:
    root = write_config(tmp_path, {"catalog/nova-nano.yaml": NEW_MODEL, "models/nano.yaml": DEPLOYMENT})
    loaded = load_validated(root)
    assert loaded.environment("dev").models["nano"].provider == "bedrock"
    assert loaded.catalog.files["nova-nano"] == root / "catalog" / "nova-nano.yaml"
    model = get_model("amazon.nova-nano-v1:0")
    assert model is not None and model.on_demand_regions == frozenset({"eu-west-1"})
    card = card_for_bedrock("amazon.nova-nano-v1:0")
    assert card is not None and card.id == "nova-nano" and card.context_window == 128000


def test_without_the_entry_the_model_is_unknown(tmp_path: Path) -> None:
    root = write_config(tmp_path, {"models/nano.yaml": DEPLOYMENT})
    with pytest.raises(ConfigError):
        load_validated(root)
    assert get_model("amazon.nova-nano-v1:0") is None


def test_loading_another_config_drops_the_previous_entries(tmp_path: Path) -> None:
    load_validated(write_config(tmp_path / "a", {"catalog/nova-nano.yaml": NEW_MODEL, "models/nano.yaml": DEPLOYMENT}))
    assert get_card("nova-nano") is not None
    load_validated(write_config(tmp_path / "b", {}))
    assert get_card("nova-nano") is None and get_model("amazon.nova-nano-v1:0") is None


@pytest.mark.parametrize(("edit", "where", "words"), [
    (("    commercial_use: allowed", "    commercial_use: sometimes"), "catalog/nova-nano.yaml:6:", "commercial_use"),
    (("    task: chat", "    task: chat\n    pricee: 1"), "catalog/nova-nano.yaml:4:", "unknown key 'pricee'"),
    (("      kind: text", "      kind: text\n      regoins: []"), "catalog/nova-nano.yaml:", "unknown key 'regoins'"),
])
def test_bad_entries_point_at_their_line(tmp_path: Path, edit: tuple[str, str], where: str, words: str) -> None:
    root = write_config(tmp_path, {"catalog/nova-nano.yaml": NEW_MODEL.replace(*edit)})
    with pytest.raises(ConfigError) as caught:
        load_validated(root)
    lines = [p.format(root) for p in caught.value.problems]
    assert any(line.startswith(where) and words in line for line in lines), lines


def test_file_names_must_be_catalog_ids(tmp_path: Path) -> None:
    root = write_config(tmp_path, {"catalog/Nova Nano.yaml": NEW_MODEL})
    with pytest.raises(ConfigError) as caught:
        load_validated(root)
    assert "not a catalog id" in caught.value.problems[0].message
