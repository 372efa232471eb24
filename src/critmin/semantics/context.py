"""The reference data a piece of incoming RDF points to, fetched from the store.

Validating a contribution alone would flag every reference to an existing mineral,
country or list as "not a cm:Commodity"; validating it against the whole graph
would cost as much as the graph. So it is validated together with the slice of the
store its shapes can look at (the nodes it affects, described in full, and the
types of everything mentioned), with every shape's targets intact, and only the
results about the affected nodes are kept (critmin.semantics.validation.validate_slice).
"""

from __future__ import annotations

import rdflib

from critmin.rdf import terms as sparql_terms
from critmin.rdf.input import to_rdflib_term
from critmin.rdf.namespaces import CM, INFERRED_GRAPH
from critmin.store import ReadableStore

BATCH = 400


def mentioned_iris(graph: rdflib.Graph) -> set[rdflib.URIRef]:
    iris = set()
    for triple in graph:
        iris.update(t for t in triple if isinstance(t, rdflib.URIRef))
    return iris


def _construct(store: ReadableStore, template: str, where: str, values: list, variable: str,
               graphs: tuple[str, ...] | None = None) -> rdflib.Graph:  # fmt: skip
    """CONSTRUCT over `values` in batches; `graphs` are the named graphs read (None: the public ones)."""
    graph = rdflib.Graph()
    dataset = {"named_graphs": list(graphs)} if graphs is not None else {}
    for start in range(0, len(values), BATCH):
        chunk = " ".join(sparql_terms.iri(str(iri)) for iri in values[start : start + BATCH])
        text = f"CONSTRUCT {{ {template} }} WHERE {{ VALUES {variable} {{ {chunk} }} {where} }}"
        result = store.query(text, **dataset)
        for triple in result:
            graph.add(tuple(to_rdflib_term(t) for t in (triple.subject, triple.predicate, triple.object)))
    return graph


def affected_nodes(store: ReadableStore, graph: rdflib.Graph, graphs: tuple[str, ...] | None = None,
                   removed: rdflib.Graph | None = None) -> set[rdflib.URIRef]:  # fmt: skip
    """The nodes whose conformance `graph` may change when added to the store (and
    `removed` taken away): their subjects, the IRIs they point to (other than classes),
    the other entries of any list they touch (the unique-position rule looks at
    siblings), and, for what is removed, the nodes pointing at its subjects (a retracted
    type breaks every sh:class check on the way in)."""
    removed = removed if removed is not None else rdflib.Graph()
    referrers = set()
    retracted = sorted({s for s in removed.subjects() if isinstance(s, rdflib.URIRef)})
    if retracted:
        pointing = _construct(store, "?x ?p ?s", f"GRAPH ?g {{ ?x ?p ?s }} {ASSERTED}", retracted, "?s", graphs)
        referrers = {x for x in pointing.subjects() if isinstance(x, rdflib.URIRef)}
    graph = graph + removed
    subjects = {s for s in graph.subjects() if isinstance(s, rdflib.URIRef)} | referrers
    objects = {o for p, o in graph.predicate_objects() if isinstance(o, rdflib.URIRef) and p != rdflib.RDF.type}
    lists = sorted({o for o in graph.objects(None, CM.inList) if isinstance(o, rdflib.URIRef)})
    siblings = _construct(store, f"?entry <{CM.inList}> ?list",
                          f"GRAPH ?g {{ ?entry <{CM.inList}> ?list }} {ASSERTED}", lists, "?list", graphs)  # fmt: skip
    return subjects | objects | {s for s in siblings.subjects() if isinstance(s, rdflib.URIRef)}


ASSERTED = f"FILTER (?g != <{INFERRED_GRAPH}>)"


def reference_context(store: ReadableStore, graph: rdflib.Graph, affected: set | None = None,
                      graphs: tuple[str, ...] | None = None) -> rdflib.Graph:  # fmt: skip
    """The slice of the store that the shapes look at when they check `graph` and the
    nodes it affects (see `affected_nodes`):

    - what the store asserts about each affected node (cardinalities and unique
      languages count old and new values together; an existing node must be judged
      on its whole description, or adding a label to it looks like a node with only
      a label);
    - the asserted types of everything the contribution and those descriptions
      mention (sh:class; the ontology, mixed in by the validator, supplies the
      subclass closure).

    Inferred triples are left out, as the full build validates asserted data. `graphs`
    are the graphs read (None: the public ones; see critmin.store.visibility.context_graphs).
    """
    affected = affected_nodes(store, graph, graphs) if affected is None else affected
    described = _construct(store, "?x ?p ?o", f"GRAPH ?g {{ ?x ?p ?o }} {ASSERTED}", sorted(affected), "?x", graphs)
    mentioned = sorted(mentioned_iris(graph) | mentioned_iris(described))
    types = _construct(store, "?x a ?type", f"GRAPH ?g {{ ?x a ?type }} {ASSERTED}", mentioned, "?x", graphs)
    context = described + types
    return context


def focus_nodes(graph: rdflib.Graph) -> list[rdflib.term.Node]:
    return sorted(set(graph.subjects()), key=str)
