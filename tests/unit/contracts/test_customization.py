"""The customization contract: names, the pin format, the settings' round trip through the environment."""

from __future__ import annotations

import pytest

from fmkit.contracts.customization import (
    CustomizationSettings,
    format_pin,
    parse_pin,
    pin_parameter_name,
    served_parameter_name,
)

SHA = "a" * 64


def test_names_live_under_the_customization() -> None:
    assert pin_parameter_name("demo", "dev", "tuned") == "/fmkit/demo/dev/customizations/tuned/pin"
    assert served_parameter_name("demo", "dev", "tuned") == "/fmkit/demo/dev/customizations/tuned/served"


def test_pins_round_trip_and_refuse_what_a_stack_could_not_split() -> None:
    assert parse_pin(format_pin("s3://b/k.gguf", SHA)) == ("s3://b/k.gguf", SHA)
    assert parse_pin("initial") is None
    with pytest.raises(ValueError):
        format_pin("s3://b/a|b.gguf", SHA)
    with pytest.raises(ValueError):
        parse_pin("s3://b/k.gguf|short")


def test_settings_round_trip_through_the_environment() -> None:
    settings = CustomizationSettings(
        service_name="customize", project="demo", environment="dev", region="us-east-1", customization="tuned",
        kind="sagemaker-peft", bucket="bucket", train_uri="s3://d/t.jsonl", evaluation_uri="s3://d/h.jsonl",
        data_format="sagemaker", limits={"min_records": 8}, metric="rougeL", margin=0.02, alpha=0.05, min_items=30,
        served_parameter="/s", pin_parameter="/p", candidate_parameter="/c",
        topic_arn="arn:aws:sns:us-east-1:111111111111:t",
        deploy_command="npx cdk deploy", tags={"fmkit:project": "demo"}, base_model="hf://a/b/c.gguf@main|")
    environment = settings.to_environment()
    assert "FMKIT_VALIDATION_URI" not in environment  # None is left out, and parses back as None
    assert environment["FMKIT_DATA_LIMITS"] == '{"min_records": 8}'
    assert CustomizationSettings.from_environment({**environment, "OTHER": "x"}) == settings
