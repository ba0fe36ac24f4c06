"""Every llama-server flag the kit renders or allows a config to add exists in the binary's --help.

llama.cpp renames and removes flags between releases (`--mlock`/`--no-mmap` became `--load-mode`);
an allow-listed flag the binary rejects would crash-loop the systemd unit after a version bump.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from fmkit.config.providers.graviton import ALLOWED_FLAGS, MANAGED_FLAGS
from tests.serving.conftest import ServerProcess

FLAG_RE = re.compile(r"(?<![\w-])(--?[a-zA-Z][a-zA-Z0-9-]*)")


@pytest.fixture(scope="module")
def help_flags(llama_server_binary: Path) -> set[str]:
    result = subprocess.run([str(llama_server_binary), "--help"], capture_output=True, text=True, check=False)
    flags = set(FLAG_RE.findall(result.stdout + result.stderr))
    assert "--model" in flags and "--port" in flags, "could not read the flags from --help"
    return flags


@pytest.mark.parametrize("flag", sorted(ALLOWED_FLAGS))
def test_allow_listed_flag_exists(help_flags: set[str], flag: str) -> None:
    assert flag in help_flags, f"{flag} is allow-listed but llama-server does not know it"


@pytest.mark.parametrize("flag", sorted(MANAGED_FLAGS))
def test_managed_flag_exists(help_flags: set[str], flag: str) -> None:
    assert flag in help_flags, f"{flag} is set by the kit but llama-server does not know it"


def test_every_rendered_flag_exists(help_flags: set[str], server: ServerProcess) -> None:
    rendered = [arg for arg in server.args if arg.startswith("-") and not re.fullmatch(r"-?\d+(\.\d+)?", arg)]
    assert rendered
    assert [flag for flag in rendered if flag not in help_flags] == []
