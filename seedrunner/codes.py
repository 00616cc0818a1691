"""Every problem code seedrunner prints, with its one meaning: the registry docs and tests read.

A code names a family of problems, not a message: the message says what is wrong in this
manifest, the hint how to fix it, and the code lets a script or a search find the family.
``tests/unit/test_codes.py`` fails when the package uses a code missing here, when a code
here is used nowhere, or when the README's table of codes differs from this one.
"""

from __future__ import annotations

CODES: dict[str, str] = {
    "SR-E000": "bad input of no more specific family",
    "SR-E001": "YAML syntax (or a character YAML does not allow)",
    "SR-E002": "a key written twice in one mapping",
    "SR-E003": "a YAML 1.1 surprise: a value YAML reads as another type (no, on, 012, 1:30)",
    "SR-E004": "a YAML tag (!!python/..., a custom tag)",
    "SR-E005": "a resource limit of the reader: aliases, nesting, size",
    "SR-E006": "no manifest there, or an empty or wrongly shaped document",
    "SR-E007": "extends: a manifest it names cannot be read, or extends loops",
    "SR-E008": "--set: a path or value the manifest cannot take",
    "SR-E009": "finding the manifest: pyproject.toml or seeds/ do not say which",
    "SR-E010": "an unknown key",
    "SR-E011": "a key's value of the wrong type or out of its bounds",
    "SR-E012": "a required key missing",
    "SR-E020": "a model, module, database or table that cannot be read or imported",
    "SR-E021": "a field the model does not have, or may not be given a value",
    "SR-E030": "a name or reference that does not resolve to something usable "
    "(dataset, target, table, key values)",
    "SR-E031": "an order that cannot be made: a cycle, a tree or a recursion with no way out",
    "SR-E040": "a Faker provider, its arguments, or a locale",
    "SR-E041": "a template: syntax, an unknown name, or a value it renders that does not fit",
    "SR-E042": "a demand the generators cannot meet (unique or distinct values, bounds, sizes)",
    "SR-E043": "a template or value refused by the sandbox",
    "SR-E044": "a value given or referenced that does not fit its field's type",
    "SR-E050": "an environment variable a template reads is not set",
    "SR-E060": "a target's options",
    "SR-E070": "a protected target, refused without --allow-protected",
    "SR-E080": "a target's state refuses a step: rows of another spec",
    "SR-E100": "a step failed while applying",
    "SR-E101": "the commit at the end of the run failed",
}


def meaning(code: str) -> str:
    """What ``code`` means ("" for an unknown code)."""
    return CODES.get(code, "")


__all__ = ["CODES", "meaning"]
