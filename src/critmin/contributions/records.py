"""Contribution records: one node per contribution in the records graph (a graph the
public never sees), written with the contribution's data in the same transaction, and
read back with filters that are checked, never spliced into the query."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyoxigraph as ox
import rdflib

from critmin.contributions.input import ContributionError
from critmin.rdf import terms as sparql_terms
from critmin.rdf.namespaces import CM, CONTRIBUTION_GRAPH, CONTRIBUTION_ID, ID, RECORDS_GRAPH

STATUSES = ("staged", "published", "rejected", "withdrawn")
IDENTIFIER = re.compile(r"[0-9]{14}-[0-9a-f]{8}")
XSD = "http://www.w3.org/2001/XMLSchema#"
PROV = "http://www.w3.org/ns/prov#"
DCT = "http://purl.org/dc/terms/"


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Record:
    id: str
    status: str
    contributor: str
    created: str
    content_hash: str
    triples: int
    violations: int
    title: str | None = None
    source: str | None = None
    modified: str | None = None
    contributor_id: str | None = None  # the token's stable id (None on records made before ids)
    published_by: str | None = None
    published_at: str | None = None
    withdrawn_by: str | None = None
    withdrawn_at: str | None = None
    revises: str | None = None  # the id of the contribution this one revises (prov:wasRevisionOf)
    depends_on: tuple[str, ...] = ()  # ids of staged contributions its validation relied on
    corrects: tuple[str, ...] = ()  # ids of published contributions it retracts triples from
    reason: str | None = None  # why it was withdrawn
    successor: str | None = None  # what replaces its resources (an IRI or a contribution's id)
    # the validation report (JSON, Turtle) written with the record, so that every replica
    # over one engine can show it; read back with `report_query`, not with the listing
    report: tuple[str, str] | None = field(default=None, compare=False, repr=False)

    def history(self, withdrawal_request: dict | None = None) -> list[dict]:
        """What happened to the contribution, in order: sent (and how the gate judged it),
        published, a withdrawal asked for, withdrawn; by whom and when."""
        outcome = "rejected" if self.status == "rejected" else "accepted"
        events = [{"event": "submitted", "by": self.contributor, "at": self.created, "outcome": outcome}]
        if self.published_at:
            events.append({"event": "published", "by": self.published_by, "at": self.published_at})
        if withdrawal_request:
            asked = withdrawal_request
            events.append({"event": "withdrawal requested", "by": asked.get("requested_by"),
                           "at": asked.get("requested_at"), "reason": asked.get("reason")})  # fmt: skip
        if self.withdrawn_at:
            event = {"event": "withdrawn", "by": self.withdrawn_by, "at": self.withdrawn_at, "reason": self.reason}
            events.append({**event, "successor": self.successor} if self.successor else event)
        return events

    def visible_to(self, principal) -> bool:
        """Published records are public; others only to their contributor's token and curators."""
        if self.status == "published":
            return True
        return principal is not None and (principal.is_curator or self.owned_by(principal))

    def owned_by(self, principal) -> bool:
        return principal is not None and self.contributor_id is not None and principal.id == self.contributor_id

    @property
    def iri(self) -> str:
        return CONTRIBUTION_ID + self.id

    @property
    def graph(self) -> str:
        return CONTRIBUTION_GRAPH + self.id


def record_quads(record: Record, shapes_version: str) -> list[ox.Quad]:
    graph = ox.NamedNode(RECORDS_GRAPH)
    node = ox.NamedNode(record.iri)

    def lit(value, datatype: str = "string") -> ox.Literal:
        return ox.Literal(str(value), datatype=ox.NamedNode(XSD + datatype))

    def quad(predicate: str, value) -> ox.Quad:
        return ox.Quad(node, ox.NamedNode(predicate), value, graph)

    quads = [
        quad(str(rdflib.RDF.type), ox.NamedNode(str(CM.Contribution))),
        quad(str(CM.status), lit(record.status)),
        quad(str(CM.contributorName), lit(record.contributor)),
        quad(PROV + "wasAttributedTo", ox.NamedNode(f"{ID}contributor/{record.contributor}")),
        quad(PROV + "generatedAtTime", lit(record.created, "dateTime")),
        quad(str(CM.contentHash), lit(record.content_hash)),
        quad(str(CM.tripleCount), lit(record.triples, "integer")),
        quad(str(CM.violationCount), lit(record.violations, "integer")),
        quad(str(CM.shapesVersion), lit(shapes_version)),
    ]
    if record.status in ("staged", "published"):
        quads.append(quad(str(CM.contributionGraph), ox.NamedNode(record.graph)))
    if record.contributor_id:
        quads.append(quad(str(CM.contributorToken), lit(record.contributor_id)))
    if record.title:
        quads.append(quad(DCT + "title", lit(record.title)))
    if record.source:
        quads.append(quad(DCT + "source", ox.NamedNode(record.source)))
    if record.revises:
        quads.append(quad(PROV + "wasRevisionOf", ox.NamedNode(CONTRIBUTION_ID + record.revises)))
    quads += [quad(str(CM.dependsOn), ox.NamedNode(CONTRIBUTION_ID + d)) for d in record.depends_on]
    quads += [quad(str(CM.corrects), ox.NamedNode(CONTRIBUTION_ID + c)) for c in record.corrects]
    if record.report is not None:
        quads += [quad(str(CM.reportJson), lit(record.report[0])), quad(str(CM.reportTurtle), lit(record.report[1]))]
    return quads


def report_query(identifier: str) -> str | None:
    """The validation report kept with a record (None for a malformed identifier)."""
    if not IDENTIFIER.fullmatch(identifier):
        return None
    return f"""SELECT ?json ?turtle WHERE {{ GRAPH <{RECORDS_GRAPH}> {{
        <{CONTRIBUTION_ID}{identifier}> <{CM.reportJson}> ?json ; <{CM.reportTurtle}> ?turtle }} }}"""


def listing_query(status: str | None = None, contributor: str | None = None, since: str | None = None,
                  identifier: str | None = None) -> str | None:  # fmt: skip
    """The SPARQL that lists records with these filters (each checked and written as a
    term), or None when no record can match (a malformed identifier)."""
    filters = []
    if status:
        if status not in STATUSES:
            raise ContributionError(f"status must be one of {', '.join(STATUSES)}", 400)
        filters.append(f"?status = {ox.Literal(status)}")
    if contributor:
        filters.append(f"?who = {ox.Literal(contributor)}")
    if since:
        try:
            moment = datetime.fromisoformat(since.replace("Z", "+00:00"))
        except ValueError:
            raise ContributionError(f"since={since} is not an ISO 8601 date-time", 400) from None
        stamp = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        filters.append(f'?created >= "{stamp}"^^<{XSD}dateTime>')
    if identifier:
        if not IDENTIFIER.fullmatch(identifier):
            return None
        filters.append(f"?c = <{CONTRIBUTION_ID}{identifier}>")
    where = f"FILTER ({' && '.join(filters)})" if filters else ""
    return f"""
        PREFIX cm: <{CM}> PREFIX prov: <{PROV}> PREFIX dct: <{DCT}>
        SELECT ?c ?status ?who ?created ?hash ?triples ?violations ?title ?source ?modified ?token
               ?publishedBy ?publishedAt ?withdrawnBy ?withdrawnAt ?revises ?reason ?successor
               (GROUP_CONCAT(DISTINCT STR(?dependency); separator=" ") AS ?dependencies)
               (GROUP_CONCAT(DISTINCT STR(?corrected); separator=" ") AS ?corrections) WHERE {{
          GRAPH <{RECORDS_GRAPH}> {{
            ?c a cm:Contribution ; cm:status ?status ; cm:contributorName ?who ; prov:generatedAtTime ?created ;
               cm:contentHash ?hash ; cm:tripleCount ?triples ; cm:violationCount ?violations .
            OPTIONAL {{ ?c dct:title ?title }} OPTIONAL {{ ?c dct:source ?source }}
            OPTIONAL {{ ?c dct:modified ?modified }} OPTIONAL {{ ?c cm:contributorToken ?token }}
            OPTIONAL {{ ?c cm:publishedBy ?publishedBy ; cm:publishedAt ?publishedAt }}
            OPTIONAL {{ ?c cm:withdrawnBy ?withdrawnBy ; cm:withdrawnAt ?withdrawnAt }}
            OPTIONAL {{ ?c prov:wasRevisionOf ?revises }} OPTIONAL {{ ?c cm:dependsOn ?dependency }}
            OPTIONAL {{ ?c cm:corrects ?corrected }} OPTIONAL {{ ?c cm:withdrawalReason ?reason }}
            OPTIONAL {{ ?c cm:successor ?successor }}
          }} {where}
        }} GROUP BY ?c ?status ?who ?created ?hash ?triples ?violations ?title ?source ?modified ?token
                    ?publishedBy ?publishedAt ?withdrawnBy ?withdrawnAt ?revises ?reason ?successor
        ORDER BY ?created ?c"""


def record_from_row(row) -> Record:
    def optional(name: str) -> str | None:
        return row[name].value if row[name] is not None else None

    return Record(
        id=row["c"].value.removeprefix(CONTRIBUTION_ID),
        status=row["status"].value,
        contributor=row["who"].value,
        created=row["created"].value,
        content_hash=row["hash"].value,
        triples=int(row["triples"].value),
        violations=int(row["violations"].value),
        title=optional("title"),
        source=optional("source"),
        modified=optional("modified"),
        contributor_id=optional("token"),
        published_by=optional("publishedBy"),
        published_at=optional("publishedAt"),
        withdrawn_by=optional("withdrawnBy"),
        withdrawn_at=optional("withdrawnAt"),
        revises=(optional("revises") or "").removeprefix(CONTRIBUTION_ID) or None,
        depends_on=ids(row["dependencies"]),
        corrects=ids(row["corrections"]),
        reason=optional("reason"),
        successor=(optional("successor") or "").removeprefix(CONTRIBUTION_ID) or None,
    )


def ids(joined) -> tuple[str, ...]:
    """Contribution ids from a GROUP_CONCAT of record IRIs."""
    return tuple(sorted(v.removeprefix(CONTRIBUTION_ID) for v in (joined.value if joined else "").split() if v))


def retirement_query(iri: str) -> str | None:
    """The latest withdrawal that retired `iri`: reason, successor, when (for 410 Gone).
    None for a value that is not an IRI (it comes from a request path: never spliced)."""
    if not sparql_terms.is_iri(iri):
        return None
    return f"""PREFIX cm: <{CM}>
        SELECT ?c ?reason ?successor ?at WHERE {{ GRAPH <{RECORDS_GRAPH}> {{
            ?c cm:retiredResource {sparql_terms.iri(iri)} ; cm:withdrawnAt ?at
            OPTIONAL {{ ?c cm:withdrawalReason ?reason }} OPTIONAL {{ ?c cm:successor ?successor }} }} }}
        ORDER BY DESC(?at) LIMIT 1"""


def withdrawal_request_operations(record: Record, who: str, reason: str, successor: str | None) -> list[str]:
    """The updates that keep a withdrawal request with its record (replacing an earlier one)."""
    node, graph = f"<{record.iri}>", f"<{RECORDS_GRAPH}>"
    names = (CM.withdrawalRequestedBy, CM.withdrawalRequestedAt, CM.withdrawalRequestReason,
             CM.withdrawalRequestSuccessor)  # fmt: skip
    drop = [f"DELETE WHERE {{ GRAPH {graph} {{ {node} <{name}> ?v }} }}" for name in names]
    facts = [f"<{CM.withdrawalRequestedBy}> {ox.Literal(who)}",
             f'<{CM.withdrawalRequestedAt}> "{now()}"^^<{XSD}dateTime>',
             f"<{CM.withdrawalRequestReason}> {ox.Literal(reason)}"]  # fmt: skip
    if successor:
        facts.append(f"<{CM.withdrawalRequestSuccessor}> {ox.NamedNode(successor)}")
    return [*drop, f"INSERT DATA {{ GRAPH {graph} {{ {node} {' ; '.join(facts)} }} }}"]


def withdrawal_request_query(identifier: str) -> str | None:
    if not IDENTIFIER.fullmatch(identifier):
        return None
    node = f"<{CONTRIBUTION_ID}{identifier}>"
    return f"""SELECT ?who ?at ?reason ?successor WHERE {{ GRAPH <{RECORDS_GRAPH}> {{
        {node} <{CM.withdrawalRequestedBy}> ?who ; <{CM.withdrawalRequestedAt}> ?at
        OPTIONAL {{ {node} <{CM.withdrawalRequestReason}> ?reason }}
        OPTIONAL {{ {node} <{CM.withdrawalRequestSuccessor}> ?successor }} }} }}"""
