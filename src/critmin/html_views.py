"""Server-rendered HTML for people: resource pages, ontology and shapes documentation.

No JavaScript: every page is complete as sent, links are plain links, and each
page names the other formats of the same resource.
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

import rdflib
from markupsafe import Markup
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, SKOS

from critmin import formats
from critmin.linked_data import Description, local_path
from critmin.namespaces import PREFIXES
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


def link(iri: str, label: str | None = None) -> str:
    text = label or compact(iri)
    href = safe_href(iri)
    if href is None:
        return f'<span class="iri" title="{escape(iri)}">{escape(text)}</span>'
    return f'<a href="{escape(href)}" title="{escape(iri)}">{escape(text)}</a>'


def value(term, labels: dict[str, str]) -> str:
    if isinstance(term, rdflib.URIRef):
        return link(str(term), labels.get(str(term)))
    if isinstance(term, rdflib.Literal):
        datatype = str(term.datatype) if term.datatype and not str(term.datatype).endswith("#string") else ""
        tag = f"@{term.language}" if term.language else (compact(datatype) if datatype else "")
        return f'<span class="lit">{escape(str(term))}</span>' + (
            f'<span class="tag">{escape(tag)}</span>' if tag else ""
        )
    return escape(str(term))


def page(title: str, body: str, *, alternates: dict[str, str] | None = None) -> str:
    """A whole page: the shared layout (navigation, search box) around `body` (HTML)."""
    return render("base.html", title=title, body=Markup(body), alternates=alternates)


def _count(total: int) -> str:
    from critmin.linked_data import INCOMING_COUNT_BOUND

    return f"more than {INCOMING_COUNT_BOUND:,}" if total > INCOMING_COUNT_BOUND else f"{total:,}"


def graph_page(iri: str, triples: int, alternates: dict[str, str]) -> str:
    body = f"""<main><h1>Named graph</h1><p class="iri">{escape(iri)}</p>
<p>{triples:,} triples. {formats_line(alternates)}</p></main>"""
    return page(compact(iri), body, alternates=alternates)


def formats_line(alternates: dict[str, str]) -> str:
    names = {formats.BY_KEY[k].media_type: formats.BY_KEY[k].name for k in formats.DOCUMENTS}
    items = "".join(f'<a href="{escape(h)}">{names.get(m, m)}</a>' for m, h in alternates.items() if m in names)
    return f'<p class="formats">Also as: {items}</p>'


def _origin(statement, labels: dict[str, str]) -> str:
    """Where a statement comes from, as HTML: the documents that state it, or that it
    is inferred, or the graph it was written to (a contribution, the source register)."""
    if statement.inferred:
        return "inferred (OWL 2 RL)"
    if statement.sources:
        return "source: " + "; ".join(link(s, labels.get(s)) for s in sorted(statement.sources))
    return escape(compact(statement.graph).removeprefix("graph:"))


def resource_page(description: Description, alternates: dict[str, str], incoming_more: str | None,
                  factsheet: str = "") -> str:  # fmt: skip
    """The page of one resource: its factsheet (if its kind has one), then every
    statement with its origin, its sources and its incoming links."""
    labels = description.labels
    types = ", ".join(link(str(t), labels.get(str(t))) for t in description.types) or "resource"
    definition = description.definition
    query = f"DESCRIBE <{description.iri}>"
    editor = "/?" + urlencode({"query": query})
    rows = []
    for statement in description.statements:
        if statement.predicate == RDF.type and statement.inferred:
            continue
        rows.append(
            f"<tr><th>{link(str(statement.predicate), labels.get(str(statement.predicate)))}</th>"
            f'<td>{value(statement.value, labels)} <span class="note">({_origin(statement, labels)})</span></td></tr>'
        )
    sources = "".join(
        f"<li>{link(s.iri, s.title)}"
        + (f", {escape(s.issued)}" if s.issued else "")
        + (f" — {link(s.page, s.page)}" if s.page else "")
        + "</li>"
        for s in description.sources
    )
    incoming = "".join(
        f"<tr><td>{link(str(s), labels.get(str(s)))}</td><td>{link(str(p))}</td></tr>" for s, p in description.incoming
    )
    more = (
        f'<p class="note">Showing {len(description.incoming)} of {_count(description.incoming_total)}. '
        f'<a href="{escape(incoming_more)}">All incoming links</a></p>'
        if incoming_more
        else ""
    )
    body = f"""<main>
<h1>{escape(description.label)}</h1>
<p class="iri">{escape(description.iri)}</p>
<p>A {types}.</p>
{f"<p>{escape(definition)}</p>" if definition else ""}
{formats_line(alternates)}
<p><a href="{escape(editor)}">Query this</a> (opens the SPARQL editor with <code>{escape(query)}</code>)</p>
{factsheet}
<h2>Properties</h2>
<table>{"".join(rows)}</table>
<h2>Sources</h2>
{f"<ul>{sources}</ul>" if sources else '<p class="note">This resource cites no source itself.</p>'}
<h2>Incoming links</h2>
{f"<table><tr><th>from</th><th>by</th></tr>{incoming}</table>" if incoming else '<p class="note">None.</p>'}
{more}
</main>"""
    return page(description.label, body, alternates=alternates)


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


def _terms(graph: rdflib.Graph, kind, namespace: str) -> list[rdflib.URIRef]:
    return sorted(t for t in graph.subjects(RDF.type, kind) if str(t).startswith(namespace))


def ontology_page(graph: rdflib.Graph, ontology_iri: str, alternates: dict[str, str]) -> str:
    """Documentation generated from the ontology itself: one anchored section per term."""
    header = rdflib.URIRef(ontology_iri)
    namespace = ontology_iri + "#"
    meta = "".join(
        f"<dt>{escape(name)}</dt><dd>{value(graph.value(header, predicate), {})}</dd>"
        for name, predicate in HEADER_FIELDS
        if graph.value(header, predicate) is not None
    )
    sections = []
    for title, kind in TERM_KINDS:
        terms = _terms(graph, kind, namespace)
        index = " · ".join(f'<a href="#{escape(t[len(namespace) :])}">{escape(t[len(namespace) :])}</a>' for t in terms)
        entries = []
        for term in terms:
            local = term[len(namespace) :]
            facts = []
            for name, predicate in (("subclass of", RDFS.subClassOf), ("subproperty of", RDFS.subPropertyOf),
                                    ("domain", RDFS.domain), ("range", RDFS.range), ("inverse of", OWL.inverseOf),
                                    ("disjoint with", OWL.disjointWith)):  # fmt: skip
                objects = [o for o in graph.objects(term, predicate) if isinstance(o, rdflib.URIRef)]
                if objects:
                    rendered = ", ".join(f'<a href="#{o[len(namespace):]}">cm:{escape(o[len(namespace):])}</a>'
                                         if o.startswith(namespace) else link(str(o)) for o in objects)  # fmt: skip
                    facts.append(f"<dt>{name}</dt><dd>{rendered}</dd>")
            chain = graph.value(term, OWL.propertyChainAxiom)
            if chain is not None:
                steps = " / ".join(
                    f"cm:{escape(str(s)[len(namespace) :])}" for s in rdflib.collection.Collection(graph, chain)
                )
                facts.append(f"<dt>property chain</dt><dd>{steps}</dd>")
            definition = graph.value(term, SKOS.definition) or graph.value(term, RDFS.comment) or ""
            entries.append(
                f'<section class="term" id="{escape(local)}"><h3>{escape(str(graph.value(term, RDFS.label) or local))}'
                f' <span class="iri">cm:{escape(local)}</span></h3><p>{escape(str(definition))}</p>'
                f"<dl>{''.join(facts)}</dl></section>"
            )
        sections.append(f"<h2>{title}</h2><p>{index}</p>{''.join(entries)}")
    title = str(graph.value(header, DCTERMS.title) or "critmin ontology")
    body = f"""<main><h1>{escape(title)}</h1><p class="iri">{escape(ontology_iri)}</p>
<p>{escape(str(graph.value(header, DCTERMS.description) or ""))}</p>{formats_line(alternates)}
<dl>{meta}</dl>{"".join(sections)}</main>"""
    return page(title, body, alternates=alternates)


def shapes_page(graph: rdflib.Graph, shapes_iri: str, alternates: dict[str, str]) -> str:
    namespace = shapes_iri + "#"
    sections = []
    for shape in sorted(s for s in graph.subjects(RDF.type, SH.NodeShape) if str(s).startswith(namespace)):
        local = shape[len(namespace) :]
        targets = ", ".join(link(str(t)) for t in graph.objects(shape, SH.targetClass))
        rules = []
        for prop in graph.objects(shape, SH.property):
            path = graph.value(prop, SH.path)
            rules.append(
                f'<li id="{escape(str(prop)[len(namespace) :])}">{link(str(path)) if path else ""}: '
                f"{escape(str(graph.value(prop, SH.message) or ''))}</li>"
            )
        for constraint in graph.objects(shape, SH.sparql):
            rules.append(
                f'<li id="{escape(str(constraint)[len(namespace) :])}">SPARQL: '
                f"{escape(str(graph.value(constraint, SH.message) or ''))}</li>"
            )
        sections.append(
            f'<section class="term" id="{escape(local)}"><h3>{escape(local)}</h3>'
            f"<p>Applies to: {targets or 'nodes selected by a SPARQL target'}</p><ul>{''.join(rules)}</ul></section>"
        )
    body = f"""<main><h1>critmin SHACL shapes</h1><p class="iri">{escape(shapes_iri)}</p>
<p>The rules every contribution and the shipped data must satisfy.</p>{formats_line(alternates)}
{"".join(sections)}</main>"""
    return page("critmin SHACL shapes", body, alternates=alternates)
