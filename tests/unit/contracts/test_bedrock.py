"""guardrail_arn: the kit's Bedrock callers send the guardrail's ARN, built from the id that
discovery publishes and the application inference profile's ARN."""

from __future__ import annotations

import pytest

from fmkit.contracts.bedrock import guardrail_arn

PROFILE = "arn:aws:bedrock:eu-west-1:111111111111:application-inference-profile/abc123"


def test_the_id_becomes_an_arn_in_the_profiles_account_and_region() -> None:
    assert guardrail_arn("gr1", sibling_arn=PROFILE) == "arn:aws:bedrock:eu-west-1:111111111111:guardrail/gr1"


def test_the_partition_is_kept() -> None:
    sibling = "arn:aws-cn:bedrock:cn-north-1:111111111111:application-inference-profile/x"
    assert guardrail_arn("gr1", sibling_arn=sibling) == "arn:aws-cn:bedrock:cn-north-1:111111111111:guardrail/gr1"


def test_an_arn_is_kept_as_it_is() -> None:
    arn = "arn:aws:bedrock:us-east-1:222222222222:guardrail/other"
    assert guardrail_arn(arn, sibling_arn=PROFILE) == arn


@pytest.mark.parametrize("sibling", ["amazon.nova-lite-v1:0", "arn:aws:bedrock:eu-west-1::foundation-model/m",
                                     "arn:aws:s3:::bucket", ""])
def test_without_an_account_scoped_bedrock_arn_the_id_stays(sibling: str) -> None:
    """The invoke policy accepts `<id>:<version>` as well, so the call is not denied."""
    assert guardrail_arn("gr1", sibling_arn=sibling) == "gr1"
