"""The reference data a piece of incoming RDF points to, fetched from the store.

Validating a contribution alone would flag every reference to an existing mineral,
country or list as "not a cm:Commodity"; validating it against the whole graph
would cost as much as the graph. So it is validated together with what the store
says about the IRIs it mentions (and the types of what those point to), and only
its own nodes are focus nodes.
"""

from __future__ import annotations

import rdflib

from critmin.rdf_input import to_rdflib_term
from critmin.store import EmbeddedStore

BATCH = 400


def mentioned_iris(graph: rdflib.Graph) -> set[rdflib.URIRef]:
    iris = set()
    for triple in graph:
        iris.update(t for t in triple if isinstance(t, rdflib.URIRef))
    return iris


def reference_context(store: EmbeddedStore, graph: rdflib.Graph) -> rdflib.Graph:
    """Triples of the store about the IRIs `graph` mentions, plus the types of their objects."""
    context = rdflib.Graph()
    iris = sorted(mentioned_iris(graph))
    for start in range(0, len(iris), BATCH):
        values = " ".join(f"<{iri}>" for iri in iris[start : start + BATCH])
        result = store.query(
            "CONSTRUCT { ?x ?p ?o . ?o a ?type } WHERE { "
            f"VALUES ?x {{ {values} }} ?x ?p ?o . OPTIONAL {{ ?o a ?type }} }}"
        )
        for triple in result:
            context.add(tuple(to_rdflib_term(t) for t in (triple.subject, triple.predicate, triple.object)))
    return context


def focus_nodes(graph: rdflib.Graph) -> list[rdflib.term.Node]:
    return sorted(set(graph.subjects()), key=str)
