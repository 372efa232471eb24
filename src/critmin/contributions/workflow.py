"""The contribution life cycle: submit, publish, withdraw; revisions and corrections.

A contribution that conforms is `staged` (in its own named graph, private to its
contributor and the curators) until a curator publishes it, or `published` at once
when the operator allows auto-publishing; one that does not conform is `rejected`
and kept in quarantine with its report. A published one leaves only when a curator
withdraws it (its contributor may ask); its retired resources then answer 410 Gone
with the reason and a successor.

- **Dependencies.** A contributor's validation sees their own staged contributions
  (all, or those named with `depends_on`); the ones it actually relied on are
  recorded, and publishing is refused until they are published.
- **Revisions** (`revises`, recorded as prov:wasRevisionOf): validated as if the
  revised contribution's graph were gone; publishing replaces that graph atomically.
- **Corrections** (a SPARQL Update of DELETE DATA / INSERT DATA, corrections.py):
  retractions must be held by published contributions; validated on the resulting
  state; publishing deletes them from those contributions' graphs.

Every state change is one transaction through the dataset writer (writer.py), data
and record together, so a crash leaves both in or both out.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from critmin.contributions import corrections
from critmin.contributions.gate import Gate
from critmin.contributions.input import ContributionError, Limits, check_metadata, parse_contribution
from critmin.contributions.quarantine import Quarantine
from critmin.contributions.records import (
    CONTRIBUTION_GRAPH,
    CONTRIBUTION_ID,
    RECORDS_GRAPH,
    Record,
    listing_query,
    now,
    record_from_row,
    record_quads,
    report_query,
    withdrawal_request_operations,
    withdrawal_request_query,
)
from critmin.contributions.rules import Submission, refuse_existing_lists
from critmin.rdf.namespaces import CM, ID
from critmin.semantics import validation
from critmin.store.visibility import Visibility


def public_view(location: str | Path):
    """A live store (embedded, read-only; or remote) whose queries see the public union only."""
    from critmin.store import open_live

    live = open_live(location)
    Visibility.of(live)
    return live


class ContributionService:
    """The workflow over a writable live store; one writer at a time (the dataset writer's lock)."""

    def __init__(self, live, store_path: Path, limits: Limits | None = None, auto_publish: bool = False,
                 validator=None):  # fmt: skip
        from critmin.contributions.writer import DatasetWriter

        self.live = live
        self.store_path = store_path
        self.limits = limits or Limits()
        self.auto_publish = auto_publish
        self.visibility = Visibility.of(live)
        self.writer = DatasetWriter(live)
        self.gate = Gate(live, validator)
        self.quarantine = Quarantine(store_path)

    # --- reading ----------------------------------------------------------------------

    def public_graphs(self) -> tuple[str, ...] | None:
        return self.visibility.public_graphs()

    def validate(self, triples: list[ox.Triple]) -> validation.ValidationReport:
        """Validate triples as an addition to the public data (the Graph Store's gate)."""
        return self.gate.validate(triples)

    def dry_run(self, body: bytes, content_type: str | None, principal=None, depends_on: list[str] | None = None,
                revises: str | None = None) -> validation.ValidationReport:  # fmt: skip
        """What submitting would report, storing nothing."""
        submission = self._prepare(body, content_type, f"{ID}.well-known/genid/dry-run/", principal, depends_on,
                                   revises)  # fmt: skip
        return submission.report

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
        """The validation report: kept with the record (every replica over one engine sees
        it), or in the quarantine folder for contributions recorded before that."""
        query = report_query(identifier)
        rows = list(self.live.get().query(query, named_graphs=[RECORDS_GRAPH])) if query else []
        if rows:
            return json.loads(rows[0]["json"].value), rows[0]["turtle"].value
        return self.quarantine.report(identifier)

    def withdrawal_request(self, identifier: str) -> dict | None:
        """A pending (or approved) request to withdraw, from the record; older ones from the
        quarantine folder."""
        query = withdrawal_request_query(identifier)
        rows = list(self.live.get().query(query, named_graphs=[RECORDS_GRAPH])) if query else []
        if rows:
            row = rows[0]
            found = {"requested_by": row["who"].value, "requested_at": row["at"].value,
                     "reason": row["reason"].value if row["reason"] is not None else ""}  # fmt: skip
            return {**found, "successor": row["successor"].value} if row["successor"] is not None else found
        return self.quarantine.withdrawal_request(identifier)

    def request_withdrawal(self, identifier: str, who: str, reason: str | None, successor: str | None = None) -> dict:
        """A contributor asks to withdraw a published contribution: a curator decides
        (DELETE by a curator approves). The request is kept with the record, where every
        replica over one engine sees it."""
        record = self.get(identifier)
        if record is None:
            raise ContributionError(f"no contribution {identifier}", 404)
        with self.writer.lock:
            self.writer.commit(self.live.get(), withdrawal_request_operations(record, who, (reason or "")[:500],
                                                                              successor))  # fmt: skip
        return self.withdrawal_request(identifier)

    # --- submitting ---------------------------------------------------------------------

    def _prepare(self, body, content_type, skolem_base, principal, depends_on, revises) -> Submission:
        """Parse, check the declarations and validate in context (raises ContributionError)."""
        if corrections.is_correction(content_type):
            correction = corrections.parse_correction(body, self.limits, skolem_base)
            submission = Submission(correction.additions, retractions=correction.retractions)
        else:
            submission = Submission(parse_contribution(body, content_type, self.limits, skolem_base))
        submission.declare(self, principal, depends_on, revises)
        refuse_existing_lists(self.live.get(), submission)
        report = self.gate.validate(submission.triples, submission.graphs, submission.vanishing)
        sees = (lambda staged: True) if principal is not None and principal.is_curator else submission.owns
        submission.report = self.gate.explain(report, submission.graphs, sees)
        submission.find_dependencies(self.live.get(), list(self.visibility.context_graphs(without=submission.without)))
        return submission

    def submit(self, body: bytes, content_type: str | None, contributor: str, title: str | None = None,
               source: str | None = None, contributor_id: str | None = None, *, principal=None,
               depends_on: list[str] | None = None, revises: str | None = None,
               ) -> tuple[Record, validation.ValidationReport | None, str | None]:  # fmt: skip
        """Store a contribution (accepted or in quarantine). Returns the record, the report
        and, for malformed input, the parse error."""
        check_metadata(title, source, self.limits)
        digest = hashlib.sha256(body).hexdigest()
        self._refuse_duplicate(digest, revises)
        identifier = datetime.now(UTC).strftime("%Y%m%d%H%M%S") + "-" + secrets.token_hex(4)
        self.quarantine.keep(identifier, body, content_type)
        base = Record(identifier, "rejected", contributor, now(), digest, 0, 1, title, source,
                      contributor_id=contributor_id, revises=revises)  # fmt: skip
        try:
            submission = self._prepare(body, content_type, f"{ID}.well-known/genid/{identifier}/", principal,
                                       depends_on, revises)  # fmt: skip
        except ContributionError as error:
            if error.status != 400:
                self.quarantine.forget(identifier)  # refused before it became a contribution: no trace
                raise
            base.report = (json.dumps({"conforms": False, "error": str(error), "results": []}), "")
            with self.writer.lock:
                self.writer.commit(self.live.get(), [self.writer.insert_data(self._record_quads(base))])
            return base, None, str(error)
        report = submission.report
        violations = sum(1 for v in report.violations if v.severity == "Violation")
        status = ("published" if self.auto_publish and not submission.dependencies else "staged") \
            if report.conforms else "rejected"  # fmt: skip
        record = Record(identifier, status, contributor, now(), digest, submission.size, violations, title, source,
                        contributor_id=contributor_id, revises=revises, depends_on=submission.dependencies,
                        corrects=submission.corrected, report=(report.to_json(), report.to_turtle()))  # fmt: skip
        with self.writer.lock:
            store = self.live.get()
            operations = [self.writer.insert_data(self._record_quads(record))]
            if status != "rejected":
                operations.insert(0, self.writer.insert_data(submission.quads(record.graph)))
            if status == "published":  # staged data is not public: the dataset version stays
                operations += self._publishing(store, record, "auto-publish", submission)
                self.writer.public_change(store, operations, f"submit {identifier}")
            else:
                self.writer.commit(store, operations)
        self.live.notify()  # the feed and the patches follow the new public version (patches.py)
        return record, report, None

    def _record_quads(self, record: Record) -> list[ox.Quad]:
        return record_quads(record, self.gate.shapes()[2])

    def _refuse_duplicate(self, digest: str, revises: str | None) -> None:
        """Identical bytes already staged or published: 409 naming the contribution (a
        second copy once published twice and doubled a list's entries)."""
        for record in self.list():
            if record.content_hash == digest and record.status in ("staged", "published") and record.id != revises:
                raise ContributionError(
                    f"identical content was already sent as contribution {record.id} ({record.status}): "
                    f"/contributions/{record.id}", 409)  # fmt: skip

    # --- publishing and withdrawing ---------------------------------------------------

    def _publishing(self, store, record: Record, curator: str, submission: Submission | None = None,
                    stamp: str | None = None) -> list[str]:  # fmt: skip
        """The updates that publish `record`: refuse unpublished dependencies; replace a
        revised contribution; apply a correction's retractions. (`submission` when the
        record is published as it is stored: its data is not in the store yet.)"""
        for dependency in record.depends_on:
            found = self.get(dependency)
            if found is None or found.status != "published":
                state = found.status if found else "unknown"
                raise ContributionError(f"contribution {record.id} depends on contribution {dependency}, which is "
                                        f"{state}: publish /contributions/{dependency} first", 409)  # fmt: skip
        operations = []
        if record.revises and (old := self.get(record.revises)) and old.status in ("staged", "published"):
            reason = f"revised by contribution {record.id}"
            keep = submission.triples if submission else self.triples(record)
            operations += self._withdrawal(store, old, curator, reason, CONTRIBUTION_ID + record.id, keep)
        operations += self._retracting(store, record, submission.targets if submission else None)
        return operations + self._set_status(record, "published", CM.publishedBy, curator, stamp)

    def _retracting(self, store, record: Record, targets: dict | None) -> list[str]:
        """Delete a correction's retractions from the contributions that hold them."""
        operations = []
        for target in record.corrects:
            triples = targets[target] if targets is not None else self._retractions(store, record, target)
            wanted = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(CONTRIBUTION_GRAPH + target))
                      for t in triples]  # fmt: skip
            held = set(store.graph_quads(CONTRIBUTION_GRAPH + target))
            if any(q not in held for q in wanted):
                raise ContributionError(f"contribution {target} no longer holds every triple {record.id} retracts "
                                        "(it was changed since): send the correction again", 409)  # fmt: skip
            operations.append(self.writer.delete_data(wanted))
        return operations

    def publish(self, identifier: str, curator: str) -> Record:
        with self.writer.lock:
            record = self.get(identifier)
            if record is None:
                raise ContributionError(f"no contribution {identifier}", 404)
            if record.status != "staged":
                raise ContributionError(
                    f"contribution {identifier} is {record.status}; only staged ones are published", 409
                )
            store = self.live.get()
            stamp = now()
            operations = self._publishing(store, record, curator, stamp=stamp)
            self.writer.public_change(store, operations, f"publish {identifier}")
        published = self.get(identifier)
        self.live.notify()
        if (published.published_by, published.published_at) != (curator, stamp):  # another process won
            raise ContributionError(f"contribution {identifier} was published meanwhile by {published.published_by}",
                                    409)  # fmt: skip
        return published

    def _withdrawal(self, store, record: Record, who: str, reason: str | None, successor: str | None,
                    keep: list[ox.Triple] = ()) -> list[str]:  # fmt: skip
        """The updates that withdraw `record`: drop its graph, unlink it, and record the
        resources it retires (those nothing else public describes, and not in `keep`)."""
        node, graph = f"<{record.iri}>", f"<{RECORDS_GRAPH}>"
        retired = self._retired(store, record, {t.subject for t in keep}) if record.status == "published" else []
        extra = [f"<{CM.retiredResource}> <{iri}>" for iri in retired]
        if reason:
            extra.append(f"<{CM.withdrawalReason}> {ox.Literal(reason[:500])}")
        if successor:
            extra.append(f"<{CM.successor}> <{successor}>")
        operations = [f"DROP SILENT GRAPH <{record.graph}>",
                      f"DELETE WHERE {{ GRAPH {graph} {{ {node} <{CM.contributionGraph}> ?g }} }}"]  # fmt: skip
        operations += [f"DROP SILENT GRAPH <{name}>" for name in self._side_graphs(store, record)]
        if extra:
            operations.append(f"INSERT DATA {{ GRAPH {graph} {{ {node} {' ; '.join(extra)} }} }}")
        return operations + self._set_status(record, "withdrawn", CM.withdrawnBy, who)

    @staticmethod
    def _side_graphs(store, record: Record) -> list[str]:
        return [g for g in store.named_graphs() if g.startswith(record.graph + "/")]

    def _retired(self, store, record: Record, kept: set) -> list[str]:
        """Subjects of `record`'s graph that no other public graph describes."""
        others = [g for g in (self.visibility.public_graphs() or store.named_graphs()) if g != record.graph]
        subjects = {q.subject for q in store.graph_quads(record.graph) if isinstance(q.subject, ox.NamedNode)}
        subjects -= kept
        if not subjects or not others:
            return sorted(s.value for s in subjects)
        values = " ".join(str(s) for s in subjects)
        query = f"SELECT DISTINCT ?s WHERE {{ VALUES ?s {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}"
        described = {row["s"].value for row in store.query(query, named_graphs=others)}
        return sorted(s.value for s in subjects if s.value not in described)

    def withdraw(self, identifier: str, who: str, reason: str | None = None, successor: str | None = None) -> Record:
        with self.writer.lock:
            record = self.get(identifier)
            if record is None:
                raise ContributionError(f"no contribution {identifier}", 404)
            if record.status not in ("staged", "published"):
                raise ContributionError(f"contribution {identifier} is {record.status}; nothing to withdraw", 409)
            store = self.live.get()
            operations = self._withdrawal(store, record, who, reason, successor)
            if record.status == "published":
                self.writer.public_change(store, operations + self._restoring(store, record), f"withdraw {identifier}")
            else:
                self.writer.commit(store, operations)
        withdrawn = self.get(identifier)
        self.live.notify()
        return withdrawn

    @staticmethod
    def _retractions(store, record: Record, target: str) -> list[ox.Triple]:
        side = f"{record.graph}/retracts/{target}"
        return [ox.Triple(q.subject, q.predicate, q.object) for q in store.graph_quads(side)]

    def _restoring(self, store, record: Record) -> list[str]:
        """Withdrawing a published correction puts back what it retracted (into the
        contributions that are still published)."""
        operations = []
        for target in record.corrects:
            found = self.get(target)
            if found is not None and found.status == "published":
                quads = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(found.graph))
                         for t in self._retractions(store, record, target)]  # fmt: skip
                operations.insert(0, self.writer.insert_data(quads))
        return operations

    def _set_status(self, record: Record, status: str, by_property, who: str, stamp: str | None = None) -> list[str]:
        """The update that moves a record to `status`, only if it still has the status it
        was read with (two processes over one engine cannot both move it): one status and
        one modification time (a second dct:modified listed a contribution twice), and who
        did it when (cm:publishedBy/At, cm:withdrawnBy/At), which the history is read from."""
        from critmin.contributions.records import DCT, XSD

        node, graph = f"<{record.iri}>", f"<{RECORDS_GRAPH}>"
        stamp = f'"{stamp or now()}"^^<{XSD}dateTime>'
        at = CM.publishedAt if by_property == CM.publishedBy else CM.withdrawnAt
        old = f'{node} <{CM.status}> "{record.status}"'
        return [
            f"DELETE {{ GRAPH {graph} {{ {old} . {node} <{DCT}modified> ?modified }} }} "
            f'INSERT {{ GRAPH {graph} {{ {node} <{CM.status}> "{status}" ; <{by_property}> {ox.Literal(who)} ; '
            f"<{at}> {stamp} ; <{DCT}modified> {stamp} }} }} "
            f"WHERE {{ GRAPH {graph} {{ {old} OPTIONAL {{ {node} <{DCT}modified> ?modified }} }} }}"
        ]
