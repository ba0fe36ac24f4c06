from __future__ import annotations

from fmkit.catalog import bedrock
from fmkit.catalog.regions import all_regions

SONNET4 = "anthropic.claude-sonnet-4-20250514-v1:0"
HAIKU3 = "anthropic.claude-3-haiku-20240307-v1:0"
REQUIRED = [
    HAIKU3,
    "anthropic.claude-3-5-sonnet-20241022-v2:0",
    "anthropic.claude-3-7-sonnet-20250219-v1:0",
    SONNET4,
    "anthropic.claude-haiku-4-5-20251001-v1:0",
    "amazon.nova-micro-v1:0",
    "amazon.nova-lite-v1:0",
    "amazon.nova-pro-v1:0",
    "amazon.titan-embed-text-v2:0",
    "meta.llama3-1-8b-instruct-v1:0",
    "meta.llama3-1-70b-instruct-v1:0",
    "meta.llama3-2-1b-instruct-v1:0",
    "meta.llama3-2-3b-instruct-v1:0",
    "meta.llama3-3-70b-instruct-v1:0",
    "mistral.mistral-large-2402-v1:0",
    "mistral.mistral-small-2402-v1:0",
    "cohere.command-r-v1:0",
    "cohere.command-r-plus-v1:0",
    "cohere.embed-english-v3",
    "cohere.embed-multilingual-v3",
]


def test_required_models_present_and_typed() -> None:
    models = bedrock.all_models()
    for mid in REQUIRED:
        m = models[mid]
        assert m.model_id == mid
        assert m.kind in ("text", "embedding")
        assert m.context_window > 0
        assert m.price_per_1k_input_tokens_usd > 0
        assert m.source
        if m.kind == "embedding":
            assert m.embedding_dimensions
        assert bedrock.regions_for(m), mid


def test_profile_ids_follow_geo_prefix_and_regions_are_known() -> None:
    known = set(all_regions())
    for m in bedrock.all_models().values():
        assert m.on_demand_regions <= known, m.model_id
        for geo, p in m.inference_profiles.items():
            assert p.profile_id == f"{geo}.{m.model_id}"
            assert p.source_regions <= known
            assert p.destination_regions <= known
            assert p.source_regions


def test_system_profile_us_and_eu() -> None:
    us = bedrock.system_profile(SONNET4, "us", "us-east-1")
    assert us is not None
    assert us.profile_id == "us.anthropic.claude-sonnet-4-20250514-v1:0"
    assert {"us-east-1", "us-west-2"} <= us.destination_regions
    assert all(r.startswith("us-") for r in us.destination_regions)
    eu = bedrock.system_profile(SONNET4, "eu", "eu-west-1")
    assert eu is not None and eu.profile_id.startswith("eu.")
    assert all(r.startswith("eu-") for r in eu.destination_regions)


def test_system_profile_none_outside_source_regions() -> None:
    assert bedrock.system_profile(SONNET4, "us", "eu-west-1") is None
    assert bedrock.system_profile(SONNET4, "xx", "us-east-1") is None
    assert bedrock.system_profile("nope", "us", "us-east-1") is None


def test_destinations_depend_on_source_where_documented() -> None:
    from_west = bedrock.system_profile(HAIKU3, "us", "us-west-2")
    from_ohio = bedrock.system_profile(HAIKU3, "us", "us-east-2")
    assert from_west is not None and from_ohio is not None
    assert from_west.destination_regions == {"us-east-1", "us-west-2"}
    assert "us-east-2" in from_ohio.destination_regions


def test_global_profile_routes_to_all_commercial_regions() -> None:
    g = bedrock.system_profile(SONNET4, "global", "us-east-1")
    assert g is not None and g.destination_regions == set(all_regions())


def test_profile_only_models() -> None:
    assert bedrock.get_model(SONNET4).profile_only  # type: ignore[union-attr]
    assert not bedrock.get_model(HAIKU3).profile_only  # type: ignore[union-attr]
    assert "us-east-1" in bedrock.regions_for(SONNET4)


def test_get_model_accepts_profile_id() -> None:
    m = bedrock.get_model("eu.anthropic.claude-sonnet-4-20250514-v1:0")
    assert m is not None and m.model_id == SONNET4


def test_suggestions() -> None:
    assert SONNET4 in bedrock.suggest_model_ids("anthropic.claude-sonet-4-20250514-v1:0")
    assert "amazon.nova-lite-v1:0" in bedrock.suggest_model_ids("amazon.nova-lite-v1")
    assert bedrock.suggest_model_ids("zzzzzzzz") == []


def test_geo_for_region() -> None:
    assert bedrock.geo_for_region("us-west-2") == "us"
    assert bedrock.geo_for_region("eu-central-1") == "eu"
    assert bedrock.geo_for_region("ap-northeast-1") == "apac"


def test_arns() -> None:
    assert (
        bedrock.foundation_model_arn(HAIKU3, "us-east-1")
        == "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"
    )
    assert (
        bedrock.inference_profile_arn("us.x", "us-west-2", "123456789012")
        == "arn:aws:bedrock:us-west-2:123456789012:inference-profile/us.x"
    )


def test_geo_profile_premium_for_claude_45_family() -> None:
    p = bedrock.system_profile("anthropic.claude-haiku-4-5-20251001-v1:0", "eu", "eu-west-1")
    assert p is not None and p.price_multiplier == 1.1
