#!/bin/bash
# Build llama-server and llama-quantize from the llama.cpp tree vendored in a pinned
# llama-cpp-python sdist (PyPI, pinned by URL and sha256). One script for both places that
# build it: the deploy-time CodeBuild job (arm64 Amazon Linux 2023, ARM_ARCH set per Graviton
# generation) and `make test-serving` (this machine, portable x86/arm build), so the tests serve
# exactly the source the instances run.
#
#   LLAMA_SDIST_URL, LLAMA_SDIST_SHA256  the pin (fmkit/catalog/data/llama_cpp.json)
#   OUT_DIR                              receives bin/llama-server, bin/llama-quantize, share/, VERSION
#   ARM_ARCH                             -march for a Graviton generation; empty = portable build
#   JOBS                                 parallel compile jobs (default: every core)
set -euo pipefail
: "${LLAMA_SDIST_URL:?}" "${LLAMA_SDIST_SHA256:?}" "${OUT_DIR:?}"
ARM_ARCH="${ARM_ARCH:-}"
JOBS="${JOBS:-$(nproc)}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "llama-build: fetching $LLAMA_SDIST_URL"
curl -fsSL --retry 5 --retry-delay 5 -o "$work/sdist.tar.gz" "$LLAMA_SDIST_URL"
echo "$LLAMA_SDIST_SHA256  $work/sdist.tar.gz" | sha256sum --check --status || {
  echo "llama-build: sha256 of $LLAMA_SDIST_URL is not $LLAMA_SDIST_SHA256: refusing to build" >&2
  exit 1
}
tar -xzf "$work/sdist.tar.gz" -C "$work" --wildcards '*/vendor/llama.cpp/*'
src="$(find "$work" -mindepth 3 -maxdepth 3 -type d -path '*/vendor/llama.cpp' | head -n 1)"
test -f "$src/CMakeLists.txt"

flags=(-DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DGGML_OPENMP=OFF -DLLAMA_CURL=OFF
       -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=ON -DGGML_NATIVE=OFF)
if [ -n "$ARM_ARCH" ]; then flags+=(-DGGML_CPU_ARM_ARCH="$ARM_ARCH"); fi
cmake -S "$src" -B "$work/build" "${flags[@]}" >/dev/null
cmake --build "$work/build" --config Release --target llama-server llama-quantize -j "$JOBS"

mkdir -p "$OUT_DIR/bin" "$OUT_DIR/share/llama.cpp"
cp "$work/build/bin/llama-server" "$work/build/bin/llama-quantize" "$OUT_DIR/bin/"
# The converter, its model classes and its gguf library (Python) turn merged fine-tuned weights into GGUF.
cp "$src/convert_hf_to_gguf.py" "$OUT_DIR/share/llama.cpp/"
cp -r "$src/conversion" "$src/gguf-py" "$OUT_DIR/share/llama.cpp/"
printf '%s %s %s\n' "$LLAMA_SDIST_SHA256" "${ARM_ARCH:-portable}" "$(uname -m)" > "$OUT_DIR/VERSION"
# Static llama/ggml, no OpenMP: only glibc and libstdc++ are needed.
ldd "$OUT_DIR/bin/llama-server" || true
echo "llama-build: built $OUT_DIR/bin/llama-server"
