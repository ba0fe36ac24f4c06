"""Deep merge of environment overlays: maps merge recursively, lists and scalars replace.

Positions follow the values: a merged value points at the file that set it, so an
error in a value an environment overrides is reported at the environment file's line.
"""

from __future__ import annotations

from typing import Any

from fmkit.config.yaml_source import DocPath, SourceMap


def deep_merge(base: Any, overlay: Any, path: DocPath, smap: SourceMap, overlay_smap: SourceMap) -> Any:
    """Return base ⊕ overlay (new objects; inputs untouched) and update `smap` in place."""
    if isinstance(base, dict) and isinstance(overlay, dict):
        merged = dict(base)
        for key, value in overlay.items():
            child = (*path, key)
            if key in base:
                merged[key] = deep_merge(base[key], value, child, smap, overlay_smap)
                if child in overlay_smap.keys:
                    smap.keys[child] = overlay_smap.keys[child]
            else:
                merged[key] = value
                smap.replace_subtree(child, overlay_smap.subtree(child))
        return merged
    smap.replace_subtree(path, overlay_smap.subtree(path))
    return overlay
