"""A critical-mineral list from CSV: rows, metadata, entry matching, Turtle."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from critmin.errors import RequestError
from critmin.rdf.namespaces import CM, ID
from critmin.search.engine import TYPE_KEYS, SearchIndex, is_sure
from critmin.search.text import normalize

MAX_ROWS = 5000
PREFIXES = "".join(f"@prefix {p}: <{n}> .\n" for p, n in {
    "cm": str(CM), "dct": "http://purl.org/dc/terms/", "skos": "http://www.w3.org/2004/02/skos/core#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#", "foaf": "http://xmlns.com/foaf/0.1/",
    "org": "http://www.w3.org/ns/org#"}.items())  # fmt: skip
FORMULA = re.compile(r"^[=+\-@\t\r]")
KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,80}$")
DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
COMMODITY_TYPES = [TYPE_KEYS["commodity"]]


# ISO 3166-1 codes that name a union of countries, not a country (exceptionally reserved).
UNION_CODES = {"EU"}


def jurisdiction_iri(code: str) -> str:
    """The IRI of the country or union of countries an ISO 3166-1 alpha-2 code names."""
    return f"{ID}{'union' if code in UNION_CODES else 'country'}/{code}"


class SheetError(RequestError):
    """The table or its metadata cannot become a list; `entries` is the per-entry table."""

    def __init__(self, message: str, status: int = 400, entries: list[dict] | None = None):
        super().__init__(message, status, entries=entries or [])
        self.entries = entries or []


@dataclass(frozen=True)
class Row:
    line: int
    position: int
    written: str
    commodity: str = ""
    note: str = ""


@dataclass
class Match:
    row: Row
    iri: str | None = None
    method: str = ""  # given, earlier entry, label, alternative label, symbol, minted...
    score: float = 0.0
    candidates: list[dict] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"line": self.row.line, "position": self.row.position, "entry": self.row.written,
                "commodity": self.iri, "method": self.method, "score": self.score,
                "candidates": self.candidates}  # fmt: skip


@dataclass(frozen=True)
class ListMetadata:
    title: str
    issued: str
    publisher: str
    jurisdiction: str
    source_url: str
    notation: str
    citation: str = ""

    @classmethod
    def from_params(cls, params) -> ListMetadata:
        missing = [name for name in ("title", "issued", "publisher", "jurisdiction", "source_url", "notation")
                   if not (params.get(name) or "").strip()]  # fmt: skip
        if missing:
            raise SheetError(f"a CSV list needs these query parameters: {', '.join(missing)} (see /contribute)")
        found = cls(**{k: params.get(k, "").strip() for k in cls.__dataclass_fields__})
        if not DATE.match(found.issued):
            raise SheetError(f"issued={found.issued!r} is not an ISO date, year-month or year")
        if not (COUNTRY.match(found.jurisdiction) or found.jurisdiction.startswith(("http://", "https://"))):
            raise SheetError(f"jurisdiction={found.jurisdiction!r} is not an ISO 3166-1 alpha-2 code or an IRI")
        if not found.source_url.startswith(("http://", "https://")):
            raise SheetError(f"source_url={found.source_url!r} is not an http(s) URL")
        if not KEY.match(found.notation.lower()):
            raise SheetError(f"notation={found.notation!r}: letters, digits and hyphens only")
        return found

    @property
    def key(self) -> str:
        return self.notation.lower()


def read_rows(body: bytes) -> list[Row]:
    """The rows of the table, checked: UTF-8 (a BOM is fine), `,` or `;`, a header with
    `position` and `entry_as_written`, positions 1..n once each, no empty entry."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SheetError(f"the CSV is not UTF-8: byte {error.start} cannot be read; save it as UTF-8") from None
    first = text.split("\n", 1)[0]
    dialect = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=dialect)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if "position" not in header or "entry_as_written" not in header:
        raise SheetError("the first line must name the columns: position,entry_as_written[,commodity][,note]")
    reader.fieldnames = header
    rows, seen = [], {}
    for number, record in enumerate(reader, start=2):
        if len(rows) >= MAX_ROWS:
            raise SheetError(f"at most {MAX_ROWS:,} rows per list", 413)
        values = {k: (v or "").strip() for k, v in record.items() if k}
        if not any(values.values()):
            continue
        for name, value in values.items():
            if FORMULA.match(value) and not (name == "position" and value.lstrip("-").isdigit()):
                raise SheetError(f"line {number}, column {name}: {value[:40]!r} looks like a spreadsheet formula")
        if not values.get("position", "").isdigit() or int(values["position"]) < 1:
            raise SheetError(f"line {number}: position {values.get('position', '')!r} is not a whole number from 1")
        position = int(values["position"])
        if position in seen:
            raise SheetError(f"line {number}: position {position} was already given on line {seen[position]}")
        if not values.get("entry_as_written"):
            raise SheetError(f"line {number}: the entry is empty")
        seen[position] = number
        rows.append(Row(number, position, values["entry_as_written"], values.get("commodity", ""),
                        values.get("note", "")))  # fmt: skip
    if not rows:
        raise SheetError("the table has no entries")
    missing = sorted(set(range(1, len(rows) + 1)) - set(seen))
    if missing:
        raise SheetError(f"positions must run from 1 to {len(rows)}: missing {', '.join(map(str, missing[:10]))}")
    return sorted(rows, key=lambda r: r.position)


def earlier_entries(index: SearchIndex) -> dict[str, str]:
    """Entries as earlier lists wrote them (folded) -> the commodity they denote, when
    every such entry denotes the same one."""
    found: dict[str, set[str]] = {}
    for record in index.records:
        if TYPE_KEYS["entry"] in record.types and record.props.get("denotes"):
            targets = {v for v in record.props["denotes"] if v.startswith(str(ID))}
            for text, kind, _ in record.texts:
                if kind == "entry":
                    found.setdefault(normalize(text), set()).update(targets)
    return {text: next(iter(targets)) for text, targets in found.items() if len(targets) == 1}


def match(rows: list[Row], index: SearchIndex) -> list[Match]:
    """Each entry's commodity: the one given, else the one an earlier entry written the
    same way denotes, else a sure match by name (a whole label, alternative label,
    notation or symbol, and no rival); otherwise unmatched or ambiguous, with candidates."""
    earlier = earlier_entries(index)
    matches = []
    for row in rows:
        if row.commodity:
            given = row.commodity
            iri = given if given.startswith(("http://", "https://")) else f"{ID}mineral/{given}"
            if index.record(iri) is not None:
                matches.append(Match(row, iri, "given", 100.0))
            else:
                matches.append(Match(row, None, f"given commodity {given!r} is unknown"))
            continue
        if normalize(row.written) in earlier:
            matches.append(Match(row, earlier[normalize(row.written)], "earlier entry", 100.0))
            continue
        hits = index.search(row.written, types=COMMODITY_TYPES, limit=5)
        candidates = [{"commodity": h.record.iri, "name": h.record.name, "score": h.score, "matched": h.matched}
                      for h in hits]  # fmt: skip
        if is_sure(hits):
            matches.append(Match(row, hits[0].record.iri, hits[0].kind, hits[0].score, candidates))
        else:
            matches.append(Match(row, None, "ambiguous" if hits else "unmatched", 0.0, candidates))
    return matches


def _literal(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def _date(value: str) -> str:
    kind = {10: "date", 7: "gYearMonth", 4: "gYear"}[len(value)]
    return f'"{value}"^^<http://www.w3.org/2001/XMLSchema#{kind}>'


def mint_key(written: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", normalize(written)).strip("-")[:80] or "entry"


def to_turtle(meta: ListMetadata, matches: list[Match], mint: bool) -> tuple[str, list[dict]]:
    """The list as Turtle, each statement sourced by the list's source document; with
    `mint`, a new commodity for each unmatched entry (its label is the entry)."""
    key = meta.key
    source, the_list = f"<{ID}source/{key}>", f"<{ID}list/{key}>"
    named = meta.publisher.startswith(("http://", "https://"))
    agent = meta.publisher if named else f"{ID}agent/{mint_key(meta.publisher)}"
    place = meta.jurisdiction if "://" in meta.jurisdiction else jurisdiction_iri(meta.jurisdiction)
    title, notation, issued = _literal(meta.title), _literal(meta.notation), _date(meta.issued)
    lines = [
        f"{source} a cm:SourceDocument ; dct:title {title}@en ; dct:issued {issued} ; dct:publisher <{agent}> ;",
        f"  skos:notation {notation} ; foaf:page <{meta.source_url}> ;",
        f"  dct:bibliographicCitation {_literal(meta.citation or meta.title)} .",
        f"{the_list} a cm:CriticalMineralList ; rdfs:label {title}@en ; cm:jurisdiction <{place}> ;",
        f"  dct:publisher <{agent}> ; dct:issued {issued} ; skos:notation {notation} ; dct:source {source} .",
    ]
    if not named:
        label = _literal(meta.publisher)
        lines.append(f"<{agent}> a org:Organization ; rdfs:label {label}@en ; dct:source {source} .")
    minted = []
    for item in matches:
        row = item.row
        entry = f"<{ID}list-entry/{key}-{row.position:02d}>"
        if item.iri is None and mint:
            item.iri, item.method, item.score = f"{ID}mineral/{mint_key(row.written)}", "minted", 0.0
            minted.append({"commodity": item.iri, "label": row.written})
            lines.append(f"<{item.iri}> a cm:Commodity ; rdfs:label {_literal(row.written)}@en ; dct:source {source} .")
        label = _literal(f"{meta.title}, entry {row.position}: {row.written}")
        lines.append(
            f"{entry} a cm:ListEntry ; cm:inList {the_list} ; cm:position {row.position} ; "
            f"cm:entryAsWritten {_literal(row.written)} ; cm:denotes <{item.iri}> ; rdfs:label {label}@en ; "
            f"dct:source {source} ."
        )
        lines.append(f"{the_list} cm:hasEntry {entry} .")
    return PREFIXES + "\n".join(lines) + "\n", minted


def convert(body: bytes, params, index: SearchIndex) -> tuple[str, list[dict], list[dict]]:
    """CSV + parameters -> (Turtle, the per-entry table, what was minted). Unmatched or
    ambiguous entries without `new_commodities=1` raise SheetError 422 naming each."""
    meta = ListMetadata.from_params(params)
    if index.record(f"{ID}list/{meta.key}") is not None:
        raise SheetError(f"a list {ID}list/{meta.key} already exists (notation {meta.notation}); "
                         f"see /id/list/{meta.key}", 409)  # fmt: skip
    matches = match(read_rows(body), index)
    mint = params.get("new_commodities") in ("1", "true", "yes")
    open_rows = [m for m in matches if m.iri is None]
    if open_rows and not mint:
        names = "; ".join(f"line {m.row.line} “{m.row.written}” ({m.method})" for m in open_rows[:20])
        raise SheetError(f"{len(open_rows)} entries have no sure commodity: {names}. Add a commodity column, "
                         f"or send new_commodities=1 to mint them", 422, [m.as_json() for m in matches])  # fmt: skip
    turtle, minted = to_turtle(meta, matches, mint)
    return turtle, [m.as_json() for m in matches], minted
