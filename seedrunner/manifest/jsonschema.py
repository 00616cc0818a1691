"""The JSON Schema of the manifest format, generated from the pydantic models.

``schemas/manifest-v1.schema.json`` is this function's output; a test fails when the file
is stale, so editors (yaml-language-server) always validate against the real format.
"""

from __future__ import annotations

import json
from typing import Any

from seedrunner.manifest.schema import ManifestSpec


def manifest_json_schema() -> dict[str, Any]:
    schema = ManifestSpec.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def manifest_json_schema_text() -> str:
    return json.dumps(manifest_json_schema(), indent=2, sort_keys=False) + "\n"
