"""Blank nodes as RDF 1.1 skolem IRIs (`.well-known/genid/`): how the store keeps one
blank node one node where it cannot hold it as such (engines that refuse blank nodes in
updates, and dumps and patches that a harvester must be able to apply exactly)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyoxigraph as ox

from critmin.rdf.namespaces import SKOLEM_BASE


def skolemised(quads: Iterable[ox.Quad]) -> Iterator[ox.Quad]:
    """Blank nodes as skolem IRIs (RDF 1.1 .well-known/genid): engines differ on blank
    nodes in updates (Virtuoso refuses them in INSERT DATA and fails on RDF lists in
    INSERT templates), and a skolem IRI keeps one node one node across batches."""
    for quad in quads:
        yield ox.Quad(skolem(quad.subject), quad.predicate, skolem(quad.object), quad.graph_name)


def skolem(term):
    """A blank node as its RDF 1.1 skolem IRI; other terms unchanged."""
    if isinstance(term, ox.BlankNode):
        return ox.NamedNode(f"{SKOLEM_BASE}{term.value}")
    return term


def unskolem(term):
    """A skolem IRI of ours back as the blank node it stands for."""
    if isinstance(term, ox.NamedNode) and term.value.startswith(SKOLEM_BASE):
        return ox.BlankNode(term.value[len(SKOLEM_BASE) :])
    return term
