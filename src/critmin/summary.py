"""What the dataset is, in numbers: the release, the content version and counts of
what researchers look for. Made with the derived documents (once per dataset version)
and shown on the home page, the dataset page and the citation."""

from __future__ import annotations

from critmin.rdf.namespaces import CM, DATASET_IRI, META_GRAPH

COUNTS = {
    "lists": CM.CriticalMineralList,
    "entries": CM.ListEntry,
    "commodities": CM.Commodity,
    "countries": CM.Country,
    "sources": CM.SourceDocument,
    "supply relations": CM.SupplyRelation,
    "technology uses": CM.TechnologyUse,
}
COUNT_QUERY = (
    "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {{ VALUES ?class {{ {classes} }} ?s a ?class }} GROUP BY ?class"
)
RELEASE_QUERY = f"""SELECT ?release ?issued WHERE {{ GRAPH <{META_GRAPH}> {{
  <{DATASET_IRI}> cm:releaseVersion ?release OPTIONAL {{ <{DATASET_IRI}> dct:issued ?issued }} }} }}"""
TITLE = "critmin: a knowledge graph of critical minerals"
AUTHORS = "The critmin maintainers"


def summarize(store, triples: int, modified: str | None) -> dict:
    classes = " ".join(f"<{c}>" for c in COUNTS.values())
    found = {row["class"].value: int(row["n"].value) for row in store.query(COUNT_QUERY.format(classes=classes))}
    rows = list(store.query(RELEASE_QUERY, named_graphs=[str(META_GRAPH)], default_graphs=["urn:critmin:empty"]))
    first = rows[0] if rows else None
    return {
        "release": first["release"].value if first else "unreleased",
        "issued": first["issued"].value if first and first["issued"] is not None else None,
        "version": store.dataset_version() or "unversioned",
        "modified": modified,
        "triples": triples,
        "counts": {name: found.get(str(cls), 0) for name, cls in COUNTS.items()},
    }


def citation(summary: dict, base_url: str) -> str:
    """The text to cite: authors, year, title, release and content version, IRI, licence."""
    year = (summary.get("modified") or "")[:4] or "n.d."
    return (f"{AUTHORS} ({year}). {TITLE}, release {summary.get('release', 'unreleased')} "
            f"(content version {summary.get('version', 'unversioned')}). https://w3id.org/critmin/id/dataset "
            f"(served at {base_url}/). Licence: CC BY 4.0.")  # fmt: skip
