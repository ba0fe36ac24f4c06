#!/bin/bash
# The customization's conversion build (CodeBuild, arm64 Amazon Linux 2023), in two parts around
# the conversion command lines that fmkit.customize.gguf renders (the same lines `make
# test-customize` runs locally):
#
#   prepare  llama.cpp (the pinned build, cached in the artifact bucket) and the trained model
#   publish  upload the quantized GGUF (and its .sha256), answer the holdout with it and with the
#            served GGUF (same llama-server, same flags), write candidate.json
#
# Variables (project): BUCKET, STEM, QUANT, LLAMA_KEY, LLAMA_SDIST_URL, LLAMA_SDIST_SHA256,
# LLAMA_BUILD_SCRIPT, ANSWER_SCRIPT, SERVER_ARGS; (per run): RUN_PREFIX, GGUF_PREFIX,
# MODEL_ARTIFACT, SERVED_ARTIFACT (s3://… or hf://repo/file@revision), SERVED_SHA256; HF_TOKEN for a
# gated Hub model (from Secrets Manager).
set -euo pipefail
WORK="${WORK:-/tmp/fmkit}"
PORT=8090

prepare() {
  mkdir -p "$WORK/llama" "$WORK/model" "$WORK/out"
  if aws s3 cp --only-show-errors "s3://$BUCKET/$LLAMA_KEY" "$WORK/llama.tar.gz"; then
    tar -xzf "$WORK/llama.tar.gz" -C "$WORK/llama"
  else
    echo "fmkit: no cached llama.cpp build at s3://$BUCKET/$LLAMA_KEY: building it"
    dnf install -y -q cmake gcc-c++ >/dev/null
    OUT_DIR="$WORK/llama" ARM_ARCH="" bash "$LLAMA_BUILD_SCRIPT"
    tar -czf "$WORK/llama.tar.gz" -C "$WORK/llama" .
    aws s3 cp --only-show-errors "$WORK/llama.tar.gz" "s3://$BUCKET/$LLAMA_KEY"
  fi
  aws s3 cp --only-show-errors "$MODEL_ARTIFACT" "$WORK/model.tar.gz"
  tar -xzf "$WORK/model.tar.gz" -C "$WORK/model"
  test -f "$WORK/model/merged/config.json" || { echo "fmkit: the job wrote no merged model" >&2; exit 1; }
}

fetch_served() {
  local target="$1"
  case "$SERVED_ARTIFACT" in
    s3://*) aws s3 cp --only-show-errors "$SERVED_ARTIFACT" "$target" ;;
    hf://*)
      local spec="${SERVED_ARTIFACT#hf://}" repo file revision
      revision="${spec##*@}"; spec="${spec%@*}"; file="${spec#*/*/}"; repo="${spec%/"$file"}"
      local auth=()
      if [ -n "${HF_TOKEN:-}" ]; then auth=(-H "Authorization: Bearer $HF_TOKEN"); fi
      curl -fsSL --retry 5 "${auth[@]}" -o "$target" "https://huggingface.co/$repo/resolve/$revision/$file" ;;
    *) echo "fmkit: cannot fetch the served model $SERVED_ARTIFACT" >&2; exit 1 ;;
  esac
  if [ -n "${SERVED_SHA256:-}" ]; then
    echo "$SERVED_SHA256  $target" | sha256sum --check --status || {
      echo "fmkit: $SERVED_ARTIFACT is not the pinned GGUF (sha256 $SERVED_SHA256)" >&2; exit 1; }
  fi
}

answer_with() {
  local model="$1" out="$2" pid
  # shellcheck disable=SC2086 # SERVER_ARGS holds separate flags (rendered by the stack, no quoting needed)
  "$WORK/llama/bin/llama-server" --model "$model" --host 127.0.0.1 --port "$PORT" --no-webui $SERVER_ARGS \
    >"$out.server.log" 2>&1 &
  pid=$!
  python3 "$ANSWER_SCRIPT" "http://127.0.0.1:$PORT" "$WORK/holdout.jsonl" >"$out"
  kill "$pid"
  wait "$pid" || true
}

publish() {
  local file="$STEM.$QUANT.gguf" key version sha size
  key="$GGUF_PREFIX/$file"
  version="$(aws s3api put-object --bucket "$BUCKET" --key "$key" --body "$WORK/out/$file" \
    --query VersionId --output text)"
  aws s3 cp --only-show-errors "$WORK/out/$file.sha256" "s3://$BUCKET/$key.sha256"
  sha="$(cut -d' ' -f1 "$WORK/out/$file.sha256")"
  size="$(stat -c %s "$WORK/out/$file")"
  aws s3 cp --only-show-errors "s3://$BUCKET/$RUN_PREFIX/holdout.jsonl" "$WORK/holdout.jsonl"
  fetch_served "$WORK/served.gguf"
  answer_with "$WORK/out/$file" "$WORK/candidate.jsonl"
  answer_with "$WORK/served.gguf" "$WORK/served.jsonl"
  aws s3 cp --only-show-errors "$WORK/candidate.jsonl" "s3://$BUCKET/$RUN_PREFIX/answers/candidate.jsonl"
  aws s3 cp --only-show-errors "$WORK/served.jsonl" "s3://$BUCKET/$RUN_PREFIX/answers/served.jsonl"
  printf '{"uri": "s3://%s/%s", "version_id": "%s", "sha256": "%s", "size_bytes": %s}\n' \
    "$BUCKET" "$key" "$version" "$sha" "$size" >"$WORK/candidate.json"
  aws s3 cp --only-show-errors "$WORK/candidate.json" "s3://$BUCKET/$RUN_PREFIX/candidate.json"
}

case "${1:-}" in
  prepare) prepare ;;
  publish) publish ;;
  *) echo "usage: $0 prepare|publish" >&2; exit 2 ;;
esac
