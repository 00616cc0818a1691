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
    _add_handler_options(schema)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


_TEMPLATE = {"type": "string", "pattern": "\\{\\{", "description": "A template, rendered first."}


def _add_handler_options(schema: dict[str, Any]) -> None:
    """Each built-in handler's options, chosen by the target's ``handler`` value.

    Plugins keep the open ``TargetSpec``; a built-in name gets its own options (with their
    descriptions and defaults), so an editor completes them and flags a typo.  A value may
    be a template (``"{{ env.TIMEOUT }}"``), rendered before validation.
    """
    from seedrunner.handlers.registry import handler_options_schema

    defs = schema.setdefault("$defs", {})
    branches = []
    for name, options in handler_options_schema():
        sub = options.model_json_schema(by_alias=True, ref_template="#/$defs/{model}")
        defs.update(sub.pop("$defs", {}))
        props = sub.get("properties", {})
        for key, prop in list(props.items()):
            props[key] = prop if prop.get("type") == "string" else {"anyOf": [prop, _TEMPLATE]}
        props["handler"] = {"const": name, "description": f"The built-in '{name}' handler."}
        title = f"Handler_{name.replace('-', '_')}"
        defs[title] = _any_of(sub)
        branches.append(
            {
                "if": {"properties": {"handler": {"const": name}}, "required": ["handler"]},
                "then": {"$ref": f"#/$defs/{title}"},
            }
        )
    defs["TargetSpec"]["allOf"] = branches


def manifest_json_schema_text() -> str:
    return json.dumps(manifest_json_schema(), indent=2, sort_keys=False) + "\n"
