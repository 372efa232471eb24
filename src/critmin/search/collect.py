"""The records the matching engine indexes, read from a store's public view.

Runs in the process that makes the derived documents, once per dataset version: the
index is a derived document (`search.json`), never computed on a request. Three
queries (names, types, the few properties reconciliation can filter on), each a
plain SELECT that any SPARQL 1.1 engine answers, so the remote stores work too.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field

from critmin.rdf.namespaces import ID

INDEX_FORMAT = 2  # bump when the record layout changes; an older search.json is then remade

# Which statements give a resource a name to be found by, and what kind of name it is.
NAMES = f"""SELECT DISTINCT ?s ?kind ?text WHERE {{
  {{ ?s rdfs:label ?text BIND("label" AS ?kind) }} UNION
  {{ ?s skos:prefLabel ?text BIND("label" AS ?kind) }} UNION
  {{ ?s skos:altLabel ?text BIND("alt" AS ?kind) }} UNION
  {{ ?s dct:title ?text BIND("title" AS ?kind) }} UNION
  {{ ?s skos:notation ?text BIND("notation" AS ?kind) }} UNION
  {{ ?s cm:iso3166Alpha2 ?text BIND("notation" AS ?kind) }} UNION
  {{ ?s cm:elementSymbol ?text BIND("symbol" AS ?kind) }} UNION
  {{ ?s cm:element ?element . ?element cm:elementSymbol ?text BIND("symbol" AS ?kind) }} UNION
  {{ ?s cm:entryAsWritten ?text BIND("entry" AS ?kind) }} UNION
  {{ ?form cm:formOf ?s . ?form rdfs:label ?text BIND("form" AS ?kind) }}
  FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{ID}") && isLiteral(?text))
}}"""

TYPES = f"""SELECT DISTINCT ?s ?type WHERE {{
  ?s a ?type FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{ID}") && isIRI(?type))
}}"""

# The properties a reconciliation query may narrow candidates by (`pid` -> predicate),
# with the names by which a value may be given: its IRI, label, notation or code.
PROPERTIES = {
    "jurisdiction": "cm:jurisdiction",
    "publisher": "dct:publisher",
    "issued": "dct:issued",
    "list": "cm:inList",
    "listedIn": "cm:listedIn",
    "element": "cm:element",
    "denotes": "cm:denotes",
}
VALUES = f"""SELECT DISTINCT ?s ?pid ?value ?name WHERE {{
  VALUES (?p ?pid) {{ {" ".join(f'({p} "{k}")' for k, p in PROPERTIES.items())} }}
  ?s ?p ?value FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{ID}"))
  OPTIONAL {{ ?value rdfs:label|skos:notation|cm:iso3166Alpha2 ?name }}
}}"""

CLASS_NAMES = """SELECT DISTINCT ?class ?name WHERE {
  ?class a owl:Class ; rdfs:label ?name FILTER(isIRI(?class) && LANGMATCHES(LANG(?name), "en"))
}"""


@dataclass
class Record:
    """One resource as the engine sees it."""

    iri: str
    name: str = ""
    types: list[str] = field(default_factory=list)
    texts: list[tuple[str, str, str]] = field(default_factory=list)  # (text, kind, language)
    props: dict[str, list[str]] = field(default_factory=dict)


def _value(term) -> str:
    return term.value if term is not None else ""


def _language(term) -> str:
    return getattr(term, "language", None) or ""


def _name(texts: list[tuple[str, str, str]]) -> str:
    """The display name: an English label, else any label, title, notation."""
    for kinds, languages in ((("label",), ("en",)), (("label",), None), (("title",), None), (("notation",), None)):
        for text, kind, language in texts:
            if kind in kinds and (languages is None or language in languages):
                return text
    return ""


def collect(store) -> tuple[list[Record], dict[str, str]]:
    """The records of every resource in our namespace that has a name, and the English
    names of the ontology's classes. `store` is any store: its `query` sees the public
    graphs only."""
    records: dict[str, Record] = {}
    for row in store.query(NAMES):
        record = records.setdefault(row["s"].value, Record(row["s"].value))
        record.texts.append((row["text"].value, row["kind"].value, _language(row["text"])))
    for row in store.query(TYPES):
        if row["s"].value in records:
            records[row["s"].value].types.append(row["type"].value)
    values: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for row in store.query(VALUES):
        bucket = values[row["s"].value][row["pid"].value]
        bucket.update(v for v in (_value(row["value"]), _value(row["name"])) if v)
    for iri, props in values.items():
        if iri in records:
            records[iri].props = {pid: sorted(vs) for pid, vs in props.items()}
    for record in records.values():
        record.texts.sort()
        record.types.sort()
        record.name = _name(record.texts) or record.iri.rsplit("/", 1)[-1]
    classes = {row["class"].value: row["name"].value for row in store.query(CLASS_NAMES)}
    return sorted(records.values(), key=lambda r: r.iri), classes


def to_document(version: str, records: list[Record], classes: dict[str, str]) -> dict:
    return {"format": INDEX_FORMAT, "version": version, "classes": classes, "records": [asdict(r) for r in records]}


def from_document(document: dict) -> tuple[list[Record], dict[str, str]]:
    if document.get("format") != INDEX_FORMAT:
        raise ValueError(f"search index format {document.get('format')!r}, expected {INDEX_FORMAT}")
    records = [Record(r["iri"], r["name"], r["types"], [tuple(t) for t in r["texts"]], r["props"])
               for r in document["records"]]  # fmt: skip
    return records, document["classes"]
