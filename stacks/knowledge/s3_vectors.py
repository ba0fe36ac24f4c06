"""S3 Vectors: the cheapest store at rest; bucket and index are native CloudFormation types."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3vectors as s3vectors
from constructs import Construct

from stacks.knowledge.store import VectorStore, physical_name

# The pipeline keeps chunk text and section titles in metadata that is returned, not filtered
# on (filterable metadata is capped at 2 KB per vector); Bedrock KB writes its own two keys.
PIPELINE_NON_FILTERABLE = ("text", "section")
BEDROCK_NON_FILTERABLE = ("AMAZON_BEDROCK_TEXT", "AMAZON_BEDROCK_METADATA")


class S3VectorsStore(VectorStore):
    def __init__(self, scope: Construct, construct_id: str, *, name_parts: tuple[str, ...], dimensions: int,
                 key: kms.IKey, removal_policy: cdk.RemovalPolicy, for_bedrock: bool = False) -> None:
        super().__init__(scope, construct_id)
        self.key = key
        self.bucket_name = physical_name(*name_parts, max_length=63)
        self.index_name = "bedrock-chunks" if for_bedrock else "chunks"
        self.vector_bucket = s3vectors.CfnVectorBucket(
            self, "VectorBucket",
            vector_bucket_name=self.bucket_name,
            encryption_configuration=s3vectors.CfnVectorBucket.EncryptionConfigurationProperty(
                sse_type="aws:kms", kms_key_arn=key.key_arn),
        )
        self.vector_bucket.apply_removal_policy(removal_policy)
        self.index = s3vectors.CfnIndex(
            self, "Index",
            vector_bucket_name=self.bucket_name,
            index_name=self.index_name,
            data_type="float32",
            dimension=dimensions,
            distance_metric="cosine",
            metadata_configuration=s3vectors.CfnIndex.MetadataConfigurationProperty(
                non_filterable_metadata_keys=list(BEDROCK_NON_FILTERABLE if for_bedrock
                                                  else PIPELINE_NON_FILTERABLE)),
        )
        self.index.node.add_dependency(self.vector_bucket)
        self.index.apply_removal_policy(removal_policy)
        self.index_arn = self.index.attr_index_arn
        self.vector_bucket_arn = self.vector_bucket.attr_vector_bucket_arn
        self.settings = {"vector_bucket_name": self.bucket_name, "vector_index_name": self.index_name}
        # S3 Vectors indexes in the background with the bucket's key (S3 Vectors user guide,
        # "Using SSE-KMS"): allow its indexing service, for this account's vector buckets only.
        stack = cdk.Stack.of(self)
        key.add_to_resource_policy(iam.PolicyStatement(
            sid="AllowS3VectorsIndexing",
            principals=[iam.ServicePrincipal("indexing.s3vectors.amazonaws.com")],
            actions=["kms:Decrypt"],
            resources=["*"],  # in a key policy, "*" means this key
            conditions={"StringEquals": {"aws:SourceAccount": stack.account},
                        "ArnLike": {"aws:SourceArn": f"arn:{stack.partition}:s3vectors:{stack.region}:"
                                                     f"{stack.account}:bucket/*"}},
        ))

    def _grant(self, grantee: iam.IGrantable, actions: list[str]) -> None:
        grantee.grant_principal.add_to_principal_policy(iam.PolicyStatement(
            actions=[f"s3vectors:{a}" for a in actions], resources=[self.index_arn]))

    def grant_read_write(self, grantee: iam.IGrantable) -> None:
        self._grant(grantee, ["GetIndex", "PutVectors", "GetVectors", "DeleteVectors", "QueryVectors"])
        self.key.grant_encrypt_decrypt(grantee)

    def grant_read(self, grantee: iam.IGrantable) -> None:
        # QueryVectors returning metadata also needs GetVectors.
        self._grant(grantee, ["GetIndex", "GetVectors", "QueryVectors"])
        self.key.grant_decrypt(grantee)
