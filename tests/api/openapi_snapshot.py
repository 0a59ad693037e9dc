"""The API's contract as a checked-in snapshot (tests/api/openapi.json), compared with the live OpenAPI
document so that a renamed schema shows as a renamed schema and nothing else.

The snapshot keeps, per operation (``"GET /api/v1/members/{id}"``), its operationId, parameters,
security, request body and answers, with each schema named; and each schema's content, without
titles, descriptions and summaries (wording, not contract). Compared:

- operations, with every schema name replaced by a fingerprint of its content (a Merkle hash
  through the references): the shape of every request and answer, blind to names;
- schema names, separately: a rename (same fingerprint, new name) is reported as ``old → new``.

Refresh after a deliberate change: ``UPDATE_SNAPSHOT=1 pytest tests/api/test_contract.py``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

SNAPSHOT = Path(__file__).with_name("openapi.json")
REF = "#/components/schemas/"
WORDING = {"title", "description", "summary", "tags", "example", "examples"}


def _strip(node, in_properties: bool = False):
    """``node`` without wording keys (a property may still be called ``description``)."""
    if isinstance(node, dict):
        return {
            k: _strip(v, in_properties=(k == "properties"))
            for k, v in node.items()
            if in_properties or k not in WORDING
        }
    if isinstance(node, list):
        return [_strip(v) for v in node]
    return node


def _ref_name(node) -> str | None:
    if isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith(REF):
        return node["$ref"][len(REF) :]
    return None


def contract(document: dict) -> dict:
    """What the snapshot keeps of an OpenAPI document."""
    operations = {}
    for path, item in document["paths"].items():
        for method, op in item.items():
            kept = {k: op[k] for k in ("operationId", "parameters", "requestBody", "responses", "security") if k in op}
            operations[f"{method.upper()} {path}"] = _strip(kept)
    schemas = {name: _strip(schema) for name, schema in document.get("components", {}).get("schemas", {}).items()}
    return {"operations": dict(sorted(operations.items())), "schemas": dict(sorted(schemas.items()))}


def fingerprints(schemas: dict) -> dict[str, str]:
    """``{schema name: hash of its content}``, references followed (a cycle hashes as ``<recursive>``)."""
    done: dict[str, str] = {}

    def resolve(node, stack):
        name = _ref_name(node)
        if name is not None:
            return {"$ref": of(name, stack)}
        if isinstance(node, dict):
            return {k: resolve(v, stack) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v, stack) for v in node]
        return node

    def of(name, stack=()):
        if name in stack:
            return "<recursive>"
        if name not in done:
            content = resolve(schemas.get(name, {"missing": name}), (*stack, name))
            done[name] = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:16]
        return done[name]

    for name in schemas:
        of(name)
    return done


def nameless(snapshot: dict) -> dict:
    """The operations with each schema name replaced by its content's fingerprint."""
    prints = fingerprints(snapshot["schemas"])

    def swap(node):
        name = _ref_name(node)
        if name is not None:
            return {"$ref": prints.get(name, f"missing {name}")}
        if isinstance(node, dict):
            return {k: swap(v) for k, v in node.items()}
        if isinstance(node, list):
            return [swap(v) for v in node]
        return node

    return swap(snapshot["operations"])


def renames(old: dict, new: dict) -> tuple[list[str], list[str], list[str]]:
    """``(renamed "A → B", removed, added)`` schema names between two snapshots."""
    old_prints, new_prints = fingerprints(old["schemas"]), fingerprints(new["schemas"])
    gone = sorted(set(old_prints) - set(new_prints))
    came = sorted(set(new_prints) - set(old_prints))
    by_print = {new_prints[n]: n for n in came}
    renamed = [f"{n} → {by_print[old_prints[n]]}" for n in gone if old_prints[n] in by_print]
    matched = {by_print[old_prints[n]] for n in gone if old_prints[n] in by_print}
    removed = [n for n in gone if old_prints[n] not in by_print]
    added = [n for n in came if n not in matched]
    return renamed, removed, added


def load() -> dict:
    return json.loads(SNAPSHOT.read_text(encoding="utf-8"))


def save(snapshot: dict) -> None:
    SNAPSHOT.write_text(json.dumps(snapshot, ensure_ascii=False, indent=1, sort_keys=False) + "\n", encoding="utf-8")
