"""The matching engine: from a typed name to ranked resources.

Scores are on a 0-100 scale that means the same everywhere (search page, suggest,
reconciliation, spreadsheet entries):
- 100: the whole name, ignoring case, accents and punctuation (a label, alternative
  label, notation, title or element symbol);
- 88: the initials of a name of three or more words ("REE", "IEA");
- 90-95: the name starts with the query ("lith" -> Lithium);
- 80-85: every query word starts a word of the name ("earth rare", "alum baux");
- 70-75: every query word starts a word of the name or nearly spells one ("rare
  earths": rapidfuzz ratio at least 80 for words of four letters or more);
- up to 75: fuzzy (rapidfuzz WRatio at least 85 of 100: "litium" -> Lithium).
Names a resource has only through another (a form's label on its commodity) count
0.9 of that; names of list entries count 0.95, so a commodity ranks above the entries
that denote it. Symbols match only whole ("Li", never "Lig...").

Why rapidfuzz and not SQLite FTS5: the index is small (hundreds of resources), it is
rebuilt per dataset version in memory in milliseconds, and FTS5 has no edit-distance
matching, which "litium" needs.
"""

from __future__ import annotations

import bisect
import itertools
import json
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from critmin.rdf.namespaces import CM
from critmin.search.collect import Record, from_document
from critmin.search.text import MAX_QUERY, initials, normalize

EXACT, INITIALS, PREFIX, WORDS, NEAR_WORDS, FUZZY_MAX = 100.0, 88.0, 90.0, 80.0, 70.0, 75.0
NEAR_WORD = 80.0
FUZZY_CUTOFF = 85.0
FUZZY_MIN_LENGTH = 4  # shorter queries are matched exactly or as prefixes only
KIND_WEIGHT = {"form": 0.9, "entry": 0.97}
TYPE_WEIGHT = {str(CM.ListEntry): 0.95}
MATCH_SCORE = 99.5  # a candidate is a sure match at or above this, when it alone is

# What a type filter may say, and the class it means. The order is the tie-break
# order of equal scores: the things people look for before the records about them.
TYPE_KEYS = {
    "commodity": str(CM.Commodity),
    "group": str(CM.CommodityGroup),
    "country": str(CM.Country),
    "list": str(CM.CriticalMineralList),
    "technology": str(CM.Technology),
    "agreement": str(CM.Agreement),
    "initiative": str(CM.Initiative),
    "source": str(CM.SourceDocument),
    "element": str(CM.ChemicalElement),
    "agent": "http://www.w3.org/ns/prov#Agent",
    "event": str(CM.Event),
    "sector": str(CM.IndustrySector),
    "use": str(CM.TechnologyUse),
    "supply": str(CM.SupplyRelation),
    "entry": str(CM.ListEntry),
}
PRIORITY = {iri: rank for rank, iri in enumerate(TYPE_KEYS.values())}
SPECIFICITY = {TYPE_KEYS["group"]: 1}  # a group is also a commodity: name the narrower class


def _near(typed: str, word: str) -> bool:
    return len(typed) >= FUZZY_MIN_LENGTH and fuzz.ratio(typed, word) >= NEAR_WORD


@dataclass(frozen=True)
class Hit:
    record: Record
    score: float
    matched: str  # the name that matched, as the data writes it
    kind: str  # label, alt, notation, symbol, title, entry, form, initials

    @property
    def priority(self) -> int:
        return min((PRIORITY.get(t, len(PRIORITY)) for t in self.record.types), default=len(PRIORITY) + 1)


@dataclass(frozen=True)
class Key:
    norm: str
    record: int
    text: str
    kind: str


def resolve_type(value: str) -> str | None:
    """A type filter's class IRI: a key ("commodity"), a class IRI, or `cm:Name`."""
    value = value.strip()
    if value in TYPE_KEYS:
        return TYPE_KEYS[value]
    if value.startswith("cm:"):
        return str(CM) + value[3:]
    return value if value.startswith(("http://", "https://")) else None


class SearchIndex:
    """The names of one dataset version, ready to match."""

    def __init__(self, records: list[Record], classes: dict[str, str], version: str = ""):
        self.records = records
        self.classes = classes
        self.version = version
        self.by_iri = {r.iri: i for i, r in enumerate(records)}
        self.by_folded_iri = {r.iri.casefold(): r.iri for r in records}
        self.keys: list[Key] = []
        self.exact: dict[str, list[int]] = {}
        for index, record in enumerate(records):
            for text, kind, _language in record.texts:
                self._add(normalize(text), index, text, kind)
                if kind in ("label", "alt", "title"):
                    short = initials(text)
                    if short:
                        self._add(short, index, text, "initials")
        self.fuzzy_keys = [i for i, k in enumerate(self.keys)
                           if k.kind not in ("symbol", "initials") and len(k.norm) >= FUZZY_MIN_LENGTH]  # fmt: skip
        self.fuzzy_norms = [self.keys[i].norm for i in self.fuzzy_keys]
        self.word_keys: dict[str, list[int]] = {}
        for position, key in enumerate(self.keys):
            if key.kind not in ("symbol", "initials"):
                for word in set(key.norm.split()):
                    self.word_keys.setdefault(word, []).append(position)
        self.words = sorted(self.word_keys)

    def _add(self, norm: str, record: int, text: str, kind: str) -> None:
        if not norm:
            return
        self.exact.setdefault(norm, []).append(len(self.keys))
        self.keys.append(Key(norm, record, text, kind))

    # --- scoring -----------------------------------------------------------------------

    @staticmethod
    def _score(query: str, key: Key) -> float | None:
        if key.norm == query:
            return INITIALS if key.kind == "initials" else EXACT
        if key.kind in ("symbol", "initials"):
            return None
        closeness = len(query) / len(key.norm)
        if key.norm.startswith(query):
            return PREFIX + 5 * closeness
        words = key.norm.split()
        if all(any(w.startswith(t) for w in words) for t in query.split()):
            return WORDS + 5 * closeness
        if all(any(w.startswith(t) or _near(t, w) for w in words) for t in query.split()):
            return NEAR_WORDS + 5 * closeness
        return None

    def _weighted(self, score: float, key: Key) -> float:
        record = self.records[key.record]
        weight = KIND_WEIGHT.get(key.kind, 1.0) * min((TYPE_WEIGHT.get(t, 1.0) for t in record.types), default=1.0)
        return round(score * weight, 2)

    def _word_candidates(self, first: str) -> set[int]:
        """The keys that can pass a prefix or word tier: those with a word that starts
        with the query's first word or (four letters or more) nearly spells it. A sorted
        vocabulary and rapidfuzz keep this from scanning every key per query."""
        found: set[int] = set()
        start = bisect.bisect_left(self.words, first)
        for word in itertools.takewhile(lambda w: w.startswith(first), self.words[start:]):
            found.update(self.word_keys[word])
        if len(first) >= FUZZY_MIN_LENGTH:
            for word, _ratio, _ in process.extract(first, self.words, scorer=fuzz.ratio, score_cutoff=NEAR_WORD,
                                                   limit=None):  # fmt: skip
                found.update(self.word_keys[word])
        return found

    def _candidates(self, query: str) -> dict[int, tuple[float, Key]]:
        best: dict[int, tuple[float, Key]] = {}

        def offer(score: float | None, key: Key) -> None:
            if score is None:
                return
            weighted = self._weighted(score, key)
            if key.record not in best or weighted > best[key.record][0]:
                best[key.record] = (weighted, key)

        for position in self.exact.get(query, ()):
            offer(self._score(query, self.keys[position]), self.keys[position])
        for position in self._word_candidates(query.split()[0]):
            key = self.keys[position]
            if key.norm != query:
                offer(self._score(query, key), key)
        if len(query) >= FUZZY_MIN_LENGTH:
            found = process.extract(query, self.fuzzy_norms, scorer=fuzz.WRatio, limit=50, score_cutoff=FUZZY_CUTOFF)
            for _norm, ratio, position in found:
                key = self.keys[self.fuzzy_keys[position]]
                if key.record not in best:
                    offer(FUZZY_MAX * ratio / 100, key)
        return best

    # --- asking ------------------------------------------------------------------------

    def search(self, text: str, *, types: list[str] | None = None, limit: int = 10) -> list[Hit]:
        """The best `limit` resources for `text`, of one of `types` (class IRIs) if given."""
        query = normalize(text[:MAX_QUERY])
        if not query:
            return []
        wanted = set(types or ())
        hits = [
            Hit(self.records[i], score, key.text, key.kind)
            for i, (score, key) in self._candidates(query).items()
            if not wanted or wanted.intersection(self.records[i].types)
        ]
        hits.sort(key=lambda h: (-h.score, h.priority, h.record.name.casefold(), h.record.iri))
        return hits[: max(0, limit)]

    def record(self, iri: str) -> Record | None:
        index = self.by_iri.get(iri)
        return self.records[index] if index is not None else None

    def main_type(self, record: Record) -> str:
        """The name of the type shown beside a resource: its most specific known one."""
        known = [t for t in record.types if t in PRIORITY]
        if not known:
            return "resource"
        return self.type_name(max(known, key=lambda t: (SPECIFICITY.get(t, 0), -PRIORITY[t])))

    def type_name(self, iri: str) -> str:
        return self.classes.get(iri) or iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]

    def of_type(self, type_iri: str) -> list[Record]:
        return sorted((r for r in self.records if type_iri in r.types), key=lambda r: (r.name.casefold(), r.iri))


def is_sure(hits: list[Hit]) -> bool:
    """Whether the first hit is a sure match: a whole name, and no other hit has one."""
    return bool(hits) and hits[0].score >= MATCH_SCORE and (len(hits) < 2 or hits[1].score < MATCH_SCORE)


@lru_cache(maxsize=2)
def load_index(path: str) -> SearchIndex:
    """The index stored at `path` (a derived document: one file per dataset version, so
    the path names its content and the cache never serves a stale index)."""
    with open(path, encoding="utf-8") as stream:
        document = json.load(stream)
    records, classes = from_document(document)
    return SearchIndex(records, classes, document.get("version", ""))
