"""The validation gate: a contribution judged as the full validation of the store
with the contribution would judge it (tests/test_gate.py proves the equality).

The contribution is validated with the slice of the store its shapes look at
(critmin.semantics.context), read from the graphs the policy allows this validation to see:
the public ones, the contributor's own staged contributions it builds on, minus
the graph a revision replaces and the triples a correction retracts. Results are
then explained for people: an IRI value that nothing describes, one described
only in a staged contribution, or one of the wrong class.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterable

import pyoxigraph as ox
import rdflib

from critmin.contributions.input import ContributionError
from critmin.rdf import terms as sparql_terms
from critmin.rdf.input import to_rdflib_graph
from critmin.rdf.namespaces import ID, ONTOLOGY_GRAPH, SHAPES_GRAPH
from critmin.semantics import context, validation
from critmin.semantics.validation_pool import ValidationBusy
from critmin.store.visibility import Staged, Visibility

CLASS_COMPONENT = "http://www.w3.org/ns/shacl#ClassConstraintComponent"


def _named(term):
    """Blank nodes named for the check only: pyshacl takes IRIs as focus nodes, and no
    node may escape validation."""
    return ox.NamedNode(f"{ID}.well-known/genid/check/{term.value}") if isinstance(term, ox.BlankNode) else term


def as_graph(triples: Iterable[ox.Triple]) -> rdflib.Graph:
    return to_rdflib_graph(ox.Triple(_named(t.subject), t.predicate, _named(t.object)) for t in triples)


class Gate:
    """Validation in context; at most two in this process at once."""

    def __init__(self, live, validator: Callable | None = None):
        self.live = live
        self.visibility = Visibility.of(live)
        # Where SHACL runs: critmin.semantics.validation.validate in this process (the CLI), or the
        # service's ValidationPool (killable workers with a memory limit and a deadline).
        self.validator = validator or validation.validate
        self._slots = threading.BoundedSemaphore(2)
        self._shapes_cache: tuple[str, rdflib.Graph, rdflib.Graph, str] | None = None

    def shapes(self) -> tuple[rdflib.Graph, rdflib.Graph, str]:
        """Ontology, shapes and the shapes' version from the store, parsed once per build."""
        store = self.live.get()
        key = str(store.location)
        if self._shapes_cache is None or self._shapes_cache[0] != key:
            shapes = to_rdflib_graph(store.graph_quads(str(SHAPES_GRAPH)))
            version = str(next(shapes.objects(None, rdflib.OWL.versionInfo), "unversioned"))
            self._shapes_cache = (key, to_rdflib_graph(store.graph_quads(str(ONTOLOGY_GRAPH))), shapes, version)
        return self._shapes_cache[1:]

    def validate(self, triples: list[ox.Triple], graphs: tuple[str, ...] | None = None,
                 retracted: Iterable[ox.Triple] = ()) -> validation.ValidationReport:  # fmt: skip
        """Validate `triples` added to the store (read through `graphs`, the public ones
        by default) with `retracted` taken away."""
        if not self._slots.acquire(timeout=10):
            raise ContributionError("the validator is busy with other uploads; try again shortly", 503)
        try:
            return self._validate(triples, graphs, list(retracted))
        except ValidationBusy as busy:
            raise ContributionError(str(busy), 503) from None
        finally:
            self._slots.release()

    def _validate(self, triples, graphs, retracted) -> validation.ValidationReport:
        store = self.live.get()
        incoming, removed = as_graph(triples), as_graph(retracted)
        ontology, shapes, _ = self.shapes()
        affected = context.affected_nodes(store, incoming, graphs, removed)
        data = incoming + (context.reference_context(store, incoming + removed, affected, graphs) - removed)
        for triple in incoming:  # a triple both retracted and added stays
            data.add(triple)
        wanted = set(context.focus_nodes(incoming)) | affected
        return self.validator(data, ontology=ontology, shapes=shapes, focus_nodes=sorted(wanted, key=str))

    def explain(self, report: validation.ValidationReport, graphs: tuple[str, ...] | None,
                reader_sees: Callable[[Staged], bool]) -> validation.ValidationReport:  # fmt: skip
        """Add to each result whose value is an IRI what the dataset knows of it: nothing
        ("unknown IRI"), only a staged contribution's data (named when `reader_sees` it),
        or a description of another class (its types)."""
        values = sorted({v.value for v in report.violations if v.value and sparql_terms.is_iri(v.value)})
        if not values:
            return report
        store = self.live.get()
        chunk = " ".join(f"<{v}>" for v in values)
        visible = graphs if graphs is not None else self.visibility.context_graphs()
        known: dict[str, list[str]] = {}
        query = f"SELECT ?x ?type WHERE {{ VALUES ?x {{ {chunk} }} GRAPH ?g {{ ?x ?p ?o }} OPTIONAL {{ GRAPH ?h {{ ?x a ?type }} }} }}"  # noqa: E501
        for row in store.query(query, named_graphs=list(visible)):
            types = known.setdefault(row["x"].value, [])
            if row["type"] is not None and row["type"].value not in types:
                types.append(row["type"].value)
        staged_in: dict[str, list[Staged]] = {}
        staged = {s.graph: s for s in self.visibility.staged()}
        if staged:
            rows = store.query(f"SELECT DISTINCT ?x ?g WHERE {{ VALUES ?x {{ {chunk} }} GRAPH ?g {{ ?x ?p ?o }} }}",
                               named_graphs=list(staged))  # fmt: skip
            for row in rows:
                staged_in.setdefault(row["x"].value, []).append(staged[row["g"].value])
        explained = []
        for item in report.violations:
            note = self._note(item, known, staged_in, reader_sees) if item.value in values else None
            explained.append(dataclasses.replace(item, explanation=note))
        return dataclasses.replace(report, violations=explained)

    @staticmethod
    def _note(item, known, staged_in, reader_sees) -> str:
        if item.value in known:
            types = ", ".join(sorted(known[item.value])) or "no type"
            if item.component == CLASS_COMPONENT:
                return f"known but of the wrong class: {item.value} is described as {types}"
            return f"known: {item.value} is described in the dataset ({types})"
        holders = staged_in.get(item.value, [])
        named = [s.identifier for s in holders if reader_sees(s)]
        if named:
            return (f"known only in staged contribution {', '.join(named)}: it is not public yet "
                    "(your own staged contributions are used unless you name others with depends_on)")  # fmt: skip
        if holders:
            return "known only in a contribution that is not published yet"
        return f"unknown IRI: nothing in the dataset describes {item.value}"
