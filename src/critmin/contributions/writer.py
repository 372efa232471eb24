"""The one write path to the dataset, shared by the contribution workflow and the
Graph Store Protocol: one writer at a time, each change one SPARQL Update request
(one transaction on the embedded store and on the engines we test), the dataset
version and modification time moved on with every public change, the inferred
graph recomputed over exactly the public data, and the listeners (derived
documents, feed, patches) told when a write unit is complete.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable

import pyoxigraph as ox

from critmin.contributions.records import DCT, XSD, now
from critmin.rdf.namespaces import CM, DATASET_IRI, INFERRED_GRAPH, INSTANCE_NAMESPACES, META_GRAPH, ONTOLOGY_GRAPH
from critmin.semantics import reasoning
from critmin.store.visibility import Visibility


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

    def refresh_inferences(self, store) -> None:
        """Recompute the inferred graph so that it covers exactly the public data
        (after a publish, a withdrawal or a Graph Store write).

        Not part of the write's transaction: a crash in between leaves the data right
        and the inferences stale until the next public write or build."""
        hidden = self.visibility.hidden()
        store.update(f"CLEAR SILENT GRAPH <{INFERRED_GRAPH}>")
        reasoning.materialise_with_rules(store, str(ONTOLOGY_GRAPH), str(INFERRED_GRAPH), INSTANCE_NAMESPACES, hidden)
        self.live.changed()

    def public_change(self, store, operations: list[str], action: str) -> None:
        """A change of public data: the operations with a new version, then the inferences."""
        self.commit(store, operations + self.version_operations(store, action))
        self.refresh_inferences(store)
