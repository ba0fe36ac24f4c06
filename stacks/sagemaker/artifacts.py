"""Where a deployment's weights come from and the container environment that points at them."""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk

from fmkit.catalog.jumpstart import artifact_uri, get_jumpstart_model
from fmkit.config.providers.sagemaker import SageMakerDeployment

# Where each serving container reads the model id (a Hub id or the local /opt/ml/model copy).
MODEL_ENV = {"tgi": "HF_MODEL_ID", "tei": "HF_MODEL_ID", "lmi": "HF_MODEL_ID", "vllm": "SM_VLLM_MODEL",
             "llama-cpp": "HF_MODEL_ID"}
LOCAL_MODEL_DIR = "/opt/ml/model"


@dataclass(frozen=True)
class ModelArtifacts:
    s3_uri: str | None  # None: weights come from the Hugging Face Hub at start
    compressed: bool  # a model.tar.gz (ModelDataUrl) rather than an uncompressed prefix
    accept_eula: bool
    environment: dict[str, str]

    @property
    def bucket(self) -> str | None:
        return self.s3_uri.removeprefix("s3://").split("/", 1)[0] if self.s3_uri else None

    @property
    def key_prefix(self) -> str:
        """Object key (or prefix) inside the bucket, for the least-privilege read policy."""
        if not self.s3_uri:
            return ""
        parts = self.s3_uri.removeprefix("s3://").split("/", 1)
        return parts[1] if len(parts) > 1 else ""


def model_artifacts(deployment: SageMakerDeployment, region: str) -> ModelArtifacts:
    """Artifacts and environment (without secrets) for `deployment` in `region`."""
    jumpstart = deployment.source.jumpstart
    if jumpstart is not None:
        entry = get_jumpstart_model(jumpstart.model_id)
        if entry is None:  # the sagemaker-jumpstart-model-known rule reports this first
            raise ValueError(f"unknown JumpStart model {jumpstart.model_id!r}")
        return ModelArtifacts(artifact_uri(entry, region), False, entry.eula_required, dict(entry.env))
    container = deployment.source.container
    assert container is not None
    env = {MODEL_ENV[container.framework]: container.hf_model_id or LOCAL_MODEL_DIR}
    env.update(container.env)
    uri = container.model_data_s3_uri
    return ModelArtifacts(uri, bool(uri and uri.endswith(".tar.gz")), False, env)


def secret_environment(deployment: SageMakerDeployment) -> dict[str, str]:
    """Secrets as CloudFormation dynamic references: resolved at deploy time, never in the template."""
    env = {}
    for name, ref in deployment.secrets.items():
        value = cdk.SecretValue.secrets_manager(ref.secret, json_field=ref.json_key)
        env[name] = value.unsafe_unwrap()  # a {{resolve:secretsmanager:…}} reference, not the value
    return env
