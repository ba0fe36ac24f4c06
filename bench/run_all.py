#!/usr/bin/env python3
"""`make bench`: the four speed and size figures fmkit promises, each against its floor.

Every figure is a ratio to a floor measured in the same run, on the same machine, so a loaded
or slow machine moves both sides: timings are the best of `--runs` (interleaved with the
floor's runs), and the machine's core count and load average are printed with them.

| figure | floor | bar | goal |
|---|---|---|---|
| `python app.py`, every environment, fresh output dir | empty `cdk.App().synth()`, own process | 2.5x | 1.5x |
| `fmkit validate` on the default config | `python -c "import pydantic, ruamel.yaml, typer"` | 6x | 3x |
| largest Lambda asset, unzipped (code or layer) | the largest single distribution any function ships | 80 MB | 40 MB |
| bulk load of 1,000 documents into pgvector | `COPY` of the same rows + one `CREATE INDEX` | 2x | 1.5x |

Speed targets live here, never in timed tests.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ENV = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
BIN = Path(sys.executable).parent
EMPTY_APP = "import tempfile, aws_cdk; aws_cdk.App(outdir=tempfile.mkdtemp()).synth()"
IMPORT_FLOOR = "import pydantic, ruamel.yaml, typer"


def run(command: list[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env or ENV, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def best_of(runs: int, measured: Callable[[], float], floor: Callable[[], float]) -> tuple[float, float]:
    """Best of `runs` for both, interleaved so load spikes hit both sides alike."""
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        samples[0].append(measured())
        samples[1].append(floor())
    return min(samples[0]), min(samples[1])


def synth_once() -> float:
    with tempfile.TemporaryDirectory(prefix="bench-synth-") as out:
        return run([sys.executable, "app.py"], env={**ENV, "CDK_OUTDIR": out})


def line(name: str, value: str, floor: str, ratio: float, bar: float, goal: float) -> None:
    verdict = "goal" if ratio <= goal else ("bar" if ratio <= bar else "OVER BAR")
    print(f"{name:<34} {value:>10}  floor {floor:>10}  = {ratio:5.2f}x  (bar {bar}x, goal {goal}x: {verdict})",
          flush=True)


def bench_synth(runs: int) -> None:
    synth_once()  # builds the bundle cache (build/lambda-bundles) if a lock or a function changed
    synth, floor = best_of(runs, synth_once, lambda: run([sys.executable, "-c", EMPTY_APP]))
    line("synth: python app.py, all envs", f"{synth:.2f} s", f"{floor:.2f} s", synth / floor, 2.5, 1.5)


def bench_validate(runs: int) -> None:
    validate = [str(BIN / "fmkit"), "validate", "--config-dir", "model_configs"]
    measured, floor = best_of(runs, lambda: run(validate), lambda: run([sys.executable, "-c", IMPORT_FLOOR]))
    line("fmkit validate (default config)", f"{measured * 1000:.0f} ms", f"{floor * 1000:.0f} ms",
         measured / floor, 6, 3)


def bench_assets() -> None:
    from stacks.common.lambda_bundles import code_bundle, layers_for, unzipped_bytes
    from stacks.common.lambda_layout import LAMBDA_ROOT

    sizes: dict[str, tuple[str, int]] = {}  # asset hash -> (what, unzipped bytes)
    largest_distribution = 0
    for folder in sorted(p for p in LAMBDA_ROOT.iterdir() if p.is_dir() and any(p.glob("*.py"))):
        code_hash, code_zip = code_bundle(folder.name, (), ("fmkit.contracts",))
        sizes[code_hash] = (f"code of {folder.name}", unzipped_bytes(code_zip))
        for layer in layers_for(folder.name):
            sizes[layer.hash] = (f"layer {layer.description()[:60]}", unzipped_bytes(layer.bundle()))
            largest_distribution = max([largest_distribution, *(p.installed_bytes() or 0 for p in layer.pins)])
    name, largest = max(sizes.values(), key=lambda item: item[1])
    total = sum(size for _, size in sizes.values())
    verdict = "goal" if largest <= 40e6 else ("bar" if largest <= 80e6 else "OVER BAR")
    print(f"{'largest Lambda asset, unzipped':<34} {largest / 1e6:>7.1f} MB  floor "
          f"{largest_distribution / 1e6:>7.1f} MB  = {largest / largest_distribution:5.2f}x  "
          f"(bar 80 MB, goal 40 MB: {verdict})")
    print(f"{'':<34} largest: {name}; floor: the largest single distribution shipped; "
          f"{len(sizes)} distinct assets, {total / 1e6:.1f} MB in all", flush=True)


def bench_ingest(docs: int) -> None:
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "ingest_bench.py"), "--bulk-only", "--docs",
                           str(docs)], cwd=ROOT, env=ENV, check=True, capture_output=True, text=True)
    figures = dict(re.findall(r"(\w+)=([\d.]+)", done.stdout.splitlines()[-1]))
    line(f"bulk load, {docs} docs (pgvector)", f"{float(figures['bulk_s']):.2f} s",
         f"{float(figures['floor_s']):.2f} s", float(figures["ratio_bulk"]), 2, 1.5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--only", choices=("synth", "validate", "assets", "ingest"), action="append")
    args = parser.parse_args()
    only = set(args.only or ("synth", "validate", "assets", "ingest"))
    print(f"== fmkit bench: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} "
          f"(best of {args.runs}, each against its floor measured in this run) ==", flush=True)
    if "synth" in only:
        bench_synth(args.runs)
    if "validate" in only:
        bench_validate(args.runs)
    if "assets" in only:
        bench_assets()
    if "ingest" in only:
        bench_ingest(args.docs)
    print(f"== load average at the end: {os.getloadavg()[0]:.2f} ==")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
