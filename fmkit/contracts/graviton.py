"""What the Graviton stack and its artifact-build function agree on.

`lambda/graviton_artifacts` (the custom resource that starts the CodeBuild run and polls it)
has only the common function settings; the build's parameters travel as resource
properties.
"""

from __future__ import annotations

from fmkit.contracts.functions import FunctionSettings


class GravitonArtifactsSettings(FunctionSettings):
    """Environment of `lambda/graviton_artifacts` (on_event and is_complete)."""
