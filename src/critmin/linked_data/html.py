"""Server-rendered HTML for people: resource pages, ontology and shapes documentation.

No JavaScript: every page is complete as sent, links are plain links, and each
page names the other formats of the same resource.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import rdflib
from markupsafe import Markup
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, SKOS

from critmin.linked_data.describe import Description, local_path
from critmin.rdf import formats
from critmin.rdf.namespaces import PREFIXES
from critmin.templating import render


def compact(iri: str) -> str:
    for prefix, namespace in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


SAFE_SCHEMES = ("http://", "https://")


def safe_href(iri: str) -> str | None:
    """Where a link to `iri` may point: our local page, or an http(s) IRI. Anything else
    (`javascript:`, `data:`, ...) is shown as text, never as a link: data is untrusted."""
    local = local_path(iri)
    if local is not None:
        return local
    return iri if iri.lower().startswith(SAFE_SCHEMES) else None


@dataclass(frozen=True)
class Term:
    """An RDF term as a template shows it: a link (`href` None: shown as text) or a
    literal with its language or datatype tag."""

    text: str
    iri: str | None = None
    href: str | None = None
    tag: str | None = None
    anchor: str | None = None  # a term of this page (the ontology's own)


def term_link(iri: str, label: str | None = None) -> Term:
    return Term(label or compact(iri), iri, safe_href(iri))


def term_value(term, labels: dict[str, str]) -> Term:
    if isinstance(term, rdflib.URIRef):
        return term_link(str(term), labels.get(str(term)))
    if isinstance(term, rdflib.Literal):
        datatype = str(term.datatype) if term.datatype and not str(term.datatype).endswith("#string") else ""
        return Term(str(term), tag=f"@{term.language}" if term.language else (compact(datatype) if datatype else None))
    return Term(str(term))


def _count(total: int) -> str:
    from critmin.linked_data.describe import INCOMING_COUNT_BOUND

    return f"more than {INCOMING_COUNT_BOUND:,}" if total > INCOMING_COUNT_BOUND else f"{total:,}"


def format_links(alternates: dict[str, str]) -> list[tuple[str, str]]:
    """(name, href) of a page's other formats, for the "Also as" line."""
    names = {formats.BY_KEY[k].media_type: formats.BY_KEY[k].name for k in formats.DOCUMENTS}
    return [(names[m], h) for m, h in alternates.items() if m in names]


def graph_page(iri: str, triples: int, alternates: dict[str, str]) -> str:
    return render("graph.html", title=compact(iri), iri=iri, triples=triples, formats=format_links(alternates),
                  alternates=alternates)  # fmt: skip


def resource_page(description: Description, alternates: dict[str, str], incoming_more: str | None,
                  factsheet: str = "") -> str:  # fmt: skip
    """The page of one resource: its factsheet (if its kind has one), then every
    statement with its origin, its sources and its incoming links."""
    labels = description.labels
    query = f"DESCRIBE <{description.iri}>"
    rows = [
        {"predicate": term_link(str(s.predicate), labels.get(str(s.predicate))),
         "value": term_value(s.value, labels), "inferred": s.inferred,
         "sources": [term_link(i, labels.get(i)) for i in sorted(s.sources)],
         "graph": compact(s.graph).removeprefix("graph:")}
        for s in description.statements
        if not (s.predicate == RDF.type and s.inferred)
    ]  # fmt: skip
    sources = [{"link": term_link(s.iri, s.title), "issued": s.issued, "page": s.page and term_link(s.page, s.page)}
               for s in description.sources]  # fmt: skip
    incoming = [(term_link(str(s), labels.get(str(s))), term_link(str(p))) for s, p in description.incoming]
    return render(
        "resource.html", title=description.label, alternates=alternates, label=description.label,
        iri=description.iri, types=[term_link(str(t), labels.get(str(t))) for t in description.types],
        definition=description.definition, formats=format_links(alternates), query=query,
        editor="/?" + urlencode({"query": query}), factsheet=Markup(factsheet), rows=rows, sources=sources,
        incoming=incoming, more=incoming_more, shown=len(description.incoming),
        total=_count(description.incoming_total),
    )  # fmt: skip


HEADER_FIELDS = [
    ("Version IRI", OWL.versionIRI),
    ("Version", OWL.versionInfo),
    ("License", DCTERMS.license),
    ("Creator", DCTERMS.creator),
    ("Created", DCTERMS.created),
    ("Modified", DCTERMS.modified),
]
TERM_KINDS = [
    ("Classes", OWL.Class),
    ("Object properties", OWL.ObjectProperty),
    ("Datatype properties", OWL.DatatypeProperty),
    ("Annotation properties", OWL.AnnotationProperty),
]
TERM_FACTS = [("subclass of", RDFS.subClassOf), ("subproperty of", RDFS.subPropertyOf), ("domain", RDFS.domain),
              ("range", RDFS.range), ("inverse of", OWL.inverseOf), ("disjoint with", OWL.disjointWith)]  # fmt: skip


def _ontology_term(graph: rdflib.Graph, term, namespace: str) -> dict:
    local = term[len(namespace) :]
    facts = []
    for name, predicate in TERM_FACTS:
        objects = [o for o in graph.objects(term, predicate) if isinstance(o, rdflib.URIRef)]
        if objects:
            shown = [Term(o[len(namespace) :], anchor=o[len(namespace) :]) if o.startswith(namespace)
                     else term_link(str(o)) for o in objects]  # fmt: skip
            facts.append((name, shown))
    chain = graph.value(term, OWL.propertyChainAxiom)
    steps = [str(s)[len(namespace) :] for s in rdflib.collection.Collection(graph, chain)] if chain is not None else []
    definition = graph.value(term, SKOS.definition) or graph.value(term, RDFS.comment) or ""
    label = str(graph.value(term, RDFS.label) or local)
    return {"local": local, "label": label, "definition": str(definition), "facts": facts, "chain": steps}


def ontology_page(graph: rdflib.Graph, ontology_iri: str, alternates: dict[str, str]) -> str:
    """Documentation generated from the ontology itself: one anchored section per term."""
    header = rdflib.URIRef(ontology_iri)
    namespace = ontology_iri + "#"
    meta = [(name, term_value(graph.value(header, predicate), {})) for name, predicate in HEADER_FIELDS
            if graph.value(header, predicate) is not None]  # fmt: skip
    kinds = [{"title": title, "terms": [_ontology_term(graph, t, namespace) for t in _terms(graph, kind, namespace)]}
             for title, kind in TERM_KINDS]  # fmt: skip
    title = str(graph.value(header, DCTERMS.title) or "critmin ontology")
    description = str(graph.value(header, DCTERMS.description) or "")
    return render("ontology.html", title=title, iri=ontology_iri, alternates=alternates, meta=meta, kinds=kinds,
                  description=description, formats=format_links(alternates))  # fmt: skip


def _terms(graph: rdflib.Graph, kind, namespace: str) -> list[rdflib.URIRef]:
    return sorted(t for t in graph.subjects(RDF.type, kind) if str(t).startswith(namespace))


def shapes_page(graph: rdflib.Graph, shapes_iri: str, alternates: dict[str, str]) -> str:
    namespace = shapes_iri + "#"
    shapes = []
    for shape in sorted(s for s in graph.subjects(RDF.type, SH.NodeShape) if str(s).startswith(namespace)):
        rules = []
        for prop in graph.objects(shape, SH.property):
            path = graph.value(prop, SH.path)
            rules.append({"id": str(prop)[len(namespace) :], "path": term_link(str(path)) if path else None,
                          "sparql": False, "message": str(graph.value(prop, SH.message) or "")})  # fmt: skip
        for constraint in graph.objects(shape, SH.sparql):
            rules.append({"id": str(constraint)[len(namespace) :], "path": None, "sparql": True,
                          "message": str(graph.value(constraint, SH.message) or "")})  # fmt: skip
        targets = [term_link(str(t)) for t in graph.objects(shape, SH.targetClass)]
        shapes.append({"local": shape[len(namespace) :], "targets": targets, "rules": rules})
    return render("shapes.html", title="critmin SHACL shapes", iri=shapes_iri, alternates=alternates, shapes=shapes,
                  formats=format_links(alternates))  # fmt: skip
