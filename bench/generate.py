"""A scale generator shaped like the domain: synthetic critical-minerals data of N triples.

    python bench/generate.py --triples 1000000 --output var/bench/1M.nq [--seed 42]

The graph conforms to the project's shapes and looks like the real thing grown
large: ~250 countries with two-letter codes, commodities and groups, dated
critical-mineral lists per country and year with entries as written, years of
supply relations between country pairs with ranks and shares, technologies and
their uses, and every fact with a source. It is synthetic: every IRI is under
https://w3id.org/critmin/bench/ so it can never be mistaken for real data. A fixed
seed gives the same graph every run, so runs are comparable.
"""

from __future__ import annotations

import argparse
import itertools
import random
import string
import sys
from pathlib import Path

import pyoxigraph as ox

from critmin.rdf.namespaces import BENCH_ID

CM = "https://w3id.org/critmin/ontology#"
BENCH = str(BENCH_ID)
GRAPH = ox.NamedNode("https://w3id.org/critmin/graph/bench")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
SOURCE = ox.NamedNode("http://purl.org/dc/terms/source")
TITLE = ox.NamedNode("http://purl.org/dc/terms/title")
ISSUED = ox.NamedNode("http://purl.org/dc/terms/issued")
PUBLISHER = ox.NamedNode("http://purl.org/dc/terms/publisher")
PAGE = ox.NamedNode("http://xmlns.com/foaf/0.1/page")
NOTATION = ox.NamedNode("http://www.w3.org/2004/02/skos/core#notation")
ORGANIZATION = ox.NamedNode("http://www.w3.org/ns/org#Organization")
XSD = "http://www.w3.org/2001/XMLSchema#"
TECHNOLOGY_KINDS = ["WindPowerTechnology", "SolarPowerTechnology", "EnergyStorageTechnology", "Technology"]


def cm(local: str) -> ox.NamedNode:
    return ox.NamedNode(CM + local)


def node(kind: str, key: str) -> ox.NamedNode:
    return ox.NamedNode(f"{BENCH}{kind}/{key}")


def text(value: str) -> ox.Literal:
    return ox.Literal(value, language="en")


def typed(value, datatype: str) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(XSD + datatype))


class Generator:
    def __init__(self, seed: int):
        self.random = random.Random(seed)
        self.count = 0

    def quad(self, subject, predicate, obj) -> ox.Quad:
        self.count += 1
        return ox.Quad(subject, predicate, obj, GRAPH)

    def described(self, subject, kind: str, label: str, source) -> list[ox.Quad]:
        return [
            self.quad(subject, RDF_TYPE, cm(kind)),
            self.quad(subject, LABEL, text(label)),
            self.quad(subject, SOURCE, source),
        ]

    def reference(self):
        """Countries, commodities, groups, technologies, issuers: the fixed frame."""
        codes = ["".join(pair) for pair in itertools.product(string.ascii_uppercase, repeat=2)][3:]
        self.random.shuffle(codes)
        # AA, AB and AC always exist, so that benchmark queries can name them.
        self.countries = [node("country", code) for code in sorted(["AA", "AB", "AC", *codes[:247]])]
        self.issuer = node("agent", "statistics-office")
        self.register = node("source", "register")
        yield self.quad(self.issuer, RDF_TYPE, ORGANIZATION)
        yield self.quad(self.issuer, LABEL, text("Synthetic statistics office"))
        yield from self.source_quads(self.register, "REGISTER", "Synthetic reference register", 2020)
        for country in self.countries:
            code = country.value.rsplit("/", 1)[1]
            yield from self.described(country, "Country", f"Country {code}", self.register)
            yield self.quad(country, cm("iso3166Alpha2"), ox.Literal(code))
        self.commodities = [node("mineral", f"m{i:03d}") for i in range(120)]
        for index, commodity in enumerate(self.commodities):
            yield from self.described(commodity, "Commodity", f"Mineral {index:03d}", self.register)
        self.groups = [node("mineral", f"group{i}") for i in range(4)]
        for index, group in enumerate(self.groups):
            yield from self.described(group, "CommodityGroup", f"Mineral group {index}", self.register)
            # A group's source names member elements; commodities are members through them.
            for member in self.commodities[index * 15 : index * 15 + 15]:
                element = node("element", member.value.rsplit("/", 1)[1])
                yield from self.described(element, "ChemicalElement", f"Element {member.value[-3:]}", self.register)
                yield self.quad(member, cm("element"), element)
                yield self.quad(group, cm("hasMemberElement"), element)
        self.technologies = [node("technology", f"t{i:02d}") for i in range(40)]
        for index, technology in enumerate(self.technologies):
            kind = TECHNOLOGY_KINDS[index % len(TECHNOLOGY_KINDS)]
            yield from self.described(technology, kind, f"Technology {index:02d}", self.register)

    def source_quads(self, source, key: str, title: str, year: int):
        yield self.quad(source, RDF_TYPE, cm("SourceDocument"))
        yield self.quad(source, NOTATION, ox.Literal(key))
        yield self.quad(source, TITLE, text(title))
        yield self.quad(source, PUBLISHER, self.issuer)
        yield self.quad(source, ISSUED, typed(f"{year}-06-30", "date"))
        yield self.quad(source, PAGE, ox.NamedNode(f"https://example.org/bench/{key}"))

    def year_of_facts(self, year: int):
        """One year's reports, one whole report (a list of quads) per country."""
        for country in self.countries:
            yield list(self.report(country, year))

    def report(self, country, year: int):
        """A country's report for a year: its list, its supply relations, uses."""
        code = country.value.rsplit("/", 1)[1]
        key = f"{code}-{year}"
        report = node("source", key)
        yield from self.source_quads(report, key, f"Critical minerals report {key}", year)
        critical_list = node("list", key)
        yield from self.described(critical_list, "CriticalMineralList", f"Critical minerals {key}", report)
        yield self.quad(critical_list, cm("jurisdiction"), country)
        yield self.quad(critical_list, PUBLISHER, self.issuer)
        yield self.quad(critical_list, ISSUED, typed(f"{year}-06-30", "date"))
        listed = self.random.sample(self.commodities + self.groups, self.random.randint(15, 35))
        for position, commodity in enumerate(listed, start=1):
            entry = node("list-entry", f"{key}-{position:02d}")
            yield from self.described(entry, "ListEntry", f"{key} entry {position}", report)
            yield self.quad(critical_list, cm("hasEntry"), entry)
            yield self.quad(entry, cm("inList"), critical_list)
            yield self.quad(entry, cm("position"), typed(position, "integer"))
            yield self.quad(entry, cm("entryAsWritten"), ox.Literal(commodity.value.rsplit("/", 1)[1].title()))
            yield self.quad(entry, cm("denotes"), commodity)
        for rank, (recipient, commodity) in enumerate(self.supply_pairs(country), start=1):
            relation = node("supply", f"{key}-{rank:03d}")
            yield from self.described(relation, "SupplyRelation", f"Supply {key} {rank}", report)
            yield self.quad(relation, cm("supplier"), country)
            yield self.quad(relation, cm("recipient"), recipient)
            yield self.quad(relation, cm("commodity"), commodity)
            yield self.quad(relation, cm("supplierRank"), typed(self.random.randint(1, 5), "integer"))
            share = round(self.random.random(), 3)
            yield self.quad(relation, cm("shareOfNeeds"), typed(share, "decimal"))
        for index in range(3):
            use = node("technology-use", f"{key}-{index}")
            yield from self.described(use, "TechnologyUse", f"Use {key} {index}", report)
            yield self.quad(use, cm("commodity"), self.random.choice(self.commodities))
            yield self.quad(use, cm("technology"), self.random.choice(self.technologies))
            yield self.quad(use, cm("roleAsStated"), ox.Literal("component"))

    def supply_pairs(self, supplier):
        for _ in range(self.random.randint(5, 20)):
            recipient = self.random.choice(self.countries)
            if recipient != supplier:
                yield recipient, self.random.choice(self.commodities)

    def quads(self, triples: int):
        yield from self.reference()
        for year in itertools.count(2000):
            for report in self.year_of_facts(year):
                yield from report
                if self.count >= triples:
                    return


def generate(triples: int, seed: int = 42):
    """The quads of a generated graph of about `triples` triples (in graph .../graph/bench)."""
    return Generator(seed).quads(triples)


def write_graph(triples: int, path: Path, seed: int = 42) -> Path:
    """A generated graph of about `triples` triples, as an N-Quads file."""
    ox.serialize(generate(triples, seed), str(path), ox.RdfFormat.N_QUADS)
    return path


def build_store(data: Path, store: Path) -> Path:
    """The project's graph plus generated data, built the way large builds are (rule
    reasoning, no SHACL gate: the generator's output conforms by construction)."""
    from critmin import build, settings

    build.build(store, settings.project_home(), extra=[data], reasoner="rules", validate=False, force=True)
    return store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, required=True)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--output", type=Path, help="an .nq file (default: standard output)")
    args = parser.parse_args()
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        ox.serialize(generate(args.triples, args.seed), str(args.output), ox.RdfFormat.N_QUADS)
    else:
        sys.stdout.buffer.write(ox.serialize(generate(args.triples, args.seed), format=ox.RdfFormat.N_QUADS))


if __name__ == "__main__":
    main()
