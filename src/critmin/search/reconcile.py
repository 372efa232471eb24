"""The Reconciliation Service API 0.2 (W3C Entity Reconciliation CG) on the engine.

No HTTP here: `web/search_routes.py` reads the requests and writes the replies.
Identifiers are paths under the instance namespace (`mineral/lithium`): the manifest's
`identifierSpace` plus the id is the IRI, and its `view` URL is the entity page.

Types and properties this service does not know select no candidates (the query
is valid in the protocol, so it gets an answer, an empty one).

Bounds: a batch holds at most MAX_BATCH queries (else 413), a query at most
MAX_CANDIDATES candidates; a query's text is matched on its first 200 characters.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import jsonschema

from critmin.errors import RequestError
from critmin.rdf.namespaces import ID, ONTOLOGY_IRI
from critmin.search.collect import PROPERTIES, Record
from critmin.search.engine import TYPE_KEYS, Hit, SearchIndex, is_sure, resolve_type
from critmin.search.text import normalize

MAX_BATCH = 1000
MAX_CANDIDATES = 25
DEFAULT_CANDIDATES = 5
TYPE_OF_KEY = {iri: key for key, iri in TYPE_KEYS.items()}
PROPERTY_NAMES = {
    "jurisdiction": "jurisdiction (a list's country: code, name or IRI)",
    "publisher": "publisher (name or IRI)",
    "issued": "date issued (YYYY or YYYY-MM-DD)",
    "list": "list of an entry (notation, name or IRI)",
    "listedIn": "list a commodity is on (notation, name or IRI)",
    "element": "chemical element of a commodity (name, symbol or IRI)",
    "denotes": "the commodity a list entry denotes (name or IRI)",
}


class ReconcileError(RequestError):
    """A request the protocol does not allow."""


@lru_cache(maxsize=1)
def _batch_validator() -> jsonschema.Draft7Validator:
    schema = json.loads((Path(__file__).parent / "schemas" / "reconciliation-query-batch.json").read_text())
    return jsonschema.Draft7Validator(schema)


def entity_id(iri: str) -> str:
    return iri.removeprefix(str(ID))


def entity_iri(identifier: str) -> str:
    return identifier if identifier.startswith(("http://", "https://")) else f"{ID}{identifier}"


def type_entry(index: SearchIndex, iri: str) -> dict[str, str]:
    return {"id": TYPE_OF_KEY.get(iri, iri), "name": index.type_name(iri)}


def manifest(base_url: str, service_version: str) -> dict:
    return {
        "versions": ["0.2"],
        "name": "critmin: critical minerals knowledge graph",
        "identifierSpace": str(ID),
        "schemaSpace": ONTOLOGY_IRI + "#",
        "documentation": f"{base_url}/reconcile/docs",
        "serviceVersion": service_version,
        "view": {"url": f"{base_url}/id/{{{{id}}}}"},
        "preview": {"url": f"{base_url}/reconcile/preview?id={{{{id}}}}", "width": 420, "height": 160},
        "defaultTypes": [{"id": "commodity", "name": "commodity"}],
        "suggest": {
            kind: {"service_url": base_url, "service_path": f"/reconcile/suggest/{kind}"}
            for kind in ("entity", "type", "property")
        },
    }


def parse_batch(text: str) -> dict[str, dict]:
    """The `queries` parameter: JSON that the 0.2 query batch schema accepts."""
    try:
        batch = json.loads(text)
    except ValueError as error:
        raise ReconcileError(f"queries is not JSON: {error}") from None
    if isinstance(batch, dict) and len(batch) > MAX_BATCH:
        raise ReconcileError(f"a batch holds at most {MAX_BATCH} queries; this one has {len(batch)}", 413)
    problem = next(iter(sorted(_batch_validator().iter_errors(batch), key=lambda e: list(e.path))), None)
    if problem is not None:
        where = "/".join(str(p) for p in problem.path) or "the batch"
        raise ReconcileError(f"queries does not follow the Reconciliation API 0.2 schema at {where}: {problem.message}")
    return batch


def _wanted(values) -> list[str]:
    values = values if isinstance(values, list) else [values]
    return [str(v["id"]) if isinstance(v, dict) else str(v) for v in values]


def _has(record: Record, pid: str, wanted: list[str]) -> bool:
    held = record.props.get(pid, [])
    if pid not in PROPERTIES:
        return False
    folded = {normalize(v) for v in held} | {normalize(entity_id(v)) for v in held}
    return any(normalize(w) in folded or normalize(entity_iri(w)) in folded or
               any(h.startswith(w) for h in held if pid == "issued") for w in wanted)  # fmt: skip


def _filters(query: dict) -> list[tuple[str, list[str]]]:
    """The property filters; a property we do not have matches no candidate."""
    return [(prop["pid"], _wanted(prop["v"])) for prop in query.get("properties", [])]


def _types(query: dict) -> list[str]:
    """The classes a query asks for; a type we do not know selects nothing."""
    given = query.get("type")
    values = [given] if isinstance(given, str) else given or []
    return [resolve_type(value) or f"unknown:{value}" for value in values]


def candidate(index: SearchIndex, hit: Hit, match: bool) -> dict:
    record = hit.record
    described = f"{index.main_type(record)}; matched {hit.kind} “{hit.matched}”"
    return {"id": entity_id(record.iri), "name": record.name, "description": described, "score": hit.score,
            "match": match, "type": [type_entry(index, t) for t in record.types if t in TYPE_OF_KEY]}  # fmt: skip


def answer(index: SearchIndex, query: dict) -> dict:
    """The candidates of one query: matched by name, narrowed by type and properties."""
    limit = max(1, min(int(query.get("limit") or DEFAULT_CANDIDATES), MAX_CANDIDATES))
    types, filters = _types(query), _filters(query)
    text = query.get("query", "")
    if text.strip():
        hits = index.search(text, types=types, limit=len(index.records))
    else:  # properties alone: every resource of the type that has them
        pool = [r for r in index.records if not types or set(types) & set(r.types)]
        hits = [Hit(r, 100.0, r.name, "properties") for r in pool]
    hits = [h for h in hits if all(_has(h.record, pid, wanted) for pid, wanted in filters)][:limit]
    sure = is_sure(hits) if text.strip() else len(hits) == 1
    return {"result": [candidate(index, h, sure and i == 0) for i, h in enumerate(hits)]}


def reconcile(index: SearchIndex, batch: dict[str, dict]) -> dict[str, dict]:
    return {key: answer(index, query) for key, query in batch.items()}


def suggest_entities(index: SearchIndex, prefix: str, type_value: str | None, cursor: int = 0) -> dict:
    types = [resolve_type(type_value)] if type_value and resolve_type(type_value) else None
    hits = index.search(prefix, types=types, limit=cursor + 10)[cursor:]
    return {"result": [{"id": entity_id(h.record.iri), "name": h.record.name,
                        "description": f"matched {h.kind} “{h.matched}”",
                        "notable": [type_entry(index, t) for t in h.record.types if t in TYPE_OF_KEY]}
                       for h in hits]}  # fmt: skip


def _starts(prefix: str, *names: str) -> bool:
    wanted = normalize(prefix)
    return not wanted or any(normalize(n).startswith(wanted) for n in names)


def suggest_types(index: SearchIndex, prefix: str) -> dict:
    return {"result": [type_entry(index, iri) for key, iri in TYPE_KEYS.items()
                       if _starts(prefix, key, index.type_name(iri))]}  # fmt: skip


def suggest_properties(prefix: str) -> dict:
    return {"result": [{"id": pid, "name": name} for pid, name in PROPERTY_NAMES.items() if _starts(prefix, pid, name)]}
