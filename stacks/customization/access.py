"""IAM statements scoped to a customization's data objects and its output prefixes.

Data lives in the project's own buckets (`data.train`, `data.validation`, `data.evaluation`):
readers get `s3:GetObject` on exactly those objects, and — where the reader lists them, as a
SageMaker S3Prefix channel does — `s3:ListBucket` only for that key prefix. Outputs go under
`customizations/<name>/` of the stack's artifact bucket, each writer to its own sub-prefixes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import IConstruct

from fmkit.customize.runs import customization_root


def split(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


def data_object_arn(scope: IConstruct, uri: str, *, prefix: bool = False) -> str:
    """ARN of a data object (`prefix`: and the keys it prefixes, as a SageMaker channel reads it)."""
    bucket, key = split(uri)
    return f"arn:{cdk.Stack.of(scope).partition}:s3:::{bucket}/{key}{'*' if prefix else ''}"


def read_data(scope: IConstruct, uris: Iterable[str], *, listing: bool = False) -> list[iam.PolicyStatement]:
    """GetObject on the data objects; with `listing`, ListBucket limited to their keys."""
    uris = sorted(set(uris))
    statements = [iam.PolicyStatement(actions=["s3:GetObject"],
                                      resources=[data_object_arn(scope, u, prefix=listing) for u in uris])]
    if listing:
        by_bucket: dict[str, list[str]] = {}
        for uri in uris:
            bucket, key = split(uri)
            by_bucket.setdefault(bucket, []).append(key)
        partition = cdk.Stack.of(scope).partition
        statements += [iam.PolicyStatement(actions=["s3:ListBucket"], resources=[f"arn:{partition}:s3:::{bucket}"],
                                           conditions={"StringLike": {"s3:prefix": [f"{k}*" for k in sorted(keys)]}})
                       for bucket, keys in sorted(by_bucket.items())]
    return statements


def output_arns(bucket: s3.IBucket, name: str, parts: Sequence[str]) -> list[str]:
    """Object ARNs under `customizations/<name>/<part>` (parts end with `*`)."""
    root = customization_root(name)
    return [bucket.arn_for_objects(f"{root}/{part}") for part in parts]


def read_write(bucket: s3.IBucket, name: str, *, read: Sequence[str] = (), write: Sequence[str] = (),
               list_prefixes: Sequence[str] = ()) -> list[iam.PolicyStatement]:
    """Exact object actions on sub-prefixes of one customization (no wildcards in actions)."""
    statements = []
    if read:
        statements.append(iam.PolicyStatement(actions=["s3:GetObject", "s3:GetObjectVersion"],
                                              resources=output_arns(bucket, name, read)))
    if write:
        statements.append(iam.PolicyStatement(actions=["s3:PutObject"], resources=output_arns(bucket, name, write)))
    if list_prefixes:
        root = customization_root(name)
        statements.append(iam.PolicyStatement(
            actions=["s3:ListBucket"], resources=[bucket.bucket_arn],
            conditions={"StringLike": {"s3:prefix": [f"{root}/{p}" for p in list_prefixes]}}))
    return statements


def use_key(key: kms.IKey, *, encrypt: bool = True) -> iam.PolicyStatement:
    """The platform key for objects in the artifact bucket (bucket keys: GenerateDataKey to write)."""
    actions = ["kms:Decrypt", *(["kms:GenerateDataKey"] if encrypt else [])]
    return iam.PolicyStatement(actions=actions, resources=[key.key_arn])
