"""The query function: an IAM-auth URL, published for discovery."""

from __future__ import annotations

from aws_cdk.assertions import Match, Template


def test_query_url_uses_iam_auth_and_is_published(s3v: Template) -> None:
    s3v.has_resource_properties("AWS::Lambda::Url", {"AuthType": "AWS_IAM"})
    s3v.has_resource_properties("AWS::SSM::Parameter", {
        "Name": "/fmkit/fmkit-demo/dev/knowledge/docs/query",
        "Value": {"Fn::Join": ["", Match.array_with([Match.string_like_regexp('"function_url":')])]}})
