#!/usr/bin/env python3
"""`make bench`: the speed figures fmkit promises, each against its floor.

- synthesis: `make synth`'s synthesis step (`cdk synth` of every environment) vs an empty
  `cdk.App().synth()` in its own process — the fixed cost of Node + aws-cdk-lib that no app
  can beat. The ratio is what our constructs add.
- validation: `fmkit validate` on the default config (no CDK import; should stay well
  under a second).
- ingestion: documents/s and chunks/s through parse → chunk → embed → pgvector upsert vs
  a bulk COPY of the same vectors (bench/ingest_bench.py).

Timings are medians of several runs; speed targets live here, never in timed tests.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
BIN = Path(sys.executable).parent


def timed(command: list[str], runs: int, **kwargs: object) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, env=ENV, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, **kwargs)  # type: ignore[call-overload]
        samples.append(time.perf_counter() - started)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-ingest", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as out:
        synth = timed(["npx", "--no-install", "cdk", "synth", "--quiet", "--output", out], args.runs)
    empty_app = "import tempfile, aws_cdk; aws_cdk.App(outdir=tempfile.mkdtemp()).synth()"
    floor = timed([sys.executable, "-c", empty_app], args.runs)
    validate = timed([str(BIN / "fmkit"), "validate", "--config-dir", "model_configs"], max(args.runs, 5))

    synth_s, floor_s = statistics.median(synth), statistics.median(floor)
    print("== fmkit bench ==")
    print(f"synth (cdk synth, all environments) : {synth_s:6.2f} s  (median of {len(synth)})")
    print(f"floor (empty cdk.App().synth())      : {floor_s:6.2f} s  (median of {len(floor)})")
    print(f"synth / floor                        : {synth_s / floor_s:6.2f} x")
    validate_ms = statistics.median(validate) * 1000
    print(f"fmkit validate (default config)      : {validate_ms:6.0f} ms (median of {len(validate)})")
    ingest = ROOT / "bench" / "ingest_bench.py"
    if ingest.is_file() and not args.skip_ingest:
        print("-- ingestion --", flush=True)
        subprocess.run([sys.executable, str(ingest)], cwd=ROOT, env=ENV, check=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
