"""Turn the checked reference tables (CSV) into the project's Turtle files in data/.

Run by a maintainer when the reference tables change:

    python tools/import_reference.py ../shared/reference data/

The output is committed; building, running and testing never need the CSVs.

**One file per source document.** Each file `data/<source key>.ttl` holds exactly the
statements that one document makes, and the build loads it into its own named graph
whose source the dataset metadata names (`<graph> dct:source source:<key>`). So the
source of every asserted triple is retrievable with SPARQL (`GRAPH ?g { s p o }`), on
any SPARQL 1.1 engine. A triple two documents state is in both graphs. The source
register (`sources.ttl`) is the catalogue of those documents: dataset metadata.

The seed's statements (`nrcan-2020-01-09.ttl`) and the State Department's
(`dos-2020-01-09.ttl`) are written by hand; this script skips the seed's rows.
Nothing is added that the tables do not state, except what tools/reference_additions.py
adds from named works, each with its own source: element symbols (IUPAC 2005), the
ISO 3166-1 code exceptionally reserved for the European Union, and the countries'
bounding boxes and centroids (the geometry DCAT-AP asks of a dataset's places).
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from pathlib import Path

from reference_additions import REFERENCE_WORKS, add_countries, add_geometry, add_symbols, lit, read

PREFIXES = """@prefix cm:         <https://w3id.org/critmin/ontology#> .
@prefix rdfs:       <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:        <http://www.w3.org/2001/XMLSchema#> .
@prefix skos:       <http://www.w3.org/2004/02/skos/core#> .
@prefix dct:        <http://purl.org/dc/terms/> .
@prefix foaf:       <http://xmlns.com/foaf/0.1/> .
@prefix org:        <http://www.w3.org/ns/org#> .
@prefix source:     <https://w3id.org/critmin/id/source/> .
@prefix agent:      <https://w3id.org/critmin/id/agent/> .
@prefix country:    <https://w3id.org/critmin/id/country/> .
@prefix union:      <https://w3id.org/critmin/id/union/> .
@prefix mineral:    <https://w3id.org/critmin/id/mineral/> .
@prefix element:    <https://w3id.org/critmin/id/element/> .
@prefix list:       <https://w3id.org/critmin/id/list/> .
@prefix entry:      <https://w3id.org/critmin/id/list-entry/> .
@prefix technology: <https://w3id.org/critmin/id/technology/> .
@prefix use:        <https://w3id.org/critmin/id/technology-use/> .
@prefix wd:         <http://www.wikidata.org/entity/> .
@prefix cgi:        <http://resource.geosciml.org/classifier/cgi/commodity-code/> .
@prefix dcat:       <http://www.w3.org/ns/dcat#> .
@prefix geo:        <http://www.opengis.net/ont/geosparql#> .
"""

SEED = "NRCAN-2020-01-09"

# An entry denotes what it names. Entries that name a form of a commodity ("Aluminum
# (bauxite)" names bauxite, the ore) or a group get their own key; the rest are keyed
# by their name. FORMS says which commodity a form is a form of, as the entry writes it.
ENTRY_KEYS = {
    "Aluminum (bauxite)": "bauxite",
    "Graphite (natural)": "natural-graphite",
    "natural graphite": "natural-graphite",
    "Rare earth elements group": "rare-earth-elements",
    "Rare earth elements": "rare-earth-elements",
    "Platinum group metals": "platinum-group-metals",
    "Silicon metal": "silicon-metal",
    "High-purity iron ore": "high-purity-iron-ore",
}
LABELS = {"bauxite": "Bauxite", "natural-graphite": "Natural graphite", "rare-earth-elements": "Rare earth elements"}
FORMS = {"bauxite": "aluminum", "natural-graphite": "graphite", "silicon-metal": "silicon"}
GROUPS = {"rare-earth-elements", "platinum-group-metals"}
# Materials that are made, not mined (the DOE 2023 list's "electrical steel" and
# "silicon carbide"), and entries that name the chemical element itself ("fluorine",
# not the mined fluorspar).
MANUFACTURED = {"electrical-steel", "silicon-carbide"}
NAMES_ELEMENT = {"fluorine"}
# The identifier table is keyed by the 2018 list's wording; its Wikidata items are
# element items and its CGI codes name the commodity after which the entry is named.
IDENTIFIER_KEYS = {
    "Aluminum (bauxite)": "aluminum",
    "Graphite (natural)": "graphite",
    "Rare earth elements group": "rare-earth-elements",
    "Platinum group metals": "platinum-group-metals",
}
NOT_ELEMENTS = {"barite", "fluorspar", "graphite", "potash"} | GROUPS

# list key in the table -> (list IRI key, source key, title, jurisdiction, stated entry count)
LISTS = {
    "US-DOI-2018": ("us-doi-2018", "US-DOI-2018", "U.S. Final List of Critical Minerals 2018", "US", None),
    "US-USGS-2022": ("us-usgs-2022", "US-USGS-2022", "U.S. 2022 Final List of Critical Minerals", "US", None),
    "CA-NRCAN-2021": ("ca-nrcan-2021", "CA-NRCAN-2021", "Canada's Critical Minerals List 2021", "CA", None),
    "CA-NRCAN-2024": ("ca-nrcan-2024", "CA-NRCAN-2024", "Canada's Critical Minerals List 2024", "CA", None),
    "US-DOE-2023-energy": (
        "us-doe-2023-energy",
        "US-DOE-2023",
        "U.S. DOE 2023 Critical Materials List: critical materials for energy",
        "US",
        18,
    ),
    "US-USGS-2025": ("us-usgs-2025", "US-USGS-2025", "U.S. 2025 List of Critical Minerals", "US", None),
}
# A list that includes another by reference (the DOE list is its 18 entries plus every
# mineral of the USGS 2022 list, per its Federal Register notice).
INCLUDES = {"US-DOE-2023-energy": "us-usgs-2022"}

TECHNOLOGIES = {
    "wind turbine": ("wind-turbine", "cm:WindPowerTechnology", "wind turbine", None),
    "wind power generator": ("wind-power-generator", "cm:WindPowerTechnology", "wind power generator", None),
    "solar PV": ("solar-pv", "cm:SolarPowerTechnology", "solar PV", "solar photovoltaics"),
    "solar cell": ("solar-cell", "cm:SolarPowerTechnology", "solar cell", None),
    "battery": ("battery", "cm:EnergyStorageTechnology", "battery", None),
}


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def entry_key(name: str) -> str:
    return ENTRY_KEYS.get(name, slug(name))


def label_of(key: str, written: str) -> str:
    if key in LABELS:
        return LABELS[key]
    return written[:1].upper() + written[1:]


def date_literal(value: str) -> str:
    datatype = {10: "xsd:date", 7: "xsd:gYearMonth", 4: "xsd:gYear"}[len(value)]
    return f"{lit(value)}^^{datatype}"


def header(comment: str) -> str:
    lines = "\n".join(f"# {line}" if line else "#" for line in comment.strip().splitlines())
    return f"{lines}\n# Generated by tools/import_reference.py from the checked reference tables.\n\n{PREFIXES}\n"


def objects(values) -> str:
    return " , ".join(sorted(set(values)))


def node(subject: str, lines: list[str]) -> str:
    """One Turtle subject block, its type first; lines with the same predicate become
    one object list."""
    merged: dict[str, list[str]] = {}
    for line in sorted(lines, key=lambda line: not line.startswith("a ")):
        predicate, value = line.split(" ", 1)
        merged.setdefault(predicate, []).append(value)
    return f"{subject} " + " ;\n    ".join(f"{p} {objects(v)}" for p, v in merged.items()) + " .\n"


class SourceFiles:
    """The statements of each source document, collected by source key."""

    def __init__(self) -> None:
        self.nodes: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        self.comments: dict[str, str] = {}

    def say(self, source: str, subject: str, *lines: str) -> None:
        for line in lines:
            if line not in self.nodes[source][subject]:
                self.nodes[source][subject].append(line)

    def write(self, out: Path) -> list[str]:
        written = []
        for source, nodes in sorted(self.nodes.items()):
            body = []
            for subject, lines in nodes.items():
                body.append(node(subject, lines))
            name = f"{source.lower()}.ttl"
            text = header(self.comments.get(source, f"What {source} states."))
            (out / name).write_text(text + "\n".join(body), encoding="utf-8")
            written.append(name)
        return written


def write_sources(rows: list[dict[str, str]], out: Path) -> None:
    agents: dict[str, str] = {}
    people = {slug(row["issuer"]) for row in REFERENCE_WORKS if row.get("issuer_kind") == "foaf:Person"}
    body = []
    for row in [*rows, *REFERENCE_WORKS]:
        agent = slug(row["issuer"])
        agents[agent] = row["issuer"]
        kinds = "cm:SourceDocument" + (f" , {row['kind']}" if row.get("kind") else "")
        lines = [
            f"a {kinds}",
            f"skos:notation {lit(row['key'])}",
            f"dct:title {lit(row['title'])}@en",
            f"dct:publisher agent:{agent}",
        ]
        if row["date"]:
            lines.append(f"dct:issued {date_literal(row['date'])}")
        lines += [f"dct:bibliographicCitation {lit(row['citation'])}", f"foaf:page <{row['url']}>"]
        body.append(node(f"source:{row['key'].lower()}", lines))
    for key, name in sorted(agents.items()):
        kind = "cm:AuthorGroup" if "(" in name and "," in name.split("(")[0] else "org:Organization"
        kind = "foaf:Person" if key in people else kind
        body.append(node(f"agent:{key}", [f"a {kind}", f"rdfs:label {lit(name)}@en"]))
    text = header("""
The source register: every document a fact in the graph comes from, with title,
issuer, date (as precise as known; living reference works have none), citation and
URL; and the issuers themselves. This is the catalogue of sources (dataset metadata):
the facts themselves are in one file per source.
""")
    (out / "sources.ttl").write_text(text + "\n".join(body), encoding="utf-8")


def add_lists(files: SourceFiles, rows, register: dict[str, dict[str, str]]) -> None:
    for table_key, (local, source_key, title, jurisdiction, stated) in LISTS.items():
        src = f"source:{source_key.lower()}"
        meta = register[source_key]
        entries = sorted((r for r in rows if r["list"] == table_key), key=lambda r: int(r["position"]))
        lines = [
            "a cm:CriticalMineralList",
            f"rdfs:label {lit(title)}@en",
            f"skos:notation {lit(table_key)}",
            f"cm:jurisdiction country:{jurisdiction}",
            f"dct:publisher agent:{slug(meta['issuer'])}",
            f"dct:issued {date_literal(meta['date'])}",
        ]
        if stated:
            lines.append(f"cm:statedEntryCount {stated}")
        if table_key in INCLUDES:
            lines.append(f"cm:includesList list:{INCLUDES[table_key]}")
        lines += [
            f"dct:source {src}",
            "cm:hasEntry " + objects(f"entry:{local}-{int(r['position']):02d}" for r in entries),
        ]
        files.say(source_key, f"list:{local}", *lines)
        files.comments[source_key] = (
            f"{title} (source key {source_key}): its {len(entries)} entries exactly as written, in\n"
            "order, each with what it denotes; issuer and date as the source gives them."
        )
        for row in entries:
            add_entry(files, source_key, local, title, row)


def add_entry(files: SourceFiles, source_key: str, local: str, title: str, row: dict[str, str]) -> None:
    src = f"source:{source_key.lower()}"
    position, written = int(row["position"]), row["entry_as_written"]
    key = entry_key(written)
    files.say(
        source_key,
        f"entry:{local}-{position:02d}",
        "a cm:ListEntry",
        f"rdfs:label {lit(f'{title}, entry {position}: {written}')}@en",
        f"cm:inList list:{local}",
        f"cm:position {position}",
        f"cm:entryAsWritten {lit(written)}",
        f"cm:denotes mineral:{key}",
        f"dct:source {src}",
    )
    kind = (
        "cm:CommodityGroup" if key in GROUPS else "cm:ManufacturedMaterial" if key in MANUFACTURED else "cm:Commodity"
    )
    lines = [f"a {kind}", f"rdfs:label {lit(label_of(key, written))}@en"]
    if written.lower() != label_of(key, written).lower():
        lines.append(f"skos:altLabel {lit(written)}@en")
    if key in FORMS:
        lines.append(f"cm:formOf mineral:{FORMS[key]}")
        files.say(source_key, f"mineral:{FORMS[key]}", "a cm:Commodity", f"dct:source {src}")
    if key in NAMES_ELEMENT:
        lines.append(f"cm:element element:{key}")
        files.say(
            source_key,
            f"element:{key}",
            "a cm:ChemicalElement",
            f"rdfs:label {lit(label_of(key, written))}@en",
            f"dct:source {src}",
        )
    files.say(source_key, f"mineral:{key}", *lines, f"dct:source {src}")


def add_groups(files: SourceFiles, groups: list[dict[str, str]], listed: set[str]) -> None:
    """A group's defining source names its member elements (IUPAC: the rare earth
    metals are Sc, Y and La-Lu). Commodities whose name is a member element's are
    linked to that element by the same source; members no list names (promethium,
    osmium) stay elements only. `listed` holds the keys of everything a list names."""
    for row in groups:
        src = f"source:{row['source'].lower()}"
        group, member = entry_key(row["group"]), slug(row["member"])
        files.say(row["source"], f"mineral:{group}", "a cm:CommodityGroup",
                  f"rdfs:label {lit(label_of(group, row['group']))}@en",
                  f"cm:hasMemberElement element:{member}", f"dct:source {src}")  # fmt: skip
        files.say(row["source"], f"element:{member}", "a cm:ChemicalElement",
                  f"rdfs:label {lit(row['member'])}@en", f"dct:source {src}")  # fmt: skip
        if member in listed:
            files.say(row["source"], f"mineral:{member}", f"cm:element element:{member}", f"dct:source {src}")
        files.comments[row["source"]] = f"The members of a commodity group as {row['source']} defines them."


def add_uses(files: SourceFiles, uses: list[dict[str, str]]) -> None:
    for row in uses:
        if row["source"] == SEED:
            continue  # the seed's own statements are in nrcan-2020-01-09.ttl
        src = f"source:{row['source'].lower()}"
        tech_key, kind, label, alt = TECHNOLOGIES[row["technology"]]
        mineral = entry_key(row["mineral"])
        files.say(row["source"], f"use:{mineral}-{tech_key}-{row['source'].lower()}",
                  "a cm:TechnologyUse", f"rdfs:label {lit(row['mineral'] + ' in ' + row['technology'])}@en",
                  f"cm:commodity mineral:{mineral}", f"cm:technology technology:{tech_key}",
                  f"cm:roleAsStated {lit(row['role_as_stated'])}", f"dct:source {src}")  # fmt: skip
        files.say(row["source"], f"mineral:{mineral}", "a cm:Commodity",
                  f"rdfs:label {lit(label_of(mineral, row['mineral']))}@en", f"dct:source {src}")  # fmt: skip
        tech = [f"a {kind}", f"rdfs:label {lit(label)}@en"] + ([f"skos:altLabel {lit(alt)}@en"] if alt else [])
        files.say(row["source"], f"technology:{tech_key}", *tech, f"dct:source {src}")
        files.comments.setdefault(row["source"], f"Technology uses that {row['source']} states, in its words.")


def add_identifiers(files: SourceFiles, identifiers: list[dict[str, str]]) -> None:
    """Wikidata items are element items: identity for the element, a related match for
    the commodity. A link whose check status says "check before use" or "leave
    unlinked" is not asserted. CGI codes are exact matches of the commodity."""
    for row in identifiers:
        key = IDENTIFIER_KEYS.get(row["mineral_2018_list"], slug(row["mineral_2018_list"]))
        item, status, code = row["wikidata_element_item"], row["wikidata_status"], row["cgi_commodity_code"]
        if code:
            files.say("CGI-COMMODITY-CODE", f"mineral:{key}", f"skos:exactMatch cgi:{code}",
                      "dct:source source:cgi-commodity-code")  # fmt: skip
        usable = item and "check before use" not in status and "leave unlinked" not in status
        if usable and key not in NOT_ELEMENTS:
            files.say("WIKIDATA", f"mineral:{key}", f"cm:element element:{key}", f"skos:relatedMatch wd:{item}",
                      "dct:source source:wikidata")  # fmt: skip
            files.say("WIKIDATA", f"element:{key}", "a cm:ChemicalElement",
                      f"rdfs:label {lit(key.capitalize())}@en", f"skos:exactMatch wd:{item}",
                      f"cm:wikidataCheckStatus {lit(status)}", "dct:source source:wikidata")  # fmt: skip
    files.comments["CGI-COMMODITY-CODE"] = "Commodities and their exact matches in the CGI commodity code vocabulary."
    files.comments["WIKIDATA"] = (
        "Chemical elements and their Wikidata items (exact matches), with each link's check\n"
        "status from the reference table; a commodity named after an element is a related\n"
        "match of the item. Links the table marks as unchecked are not asserted."
    )


def main(reference: Path, out: Path) -> None:
    lists = read(reference / "critical_mineral_lists.csv")
    register = read(reference / "sources.csv")
    write_sources(register, out)
    files = SourceFiles()
    add_lists(files, lists, {row["key"]: row for row in register})
    add_groups(files, read(reference / "group_members.csv"), {entry_key(r["entry_as_written"]) for r in lists})
    add_uses(files, read(reference / "technology_uses.csv"))
    add_identifiers(files, read(reference / "identifiers.csv"))
    add_countries(files)
    add_symbols(files)
    add_geometry(files)
    for name in files.write(out):
        print("wrote", out / name)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
