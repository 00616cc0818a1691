"""The JSON Schema of the manifest format, generated from the pydantic models.

``schemas/manifest-v1.schema.json`` is this function's output; a test fails when the file
is stale, so editors (yaml-language-server) always validate against the real format.
Regenerate it with ``seedrunner schema > schemas/manifest-v1.schema.json``.
"""

from __future__ import annotations

import json
from typing import Any

from seedrunner.manifest.schema import ManifestSpec


def _any_of(node: Any) -> Any:
    """``oneOf`` -> ``anyOf`` throughout.

    The manifest's unions are told apart by callables, not by a property, and some members
    overlap in JSON terms (a template string is also a plain string); under ``oneOf`` an
    editor would reject ``status: active`` for matching two members.
    """
    if isinstance(node, dict):
        return {("anyOf" if k == "oneOf" else k): _any_of(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_any_of(v) for v in node]
    return node


def manifest_json_schema() -> dict[str, Any]:
    schema = _any_of(ManifestSpec.model_json_schema(mode="validation"))
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def manifest_json_schema_text() -> str:
    return json.dumps(manifest_json_schema(), indent=2, sort_keys=False) + "\n"
