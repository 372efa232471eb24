"""The reference data a piece of incoming RDF points to, fetched from the store.

Validating a contribution alone would flag every reference to an existing mineral,
country or list as "not a cm:Commodity"; validating it against the whole graph
would cost as much as the graph. So it is validated together with what the store
says about the IRIs it mentions (and the types of what those point to), and only
its own nodes are focus nodes.
"""

from __future__ import annotations

import rdflib

from critmin.namespaces import CM, INFERRED_GRAPH
from critmin.rdf_input import to_rdflib_term
from critmin.store import EmbeddedStore

BATCH = 400


def mentioned_iris(graph: rdflib.Graph) -> set[rdflib.URIRef]:
    iris = set()
    for triple in graph:
        iris.update(t for t in triple if isinstance(t, rdflib.URIRef))
    return iris


def _construct(store: EmbeddedStore, template: str, where: str, values: list, variable: str) -> rdflib.Graph:
    graph = rdflib.Graph()
    for start in range(0, len(values), BATCH):
        chunk = " ".join(f"<{iri}>" for iri in values[start : start + BATCH])
        result = store.query(f"CONSTRUCT {{ {template} }} WHERE {{ VALUES {variable} {{ {chunk} }} {where} }}")
        for triple in result:
            graph.add(tuple(to_rdflib_term(t) for t in (triple.subject, triple.predicate, triple.object)))
    return graph


def reference_context(store: EmbeddedStore, graph: rdflib.Graph) -> rdflib.Graph:
    """The slice of the store that the shapes look at when they check `graph`'s nodes:

    - the asserted types of everything it mentions (sh:class; the ontology, mixed in
      by the validator, supplies the subclass closure);
    - what the store already asserts about its own subjects (cardinalities and
      unique languages count old and new values together);
    - the positions of the other entries of any list it adds entries to (the
      unique-position rule).

    Inferred triples are left out: a commodity's inverse links to every statement
    about it would make the slice as large as the graph.
    """
    asserted = f"FILTER (?g != <{INFERRED_GRAPH}>)"
    mentioned = sorted(mentioned_iris(graph))
    subjects = sorted({s for s in graph.subjects() if isinstance(s, rdflib.URIRef)})
    lists = sorted({o for o in graph.objects(None, CM.inList) if isinstance(o, rdflib.URIRef)})
    context = _construct(store, "?x a ?type", f"GRAPH ?g {{ ?x a ?type }} {asserted}", mentioned, "?x")
    context += _construct(store, "?x ?p ?o", f"GRAPH ?g {{ ?x ?p ?o }} {asserted}", subjects, "?x")
    context += _construct(
        store, f"?entry <{CM.inList}> ?list ; <{CM.position}> ?n",
        f"GRAPH ?g {{ ?entry <{CM.inList}> ?list ; <{CM.position}> ?n }} {asserted}", lists, "?list",
    )  # fmt: skip
    return context


def focus_nodes(graph: rdflib.Graph) -> list[rdflib.term.Node]:
    return sorted(set(graph.subjects()), key=str)
