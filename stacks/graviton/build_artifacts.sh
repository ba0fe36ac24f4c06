#!/bin/bash
# fmkit deploy-time job (CodeBuild, arm64 Amazon Linux 2023 — the instances' OS and libc):
# build llama-server from a pinned llama.cpp tag for the target Graviton generation, and copy
# a Hugging Face GGUF once into the kit's model bucket. Objects that exist are not rebuilt.
set -euo pipefail
: "${BUCKET:?}" "${LLAMA_CPP_VERSION:?}" "${ARM_ARCH:?}" "${LLAMA_KEY:?}"
MODEL_KEY="${MODEL_KEY:-}"

exists() { aws s3api head-object --bucket "$BUCKET" --key "$1" >/dev/null 2>&1; }

if exists "$LLAMA_KEY"; then
  echo "s3://$BUCKET/$LLAMA_KEY exists: llama.cpp $LLAMA_CPP_VERSION already built for $ARM_ARCH"
else
  dnf install -y -q cmake gcc-c++ git tar gzip
  git clone --quiet --depth 1 --branch "$LLAMA_CPP_VERSION" https://github.com/ggml-org/llama.cpp.git src
  cmake -S src -B build -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
    -DGGML_NATIVE=OFF -DGGML_CPU_ARM_ARCH="$ARM_ARCH" -DGGML_OPENMP=OFF -DLLAMA_CURL=OFF \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=ON
  cmake --build build --config Release --target llama-server -j "$(nproc)"
  mkdir -p pkg/bin
  cp build/bin/llama-server pkg/bin/
  # Static llama/ggml, no OpenMP: only glibc and libstdc++ are needed, which every AL2023 AMI has.
  ldd pkg/bin/llama-server
  printf '%s %s\n' "$LLAMA_CPP_VERSION" "$ARM_ARCH" > pkg/VERSION
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
    aws s3 cp --only-show-errors model.gguf "s3://$BUCKET/$MODEL_KEY"
  fi
fi
