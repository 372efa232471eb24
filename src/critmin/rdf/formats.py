"""The one format table: every RDF and SPARQL-results format critmin reads or writes,
with its media type, file suffix, name for people, pyoxigraph and rdflib names, the
query forms it serves, and the other media types clients use for it.

Negotiation, the result writers, the readers (uploads, data files), the CLI, dumps,
the linked-data views and the DCAT-AP description all take their tables from here;
to add a format, add a row.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox


@dataclass(frozen=True)
class Format:
    key: str  # the `format=` value and the CLI name
    media_type: str
    suffix: str  # file suffix and linked-data URL suffix
    name: str  # for people
    oxigraph: ox.RdfFormat | ox.QueryResultsFormat | None
    rdflib: str | None  # rdflib's serializer name (documents with prefixes)
    serves: tuple[str, ...]  # "graph" (CONSTRUCT/DESCRIBE), "solutions" (SELECT), "boolean" (ASK)
    quads: bool = False  # holds named graphs
    aliases: tuple[str, ...] = ()  # other media types accepted as this format
    eu_file_type: str | None = None  # the EU file-type authority's code (DCAT-AP)


RDF = (
    Format("turtle", "text/turtle", "ttl", "Turtle", ox.RdfFormat.TURTLE, "turtle", ("graph",),
           aliases=("application/x-turtle",), eu_file_type="RDF_TURTLE"),
    Format("ntriples", "application/n-triples", "nt", "N-Triples", ox.RdfFormat.N_TRIPLES, "nt", ("graph",),
           aliases=("text/plain",), eu_file_type="RDF_N_TRIPLES"),
    Format("jsonld", "application/ld+json", "jsonld", "JSON-LD", ox.RdfFormat.JSON_LD, "json-ld", ("graph",),
           aliases=("application/json",)),
    Format("rdfxml", "application/rdf+xml", "rdf", "RDF/XML", ox.RdfFormat.RDF_XML, "xml", ("graph",),
           aliases=("application/xml",)),
    Format("trig", "application/trig", "trig", "TriG", ox.RdfFormat.TRIG, "trig", ("graph",), quads=True),
    Format("nquads", "application/n-quads", "nq", "N-Quads", ox.RdfFormat.N_QUADS, "nquads", ("graph",), quads=True,
           eu_file_type="RDF_N_QUADS"),
)  # fmt: skip
RESULTS = (
    Format("json", "application/sparql-results+json", "srj", "SPARQL JSON", ox.QueryResultsFormat.JSON, None,
           ("solutions", "boolean"), aliases=("application/json",)),
    Format("xml", "application/sparql-results+xml", "srx", "SPARQL XML", ox.QueryResultsFormat.XML, None,
           ("solutions", "boolean"), aliases=("application/xml", "text/xml")),
    Format("csv", "text/csv", "csv", "CSV", ox.QueryResultsFormat.CSV, None, ("solutions", "boolean")),
    Format("tsv", "text/tab-separated-values", "tsv", "TSV", ox.QueryResultsFormat.TSV, None,
           ("solutions", "boolean")),
)  # fmt: skip
ALL = RDF + RESULTS

BY_KEY = {f.key: f for f in ALL}
RDF_BY_MEDIA_TYPE = {m: f for f in RDF for m in (f.media_type, *f.aliases) if m not in ("text/plain",)}
RDF_BY_SUFFIX = {f".{f.suffix}": f for f in RDF} | {
    ".turtle": BY_KEY["turtle"],
    ".owl": BY_KEY["rdfxml"],
    ".xml": BY_KEY["rdfxml"],
    ".json": BY_KEY["jsonld"],
}
GENERIC = ("text/plain", "application/json", "application/xml", "text/xml")  # accepted for what a client asks,
# never taken as the format of an upload
UPLOADS = {m: f.oxigraph for m, f in RDF_BY_MEDIA_TYPE.items() if m not in GENERIC}
DOCUMENTS = ("turtle", "ntriples", "jsonld", "rdfxml")  # what one resource's description is served as


def offers(serving: str) -> list[tuple[str, str]]:
    """(media type, format key) a response of this form can be sent as, in the server's
    order of preference: the formats' own media types first (the first is the default
    for */*), then the generic types clients also ask for."""
    chosen = [f for f in ALL if serving in f.serves]
    return [(f.media_type, f.key) for f in chosen] + [(a, f.key) for f in chosen for a in f.aliases if a in GENERIC]


def media_types(serving: str) -> dict[str, str]:
    """Format key -> media type of the formats that serve a query form."""
    return {f.key: f.media_type for f in ALL if serving in f.serves}
