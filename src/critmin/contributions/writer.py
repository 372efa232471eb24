"""The one write path to the dataset, shared by the contribution workflow and the
Graph Store Protocol: one writer at a time, each change one SPARQL Update request
(one transaction on the embedded store and on the engines we test), the dataset
version and modification time moved on with every public change, the inferred
graph recomputed over exactly the public data, and the listeners (derived
documents, feed, patches) told when a write unit is complete.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from critmin.contributions.records import DCT, XSD, now
from critmin.rdf.namespaces import CM, DATASET_IRI, INFERRED_GRAPH, INSTANCE_NAMESPACES, META_GRAPH, ONTOLOGY_GRAPH
from critmin.semantics import reasoning
from critmin.semantics.rules import Reasoner
from critmin.store.visibility import Visibility

_IRI = re.compile(r"<([^<>\"{}|^`\\\x00-\x20]*)>")
_GRAPH_VARIABLE = re.compile(r"GRAPH\s*[?$]", re.IGNORECASE)


def insert_data(quads: Iterable[ox.Quad]) -> str:
    body = " ".join(f"GRAPH {q.graph_name} {{ {q.subject} {q.predicate} {q.object} }}" for q in quads)
    return f"INSERT DATA {{ {body} }}"


def delete_data(quads: Iterable[ox.Quad]) -> str:
    body = " ".join(f"GRAPH {q.graph_name} {{ {q.subject} {q.predicate} {q.object} }}" for q in quads)
    return f"DELETE DATA {{ {body} }}"


class DatasetWriter:
    """Serialises writes to one live store and keeps version and inferences right."""

    def __init__(self, live):
        self.live = live
        self.visibility = Visibility.of(live)
        self.lock = threading.Lock()

    insert_data = staticmethod(insert_data)
    delete_data = staticmethod(delete_data)

    def version_operations(self, store, action: str) -> list[str]:
        """SPARQL Update operations that move the dataset version and modification time on."""
        old = store.dataset_version() or ""
        version = hashlib.sha256(f"{old}|{action}".encode()).hexdigest()[:16]
        meta = f"<{META_GRAPH}>"
        return [
            f"""DELETE {{ GRAPH {meta} {{ <{DATASET_IRI}> <{CM.datasetVersion}> ?v ; <{DCT}modified> ?m }} }}
                WHERE {{ GRAPH {meta} {{ <{DATASET_IRI}> <{CM.datasetVersion}> ?v OPTIONAL {{ <{DATASET_IRI}> <{DCT}modified> ?m }} }} }}""",  # noqa: E501
            f"""INSERT DATA {{ GRAPH {meta} {{ <{DATASET_IRI}> <{CM.datasetVersion}> "{version}" ;
                <{DCT}modified> "{now()}"^^<{XSD}dateTime> }} }}""",
        ]

    def commit(self, store, operations: list[str]) -> None:
        store.update(";\n".join(operations))
        self.live.changed()

    def refresh_inferences(self, store, change: PublicChange | None = None) -> None:
        """Bring the inferred graph up to date with the public data (after a publish, a
        withdrawal or a Graph Store write): incrementally from what `change` saw
        appear and disappear (`public_change` makes one where the store answers patterns
        in-process), else (or when the change is not known exactly, or touches the
        ontology's axioms) recomputed.

        Not part of the write's transaction: a crash in between leaves the data right
        and the inferences stale until the next public write or build."""
        hidden = self.visibility.hidden()
        delta = change.delta(store, self.visibility) if change is not None else None
        rules = reasoning.rule_set(store, str(ONTOLOGY_GRAPH), INSTANCE_NAMESPACES) if delta is not None else None
        if delta is None or rules.touches_axioms(delta[0] | delta[1]):
            store.update(f"CLEAR SILENT GRAPH <{INFERRED_GRAPH}>")
            reasoning.materialise(store, str(ONTOLOGY_GRAPH), str(INFERRED_GRAPH), INSTANCE_NAMESPACES, hidden)
        else:
            Reasoner(store, rules, str(INFERRED_GRAPH), hidden).maintain(*delta)
        self.live.changed()

    def public_change(self, store, operations: list[str], action: str) -> None:
        """A change of public data: the operations with a new version, then the inferences."""
        operations = operations + self.version_operations(store, action)
        change = PublicChange.before(store, operations, self.visibility) if store.capabilities.pattern_reads else None
        self.commit(store, operations)
        self.refresh_inferences(store, change)


@dataclass
class PublicChange:
    """What a write does to the public asserted triples, found by reading the graphs it
    names (and those whose visibility it changes) before and after: the incremental
    reasoner's input. Unknown (None) when a write names a graph by a variable or hides
    a graph it does not name: then the inferences are recomputed."""

    named: set[str]
    visible: set[str]
    before: dict[str, set]

    @classmethod
    def before(cls, store, operations: list[str], visibility: Visibility) -> PublicChange | None:
        text = "\n".join(operations)
        if _GRAPH_VARIABLE.search(text):
            return None
        names = set(store.named_graphs())
        visible = _visible(names, visibility)
        named = set(_IRI.findall(text)) - {str(INFERRED_GRAPH)}
        return cls(named, visible, {g: _triples(store, g) for g in named & visible})

    def delta(self, store, visibility: Visibility) -> tuple[set, set] | None:
        """(added, removed) public asserted triples, or None if not known exactly."""
        names = set(store.named_graphs())
        visible = _visible(names, visibility)
        if (self.visible - visible) - set(self.before):  # hidden without being read before
            return None
        candidates = (set(self.before) | (self.named & names) | (visible - self.visible)) - {str(INFERRED_GRAPH)}
        old = set().union(*(self.before.get(g, set()) for g in candidates))
        new = set().union(*(_triples(store, g) for g in candidates if g in visible))
        return new - old, old - new


def _visible(names: set[str], visibility: Visibility) -> set[str]:
    public = visibility.public_graphs()
    return set(names) if public is None else set(public)


def _triples(store, graph: str) -> set:
    return {(q.subject, q.predicate, q.object) for q in store.graph_quads(graph)}
