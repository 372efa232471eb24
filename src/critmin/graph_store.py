"""The SPARQL 1.1 Graph Store HTTP Protocol over the store, behind the same SHACL gate.

Reads are public. Writes (PUT replaces a graph, POST merges into it, DELETE drops
it) are a curator's, are validated like contributions, and are one transaction
each. Graphs the build or the contribution workflow manage (under
https://w3id.org/critmin/graph/) cannot be written here.
"""

from __future__ import annotations

import email.parser
import email.policy
import json

import pyoxigraph as ox

from critmin.contributions import ContributionError, ContributionService, media_format
from critmin.errors import RequestError
from critmin.rdf.namespaces import DATASET_IRI, GRAPH, META_GRAPH, SD_NAMED_GRAPH
from critmin.rdf.parse_guard import RdfInputError, TooManyQuads
from critmin.rdf.terms import is_iri
from critmin.rdf.untrusted import ParserBusy, parse_untrusted
from critmin.store.visibility import is_public

MANAGED = str(GRAPH)


def split_multipart(body: bytes, content_type: str) -> list[tuple[str, bytes]]:
    """The parts of a multipart/form-data body: (content type, bytes) each."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        raise ContributionError("the multipart body has no parts", 400)
    return [(part.get_content_type(), part.get_payload(decode=True) or b"") for part in message.iter_parts()]


class GraphStore:
    def __init__(self, contributions: ContributionService):
        self.contributions = contributions
        self.writer = contributions.writer  # the one write path, shared with the contributions
        self.live = contributions.live

    def exists(self, graph: str) -> bool:
        store = self.live.get()
        return graph in store.named_graphs() and bool(store.graph_quads(graph))

    def triples(self, graph: str) -> list[ox.Triple] | None:
        """The graph's triples, or None when it does not exist or is not public."""
        if not is_public(graph, self.contributions.public_graphs()) or not self.exists(graph):
            return None
        return [ox.Triple(q.subject, q.predicate, q.object) for q in self.live.get().graph_quads(graph)]

    def _parse(self, body: bytes, content_type: str | None) -> list[ox.Triple]:
        media = (content_type or "").split(";")[0].strip().lower()
        documents = split_multipart(body, content_type) if media == "multipart/form-data" else [(content_type, body)]
        triples: list[ox.Triple] = []
        limit = self.contributions.limits.max_triples
        for part_type, data in documents:
            fmt = media_format(part_type)
            try:
                quads = parse_untrusted(data, fmt, source=f"body ({part_type})", max_quads=limit)
            except RdfInputError as error:
                raise ContributionError(f"malformed {part_type}: {error}", 400) from None
            except TooManyQuads:
                raise ContributionError(f"more than {limit} triples; the limit is {limit}", 413) from None
            except ParserBusy as busy:
                raise ContributionError(str(busy), 503) from None
            triples += [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
        if len(triples) > self.contributions.limits.max_triples:
            raise ContributionError(
                f"{len(triples)} triples; the limit is {self.contributions.limits.max_triples}", 413
            )
        return list(dict.fromkeys(triples))

    def _check_writable(self, graph: str) -> None:
        if not is_iri(graph):
            raise ContributionError(f"the graph name {graph[:200]!r} is not an absolute IRI", 400)
        if graph.startswith(MANAGED):
            raise ContributionError(
                f"{graph} is managed by the build or the contribution workflow; send contributions instead", 403
            )

    def _gate(self, triples: list[ox.Triple]):
        report = self.contributions.validate(triples)
        if not report.conforms:
            raise GateRejected(report)

    def write(self, graph: str, body: bytes, content_type: str | None, *, replace: bool, who: str) -> bool:
        """PUT (replace) or POST (merge); returns whether the graph was created."""
        self._check_writable(graph)
        incoming = self._parse(body, content_type)
        with self.writer.lock:
            existed = self.exists(graph)
            kept = [] if replace else (self.triples(graph) or [])
            self._gate(list(dict.fromkeys(kept + incoming)))
            store = self.live.get()
            name = ox.NamedNode(graph)
            operations = [f"DROP SILENT GRAPH {name}"] if replace else []
            if incoming:
                quads = [ox.Quad(t.subject, t.predicate, t.object, name) for t in incoming]
                operations.append(self.writer.insert_data(store.storable(quads)))
            if not existed:
                operations.append(listing("INSERT", graph))
            # the graph is public: its entailments are too
            self.writer.public_change(store, operations, f"graph store {who} {graph}")
        self.live.notify()
        return not existed

    def delete(self, graph: str, who: str) -> bool:
        self._check_writable(graph)
        with self.writer.lock:
            if not self.exists(graph):
                return False
            store = self.live.get()
            operations = [f"DROP SILENT GRAPH <{graph}>", listing("DELETE", graph)]
            self.writer.public_change(store, operations, f"drop {graph}")
        self.live.notify()
        return True


def listing(operation: str, graph: str) -> str:
    """Add or remove a graph from the dataset's list of named graphs (the meta graph):
    how a remote store tells critmin's graphs from the engine's others."""
    return f"{operation} DATA {{ GRAPH <{META_GRAPH}> {{ <{DATASET_IRI}> <{SD_NAMED_GRAPH}> <{graph}> }} }}"


class GateRejected(RequestError):
    """The data does not conform to the shapes: 422 with the report."""

    def __init__(self, report):
        super().__init__("the data does not conform to the shapes", 422, report=json.loads(report.to_json()))
        self.report = report
