"""`--cache-ram` bounds the prompt cache, which otherwise grows with every distinct long prompt.

The memory-fit rule counts the configured cap; this checks the binary honours it, measured in the
same run against the uncapped server (resident memory from /proc, after the same prompts)."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from tests.serving.conftest import SUMMARY, ServerProcess, free_port, watch_health

PROMPTS = 5
# ~2k tokens each with this model's tokenizer (about 6.5 tokens per "word<i>x<n>"; ~21 KiB of cache per
# token), so each prompt fits the rendered command's per-slot context (context_size / parallel = 4096
# for the default config) and five of them grow an uncapped cache well past 4 x the cap.
WORDS_PER_PROMPT = 300


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def growth_after_distinct_prompts(server: ServerProcess, args: list[str], cache_mib: int, tmp_path: Path) -> float:
    """Resident-memory growth of a server started with `args` but `--cache-ram cache_mib`."""
    port = free_port()
    patched = list(args)
    patched[patched.index("--port") + 1] = str(port)
    patched[patched.index("--cache-ram") + 1] = str(cache_mib)
    binary = server.process.args[0] if isinstance(server.process.args, list) else str(server.process.args)
    log = (tmp_path / f"cache-{cache_mib}.log").open("wb")
    process = subprocess.Popen([str(binary), *patched], stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        assert watch_health(base, process, 120)[-1][0] == 200
        probe = ServerProcess(base, patched, process, Path(log.name))
        probe.request("/v1/chat/completions", body=_prompt(-1))
        time.sleep(0.5)
        before = rss_mib(process.pid)
        for index in range(PROMPTS):
            status, raw = probe.request("/v1/chat/completions", body=_prompt(index), timeout=300)
            assert status == 200, raw[:300]
        time.sleep(0.5)
        return rss_mib(process.pid) - before
    finally:
        process.terminate()
        process.wait(timeout=30)


def _prompt(index: int) -> bytes:
    text = " ".join(f"word{index}x{n}" for n in range(WORDS_PER_PROMPT))
    return json.dumps({"model": "any", "max_tokens": 1, "messages": [{"role": "user", "content": text}]}).encode()


def test_the_rendered_command_caps_the_prompt_cache(server: ServerProcess) -> None:
    assert "--cache-ram" in server.args
    assert int(server.args[server.args.index("--cache-ram") + 1]) >= 0


@pytest.mark.parametrize("cap_mib", [32])
def test_cache_ram_bounds_memory_growth(server: ServerProcess, tmp_path: Path, cap_mib: int) -> None:
    uncapped = growth_after_distinct_prompts(server, server.args, -1, tmp_path)
    capped = growth_after_distinct_prompts(server, server.args, cap_mib, tmp_path)
    SUMMARY["prompt cache"] = f"+{uncapped:.0f} MiB uncapped, +{capped:.0f} MiB at --cache-ram {cap_mib}"
    assert uncapped > 4 * cap_mib, f"the uncapped cache grew only {uncapped:.0f} MiB: prompts too short to tell"
    assert capped < cap_mib + 0.25 * uncapped, f"capped at {cap_mib} MiB it still grew {capped:.0f} MiB"
