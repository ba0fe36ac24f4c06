"""Hosting facts SageMaker enforces at create time, known offline so validate/synth catch them.

Instance types with local NVMe instance storage reject a KMS key on the endpoint config
and a `VolumeSizeInGB` (their storage is encrypted by the instance's hardware module):
CreateEndpointConfig fails if either is set. Source: SageMaker API reference,
CreateEndpointConfig.KmsKeyId and ProductionVariant.VolumeSizeInGB (checked 2026-11-22).
"""

from __future__ import annotations

# Families whose instances come with NVMe instance storage (EC2 "Instance store volumes").
NVME_FAMILIES = frozenset({
    "g4dn", "g5", "g6", "g6e", "gr6", "p3dn", "p4d", "p4de", "p5", "p5e", "p5en",
    "c5d", "m5d", "r5d", "c6id", "m6id", "r6id", "m6gd", "c6gd", "r6gd", "trn1", "trn1n",
})
# Serving containers that only ship CUDA builds (TEI and llama.cpp also ship CPU builds).
GPU_ONLY_FRAMEWORKS = frozenset({"tgi", "lmi", "vllm"})


def family(instance_type: str) -> str:
    """`ml.g5.2xlarge` → `g5`."""
    parts = instance_type.split(".")
    return parts[1] if len(parts) == 3 and parts[0] == "ml" else ""


def has_local_nvme(instance_type: str) -> bool:
    return family(instance_type) in NVME_FAMILIES
