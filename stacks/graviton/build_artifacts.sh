#!/bin/bash
# fmkit deploy-time job (CodeBuild, arm64 Amazon Linux 2023 — the instances' OS and libc):
# build llama-server for the target Graviton generation with the shared build script
# (llama_build.sh: the llama.cpp tree of a pinned llama-cpp-python sdist, checked by sha256), and
# copy a Hugging Face GGUF once into the kit's model bucket, checked by its pinned sha256.
# Objects that exist are not rebuilt: their keys carry the pins, so a new pin is a new object.
# The build role may read and write exactly these objects, nothing else in the bucket.
set -euo pipefail
: "${BUCKET:?}" "${LLAMA_CPP_VERSION:?}" "${LLAMA_SDIST_URL:?}" "${LLAMA_SDIST_SHA256:?}" "${ARM_ARCH:?}"
: "${LLAMA_KEY:?}" "${LLAMA_BUILD_SCRIPT:?}"
MODEL_KEY="${MODEL_KEY:-}"
MODEL_SHA256="${MODEL_SHA256:-}"

exists() { aws s3api head-object --bucket "$BUCKET" --key "$1" >/dev/null 2>&1; }

if exists "$LLAMA_KEY"; then
  echo "s3://$BUCKET/$LLAMA_KEY exists: llama.cpp $LLAMA_CPP_VERSION already built for $ARM_ARCH"
else
  dnf install -y -q cmake gcc-c++ tar gzip
  LLAMA_SDIST_URL="$LLAMA_SDIST_URL" LLAMA_SDIST_SHA256="$LLAMA_SDIST_SHA256" ARM_ARCH="$ARM_ARCH" \
    OUT_DIR="$PWD/pkg" JOBS="$(nproc)" bash "$LLAMA_BUILD_SCRIPT"
  tar -czf llama-cpp.tar.gz -C pkg bin VERSION
  aws s3 cp --only-show-errors llama-cpp.tar.gz "s3://$BUCKET/$LLAMA_KEY"
fi

if [ -n "$MODEL_KEY" ]; then
  if exists "$MODEL_KEY"; then
    echo "s3://$BUCKET/$MODEL_KEY exists: not downloading again"
  else
    : "${HF_REPO:?}" "${HF_FILE:?}" "${HF_REVISION:?}"
    auth=()
    if [ -n "${HF_TOKEN:-}" ]; then auth=(-H "Authorization: Bearer $HF_TOKEN"); fi
    curl -fsSL --retry 5 --retry-delay 10 "${auth[@]}" -o model.gguf \
      "https://huggingface.co/$HF_REPO/resolve/$HF_REVISION/$HF_FILE"
    if [ "$(head -c 4 model.gguf)" != "GGUF" ]; then
      echo "$HF_REPO/$HF_FILE@$HF_REVISION is not a GGUF file" >&2
      exit 1
    fi
    digest="$(sha256sum model.gguf | cut -d ' ' -f 1)"
    if [ -z "$MODEL_SHA256" ]; then
      echo "$HF_REPO/$HF_FILE@$HF_REVISION has sha256 $digest (not pinned: set model.sha256 to pin it)"
    elif [ "$digest" != "$MODEL_SHA256" ]; then
      echo "$HF_REPO/$HF_FILE@$HF_REVISION has sha256 $digest, not the pinned $MODEL_SHA256: refusing it" >&2
      exit 1
    fi
    aws s3 cp --only-show-errors model.gguf "s3://$BUCKET/$MODEL_KEY"
  fi
fi
