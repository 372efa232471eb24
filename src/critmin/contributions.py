"""The contribution workflow: validate in context, stage, publish, withdraw.

Life cycle: a contribution that conforms is `staged` (in its own named graph, private
to its contributor and the curators) until a curator publishes it, or
`published` at once when the operator allows auto-publishing; one that does not
conform is `rejected` and kept in quarantine with its report; an owner or a curator
may withdraw an accepted one, which removes its triples and keeps the record.

Every state change of the store is one transaction that writes the data and the
contribution's record together, so a crash leaves both in or both out. Parsing and
limits live in critmin.contribution_input, records in critmin.contribution_records.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
import rdflib

from critmin import context, reasoning, validation
from critmin.contribution_input import (  # noqa: F401 - re-exported: the contribution API in one import
    FORMAT_NAMES,
    MEDIA_TYPES,
    ContributionError,
    Limits,
    check_metadata,
    media_format,
    parse_contribution,
)
from critmin.contribution_records import (  # noqa: F401 - re-exported
    CONTRIBUTION_GRAPH,
    CONTRIBUTION_ID,
    DCT,
    RECORDS_GRAPH,
    STATUSES,
    XSD,
    Record,
    listing_query,
    now,
    record_from_row,
    record_quads,
)
from critmin.linked_data import local_path
from critmin.namespaces import (
    CM,
    DATASET_IRI,
    ID,
    INFERRED_GRAPH,
    INSTANCE_NAMESPACES,
    META_GRAPH,
    ONTOLOGY_GRAPH,
    SHAPES_GRAPH,
)
from critmin.rdf_input import to_rdflib_graph
from critmin.store import EmbeddedStore, LiveStore
from critmin.validation_pool import ValidationBusy


def public_view(location: str | Path):
    """A live store (embedded, read-only; or remote) whose queries see the public union only."""
    from critmin.settings import state_path_for
    from critmin.store_remote import RemoteLiveStore, is_remote

    live = RemoteLiveStore(str(location)) if is_remote(location) else LiveStore(Path(location))
    ContributionService(live, state_path_for(location))
    return live


RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LIST_CLASS = ox.NamedNode("https://w3id.org/critmin/ontology#CriticalMineralList")
NOTATION = ox.NamedNode("http://www.w3.org/2004/02/skos/core#notation")


class ContributionService:
    """The workflow over a writable live store; one writer at a time."""

    def __init__(self, live: LiveStore, store_path: Path, limits: Limits | None = None, auto_publish: bool = False,
                 validator=None):  # fmt: skip
        self.live = live
        self.store_path = store_path
        self.limits = limits or Limits()
        self.auto_publish = auto_publish
        self.write_lock = threading.Lock()
        # Where SHACL runs: critmin.validation.validate in this process (the CLI), or the
        # service's ValidationPool (killable workers with a memory limit and a deadline).
        self.validator = validator or validation.validate
        self._validation_slots = threading.BoundedSemaphore(2)  # in-process validations at once
        self._shapes_cache: tuple[str, rdflib.Graph, rdflib.Graph, str] | None = None
        self._public: tuple[str, tuple[str, ...] | None] = ("", None)
        live.show_only(self.public_graphs)

    # --- validation ----------------------------------------------------------------

    def _shapes(self, store: EmbeddedStore) -> tuple[rdflib.Graph, rdflib.Graph, str]:
        """Ontology and shapes from the store, parsed once per build."""
        key = str(store.location)
        if self._shapes_cache is None or self._shapes_cache[0] != key:

            def graph(name) -> rdflib.Graph:
                return to_rdflib_graph(store.graph_quads(str(name)))

            shapes = graph(SHAPES_GRAPH)
            version = str(next(shapes.objects(None, rdflib.OWL.versionInfo), "unversioned"))
            self._shapes_cache = (key, graph(ONTOLOGY_GRAPH), shapes, version)
        _, ontology, shapes, version = self._shapes_cache
        return ontology, shapes, version

    def validate(self, triples: list[ox.Triple]) -> validation.ValidationReport:
        """Validate triples with the reference data they point to, on their own focus nodes.

        Blank nodes (kept as such by the Graph Store Protocol) are named for the check
        only: pyshacl takes IRIs as focus nodes, and no node may escape validation."""
        if not self._validation_slots.acquire(timeout=10):
            raise ContributionError("the validator is busy with other uploads; try again shortly", 503)
        try:
            return self._validate(triples)
        except ValidationBusy as busy:
            raise ContributionError(str(busy), 503) from None
        finally:
            self._validation_slots.release()

    def _validate(self, triples: list[ox.Triple]) -> validation.ValidationReport:
        store = self.live.get()

        def named(term):
            return ox.NamedNode(f"{ID}.well-known/genid/check/{term.value}") if isinstance(term, ox.BlankNode) else term

        incoming = to_rdflib_graph(ox.Triple(named(t.subject), t.predicate, named(t.object)) for t in triples)
        ontology, shapes, _ = self._shapes(store)
        affected = context.affected_nodes(store, incoming)
        data = incoming + context.reference_context(store, incoming, affected)
        wanted = set(context.focus_nodes(incoming)) | affected
        return self.validator(data, ontology=ontology, shapes=shapes, focus_nodes=sorted(wanted, key=str))

    def dry_run(self, body: bytes, content_type: str | None) -> validation.ValidationReport:
        return self.validate(parse_contribution(body, content_type, self.limits, f"{ID}.well-known/genid/dry-run/"))

    # --- records --------------------------------------------------------------------

    def _quarantine(self, identifier: str) -> Path:
        return self.store_path / "contributions" / identifier

    def _record_quads(self, record: Record) -> list[ox.Quad]:
        return record_quads(record, self._shapes(self.live.get())[2])

    def get(self, identifier: str) -> Record | None:
        records = self.list(identifier=identifier)
        return records[0] if records else None

    def list(self, status: str | None = None, contributor: str | None = None, since: str | None = None,
             identifier: str | None = None) -> list[Record]:  # fmt: skip
        query = listing_query(status, contributor, since, identifier)
        if query is None:
            return []
        return [record_from_row(row) for row in self.live.get().query(query, named_graphs=[RECORDS_GRAPH])]

    def triples(self, record: Record) -> list[ox.Triple]:
        """The triples a staged or published contribution holds (none once withdrawn)."""
        return [ox.Triple(q.subject, q.predicate, q.object) for q in self.live.get().graph_quads(record.graph)]

    def report(self, identifier: str) -> tuple[dict, str] | None:
        folder = self._quarantine(identifier)
        if not (folder / "report.json").exists():
            return None
        return json.loads((folder / "report.json").read_text()), (folder / "report.ttl").read_text()

    def request_withdrawal(self, identifier: str, who: str, reason: str | None) -> dict:
        """A contributor asks to withdraw a published contribution: a curator decides
        (DELETE by a curator approves). The request is kept beside the report."""
        request = {"requested_by": who, "requested_at": now(), "reason": (reason or "")[:500]}
        path = self._quarantine(identifier) / "withdrawal-request.json"
        temporary = path.with_name(".withdrawal-request.json")
        temporary.write_text(json.dumps(request))
        os.replace(temporary, path)
        return request

    def withdrawal_request(self, identifier: str) -> dict | None:
        path = self._quarantine(identifier) / "withdrawal-request.json"
        return json.loads(path.read_text()) if path.exists() else None

    def public_graphs(self) -> tuple[str, ...] | None:
        """The graphs of the public union: everything but records and unpublished contributions
        (recomputed only when the store has changed). None when nothing is hidden: queries
        then use the engine's own union of all graphs, which is faster than a list."""
        generation = self.live.generation
        if self._public[0] != generation:
            store = self.live.get()
            names = store.named_graphs()
            hidden = {RECORDS_GRAPH} | {r.graph for r in self.list() if r.status != "published"}
            visible = tuple(g for g in names if g not in hidden)
            self._public = (generation, None if len(visible) == len(names) else visible)
        return self._public[1]

    # --- writes -----------------------------------------------------------------------

    def version_operations(self, store: EmbeddedStore, action: str) -> list[str]:
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

    def commit(self, store: EmbeddedStore, operations: list[str]) -> None:
        store.update(";\n".join(operations))
        self.live.changed()

    def refresh_inferences(self, store: EmbeddedStore) -> None:
        """Recompute the inferred graph so that it covers exactly the public data
        (after a publish, a withdrawal or a Graph Store write).

        Not part of the publish/withdraw transaction: a crash in between leaves the
        data right and the inferences stale until the next publish, withdrawal or build."""
        hidden = {RECORDS_GRAPH} | {r.graph for r in self.list() if r.status != "published"}
        store.update(f"CLEAR SILENT GRAPH <{INFERRED_GRAPH}>")
        reasoning.materialise_with_rules(
            store.database, str(ONTOLOGY_GRAPH), str(INFERRED_GRAPH), INSTANCE_NAMESPACES, tuple(sorted(hidden))
        )
        self.live.changed()

    def submit(self, body: bytes, content_type: str | None, contributor: str,
               title: str | None = None, source: str | None = None, contributor_id: str | None = None) -> tuple[Record, validation.ValidationReport | None, str | None]:  # fmt: skip  # noqa: E501
        """Store a contribution (accepted or in quarantine). Returns the record, the report
        and, for malformed input, the parse error."""
        check_metadata(title, source, self.limits)
        digest = hashlib.sha256(body).hexdigest()
        self._refuse_duplicate(digest)
        identifier = datetime.now(UTC).strftime("%Y%m%d%H%M%S") + "-" + secrets.token_hex(4)
        folder = self._quarantine(identifier)
        folder.mkdir(parents=True)
        (folder / "body").write_bytes(body)
        (folder / "content-type").write_text(content_type or "")
        try:
            triples = parse_contribution(body, content_type, self.limits, f"{ID}.well-known/genid/{identifier}/")
        except ContributionError as error:
            if error.status != 400:
                shutil.rmtree(folder, ignore_errors=True)  # refused before it became a contribution: no trace
                raise
            record = Record(identifier, "rejected", contributor, now(), digest, 0, 1, title, source,
                            contributor_id=contributor_id)  # fmt: skip
            self._write_report(folder, {"conforms": False, "error": str(error), "results": []}, "")
            with self.write_lock:
                store = self.live.get()
                self.commit(store, [self.insert_data(self._record_quads(record))])
            return record, None, str(error)
        try:
            self._refuse_existing_lists(triples)
        except ContributionError:
            shutil.rmtree(folder, ignore_errors=True)  # refused before it became a contribution: no trace
            raise
        report = self.validate(triples)
        self._write_report(folder, json.loads(report.to_json()), report.to_turtle())
        violations = sum(1 for v in report.violations if v.severity == "Violation")
        status = ("published" if self.auto_publish else "staged") if report.conforms else "rejected"
        record = Record(identifier, status, contributor, now(), digest, len(triples), violations, title, source,
                        contributor_id=contributor_id)  # fmt: skip
        with self.write_lock:
            store = self.live.get()
            operations = [self.insert_data(self._record_quads(record))]
            if status != "rejected":
                graph = ox.NamedNode(record.graph)
                operations.insert(
                    0, self.insert_data([ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples])
                )
                if status == "published":  # staged data is not public: the dataset version stays
                    operations += self.version_operations(store, f"submit {identifier}")
            self.commit(store, operations)
            if status == "published":
                self.refresh_inferences(store)
        self.live.notify()  # the feed and the patches follow the new public version (patches.py)
        return record, report, None

    def _refuse_existing_lists(self, triples) -> None:
        """A list whose IRI or notation a list already has, published or staged: 409 with
        a link to it (a second copy would double the list; corrections are revisions)."""
        lists = {t.subject for t in triples if t.predicate == RDF_TYPE and t.object == LIST_CLASS}
        if not lists:
            return
        notations = sorted(
            {t.object.value.casefold() for t in triples if t.subject in lists and t.predicate == NOTATION}
        )
        values = " ".join(str(node) for node in lists if isinstance(node, ox.NamedNode))
        names = ", ".join(json.dumps(n) for n in notations) or '""'
        query = f"""SELECT ?g ?list WHERE {{ GRAPH ?g {{
            {{ VALUES ?list {{ {values} }} ?list a {LIST_CLASS} }}
            UNION {{ ?list a {LIST_CLASS} ; {NOTATION} ?n FILTER(LCASE(STR(?n)) IN ({names})) }} }} }} LIMIT 1"""
        store = self.live.get()
        for row in store.query(query, named_graphs=store.named_graphs()):
            graph, found = row["g"].value, row["list"].value
            contributed = graph.startswith(CONTRIBUTION_GRAPH)
            where = f"/contributions/{graph.removeprefix(CONTRIBUTION_GRAPH)}" if contributed else local_path(found)
            raise ContributionError(f"the list {found} (or one with the same notation) already exists: {where}", 409)

    def _refuse_duplicate(self, digest: str) -> None:
        """Identical bytes already staged or published: 409 naming the contribution (a
        second copy once published twice and doubled a list's entries)."""
        for record in self.list():
            if record.content_hash == digest and record.status in ("staged", "published"):
                raise ContributionError(
                    f"identical content was already sent as contribution {record.id} ({record.status}): "
                    f"/contributions/{record.id}", 409)  # fmt: skip

    @staticmethod
    def insert_data(quads: list[ox.Quad]) -> str:
        body = " ".join(f"GRAPH {q.graph_name} {{ {q.subject} {q.predicate} {q.object} }}" for q in quads)
        return f"INSERT DATA {{ {body} }}"

    def _write_report(self, folder: Path, as_json: dict, as_turtle: str) -> None:
        for name, text in (("report.json", json.dumps(as_json, indent=1)), ("report.ttl", as_turtle)):
            temporary = folder / f".{name}"
            temporary.write_text(text)
            os.replace(temporary, folder / name)

    def _set_status(self, store: EmbeddedStore, record: Record, status: str, by_property, who: str) -> list[str]:
        """The updates that move a record to `status`: one status and one modification time
        (the old ones go: a second dct:modified listed a contribution twice), and who did
        it when (cm:publishedBy/At, cm:withdrawnBy/At), which the history is read from."""
        node = f"<{record.iri}>"
        graph = f"<{RECORDS_GRAPH}>"
        stamp = f'"{now()}"^^<{XSD}dateTime>'
        at = CM.publishedAt if by_property == CM.publishedBy else CM.withdrawnAt
        return [
            f'DELETE DATA {{ GRAPH {graph} {{ {node} <{CM.status}> "{record.status}" }} }}',
            f"DELETE WHERE {{ GRAPH {graph} {{ {node} <{DCT}modified> ?modified }} }}",
            f'INSERT DATA {{ GRAPH {graph} {{ {node} <{CM.status}> "{status}" ; <{by_property}> {json.dumps(who)} ; '
            f"<{at}> {stamp} ; <{DCT}modified> {stamp} }} }}",
        ]

    def publish(self, identifier: str, curator: str) -> Record:
        with self.write_lock:
            record = self.get(identifier)
            if record is None:
                raise ContributionError(f"no contribution {identifier}", 404)
            if record.status != "staged":
                raise ContributionError(
                    f"contribution {identifier} is {record.status}; only staged ones are published", 409
                )
            store = self.live.get()
            self.commit(store, self._set_status(store, record, "published", CM.publishedBy, curator)
                         + self.version_operations(store, f"publish {identifier}"))  # fmt: skip
            self.refresh_inferences(store)
        published = self.get(identifier)
        self.live.notify()
        return published

    def withdraw(self, identifier: str, who: str) -> Record:
        with self.write_lock:
            record = self.get(identifier)
            if record is None:
                raise ContributionError(f"no contribution {identifier}", 404)
            if record.status not in ("staged", "published"):
                raise ContributionError(f"contribution {identifier} is {record.status}; nothing to withdraw", 409)
            store = self.live.get()
            unlink = f"DELETE WHERE {{ GRAPH <{RECORDS_GRAPH}> {{ <{record.iri}> <{CM.contributionGraph}> ?g }} }}"
            operations = [f"DROP SILENT GRAPH <{record.graph}>", unlink]
            operations += self._set_status(store, record, "withdrawn", CM.withdrawnBy, who)
            if record.status == "published":
                operations += self.version_operations(store, f"withdraw {identifier}")
            self.commit(store, operations)
            if record.status == "published":
                self.refresh_inferences(store)
        withdrawn = self.get(identifier)
        self.live.notify()
        return withdrawn
