"""Comparing lists: who is on which, as written, and what changed between editions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import combinations

from critmin.errors import RequestError
from critmin.rdf import terms as sparql_terms
from critmin.rdf.namespaces import ID
from critmin.sparql import queries

MAX_LISTS = 12
KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,80}$")
LIST_BASE = f"{ID}list/"


class CompareError(RequestError):
    """A comparison that cannot be made (unknown list 404, too many 400)."""


@dataclass(frozen=True)
class ListInfo:
    key: str
    iri: str
    label: str
    jurisdiction: str
    issuer: str
    date: str
    entries: int
    includes: str | None


def timeline(store) -> list[ListInfo]:
    """Every list, oldest first: the answer of competency question cq16."""
    rows = store.query(queries.load(queries.find("cq16")).text)
    found = [
        ListInfo(r["list"].value.removeprefix(LIST_BASE), r["list"].value, r["label"].value,
                 r["jurisdictionLabel"].value, r["issuer"].value, r["date"].value, int(r["entries"].value),
                 r["includes"].value.removeprefix(LIST_BASE) if r["includes"] is not None else None)
        for r in rows
    ]  # fmt: skip
    return sorted(found, key=lambda i: (i.date, i.key))


def membership_query(iris: list[str], expand_groups: bool) -> str:
    """One row per (list, commodity) and how the commodity is on it: `direct` (an entry
    denotes it), `included` (an entry of a list this one includes), `group` (a member
    of a listed group) or `member` (a group with a listed member)."""
    values = " ".join(sparql_terms.iri(i) for i in iris)
    group_rules = (
        """
  UNION { ?entry cm:inList ?list ; cm:denotes ?group ; cm:entryAsWritten ?written ; cm:position ?position .
          ?commodity cm:memberOfGroup ?group BIND("group" AS ?how) }
  UNION { ?entry cm:inList ?list ; cm:denotes ?member ; cm:entryAsWritten ?written ; cm:position ?position .
          ?commodity cm:hasGroupMember ?member BIND("member" AS ?how) }"""
        if expand_groups
        else ""
    )
    return f"""SELECT DISTINCT ?list ?commodity ?label ?written ?position ?how WHERE {{
  VALUES ?list {{ {values} }}
  {{ ?entry cm:inList ?list ; cm:denotes ?commodity ; cm:entryAsWritten ?written ; cm:position ?position
     BIND("direct" AS ?how) }}
  UNION {{ ?list cm:includesList ?inner . ?entry cm:inList ?inner ; cm:denotes ?commodity ;
           cm:entryAsWritten ?written ; cm:position ?position BIND("included" AS ?how) }}{group_rules}
  ?commodity rdfs:label ?label .
}} ORDER BY ?label ?list DESC(?how) ?position"""


@dataclass
class Cell:
    written: list[str] = field(default_factory=list)
    how: str = ""  # direct, included, group, member
    change: str = ""  # added, removed (against the previous chosen list of the same issuer)


@dataclass
class Comparison:
    lists: list[ListInfo]
    rows: list[tuple[str, str, dict[str, Cell]]]  # (commodity IRI, label, list key -> cell)
    expand_groups: bool
    query: str
    previous: dict[str, str]  # list key -> the key it is compared with for added/removed
    venn: list[tuple[str, list[str]]]  # (region name, labels) for two or three lists


RANK = {"direct": 0, "included": 1, "group": 2, "member": 3}


def parse_keys(text: str, known: dict[str, ListInfo]) -> list[ListInfo]:
    keys = [k.strip() for k in text.split(",") if k.strip()]
    if not keys:
        raise CompareError("name the lists to compare: ?lists=KEY1,KEY2 (keys as in /lists)", 400)
    if len(keys) > MAX_LISTS:
        raise CompareError(f"at most {MAX_LISTS} lists can be compared at once; {len(keys)} were named", 400)
    unknown = [k for k in keys if not KEY.match(k) or k not in known]
    if unknown:
        raise CompareError(f"no list {', '.join(repr(k[:90]) for k in unknown)}; the lists are at /lists", 404)
    return sorted({known[k] for k in keys}, key=lambda i: (i.date, i.key))


def _previous(chosen: list[ListInfo]) -> dict[str, str]:
    """Each chosen list's previous chosen edition by the same issuer."""
    last: dict[str, str] = {}
    previous = {}
    for info in chosen:
        if info.issuer in last:
            previous[info.key] = last[info.issuer]
        last[info.issuer] = info.key
    return previous


def _venn(chosen: list[ListInfo], rows) -> list[tuple[str, list[str]]]:
    if len(chosen) not in (2, 3):
        return []
    regions = []
    keys = [i.key for i in chosen]
    for size in range(len(keys), 0, -1):
        for subset in combinations(keys, size):
            labels = [label for _iri, label, cells in rows if {k for k in keys if k in cells} == set(subset)]
            name = " and ".join(subset) + (" only" if size < len(keys) else " (all)")
            regions.append((name, labels))
    return regions


def compare(store, keys_text: str, expand_groups: bool = False) -> Comparison:
    known = {i.key: i for i in timeline(store)}
    chosen = parse_keys(keys_text, known)
    query = membership_query([i.iri for i in chosen], expand_groups)
    table: dict[str, tuple[str, dict[str, Cell]]] = {}
    for r in store.query(query):
        key = r["list"].value.removeprefix(LIST_BASE)
        _label, cells = table.setdefault(r["commodity"].value, (r["label"].value, {}))
        cell = cells.setdefault(key, Cell(how=r["how"].value))
        how = r["how"].value
        if RANK[how] < RANK[cell.how]:
            cell.how, cell.written = how, []
        if how == cell.how and r["written"].value not in cell.written:
            cell.written.append(r["written"].value)
    previous = _previous(chosen)
    for _label, cells in table.values():
        for key, before in previous.items():
            if key in cells and before not in cells:
                cells[key].change = "added"
            elif before in cells and key not in cells:
                cells[key] = Cell(change="removed")
    rows = sorted(((iri, label, cells) for iri, (label, cells) in table.items()), key=lambda r: r[1].casefold())
    present = [(iri, label, {k: c for k, c in cells.items() if c.how}) for iri, label, cells in rows]
    return Comparison(chosen, rows, expand_groups, query, previous, _venn(chosen, present))


def as_records(comparison: Comparison) -> list[dict[str, str]]:
    """One flat record per commodity (for CSV and JSON): a column per list holding the
    entry as written, with how and what changed when that is not plain."""
    records = []
    for iri, label, cells in comparison.rows:
        record = {"commodity": iri, "label": label}
        for info in comparison.lists:
            cell = cells.get(info.key)
            text = "; ".join(cell.written) if cell else ""
            notes = [n for n in ((cell.how if cell and cell.how not in ("", "direct") else ""),
                                 (cell.change if cell else "")) if n]  # fmt: skip
            record[info.key] = text + (f" [{', '.join(notes)}]" if notes else "")
        records.append(record)
    return records
