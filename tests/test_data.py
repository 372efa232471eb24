"""The graph holds every statement of the seed and every reference-table row, sourced.

The expectations are written out here (not read from ../shared) so that the project
tests itself without the shared folder.
"""

from __future__ import annotations

import pytest

from critmin.rdf.namespaces import ID

CM = "https://w3id.org/critmin/ontology#"
PREFIXES = f"""
PREFIX cm: <{CM}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX country: <{ID}country/>
PREFIX mineral: <{ID}mineral/>
PREFIX element: <{ID}element/>
PREFIX list: <{ID}list/>
PREFIX source: <{ID}source/>
PREFIX wd: <http://www.wikidata.org/entity/>
PREFIX cgi: <http://resource.geosciml.org/classifier/cgi/commodity-code/>
"""


def ask(store, body: str) -> bool:
    return bool(store.query(PREFIXES + "ASK { " + body + " }"))


def select(store, query: str) -> list[dict[str, str]]:
    result = store.query(PREFIXES + query)
    names = [v.value for v in result.variables]
    return [{n: s[n].value if s[n] is not None else None for n in names} for s in result]


@pytest.mark.parametrize(
    "list_key, size, first, last, jurisdiction, issued, source",
    [
        ("us-doi-2018", 35, "Aluminum (bauxite)", "Zirconium", "US", "2018-05-18", "us-doi-2018"),
        ("us-usgs-2022", 50, "Aluminum", "Zirconium", "US", "2022-02-24", "us-usgs-2022"),
        ("ca-nrcan-2021", 31, "Aluminum", "Zinc", "CA", "2021-03-11", "ca-nrcan-2021"),
        ("ca-nrcan-2024", 34, "Aluminum", "Silicon metal", "CA", "2024-06-10", "ca-nrcan-2024"),
        ("us-doe-2023-energy", 18, "aluminum", "terbium", "US", "2023-08-04", "us-doe-2023"),
        ("us-usgs-2025", 60, "aluminum", "zirconium", "US", "2025-11-07", "us-usgs-2025"),
    ],
)
def test_lists_complete_in_order_dated_and_issued(store, list_key, size, first, last, jurisdiction, issued, source):
    entries = select(
        store,
        f"""
        SELECT ?position ?text WHERE {{ ?e cm:inList list:{list_key} ; cm:position ?position ;
            cm:entryAsWritten ?text ; cm:denotes ?c . ?c a cm:Commodity }} ORDER BY ?position""",
    )
    assert [int(e["position"]) for e in entries] == list(range(1, size + 1))
    assert entries[0]["text"] == first and entries[-1]["text"] == last
    assert ask(
        store,
        f"""list:{list_key} cm:jurisdiction country:{jurisdiction} ;
        dct:issued "{issued}"^^xsd:date ; dct:publisher ?body ; dct:source source:{source} .
        ?body rdfs:label ?name""",
    )


def test_entries_keep_their_text_as_written_and_denote_what_they_name(store):
    # A form stays apart from its commodity, linked by the source that writes it so.
    for written, form, commodity in (("Graphite (natural)", "natural-graphite", "graphite"),
                                     ("Aluminum (bauxite)", "bauxite", "aluminum")):  # fmt: skip
        assert ask(store, f'list:us-doi-2018 cm:hasEntry [ cm:entryAsWritten "{written}" ; cm:denotes mineral:{form} ]')
        assert ask(
            store, f"GRAPH ?g {{ mineral:{form} cm:formOf mineral:{commodity} }} ?g dct:source source:us-doi-2018"
        )
    assert ask(store, 'list:ca-nrcan-2024 cm:hasEntry [ cm:entryAsWritten "Silicon metal" ; cm:denotes ?f ] . '
                      "?f cm:formOf mineral:silicon")  # fmt: skip
    assert ask(store, 'list:us-doe-2023-energy cm:hasEntry [ cm:entryAsWritten "natural graphite" ; '
                      "cm:denotes mineral:natural-graphite ]")  # fmt: skip
    # Materials that are made, and an entry that names the element itself.
    assert ask(
        store, "mineral:electrical-steel a cm:ManufacturedMaterial . mineral:silicon-carbide a cm:ManufacturedMaterial"
    )
    assert ask(store, "mineral:fluorine cm:element element:fluorine") and not ask(
        store, "mineral:fluorine cm:formOf ?x"
    )
    assert ask(
        store,
        'list:us-doi-2018 cm:hasEntry [ cm:entryAsWritten "Rare earth elements group" ; '
        "cm:denotes mineral:rare-earth-elements ]",
    )
    assert ask(store, "mineral:rare-earth-elements a cm:CommodityGroup")
    assert ask(store, "mineral:platinum-group-metals a cm:CommodityGroup")


def test_criticality_is_list_membership_not_a_flag(store):
    rows = select(
        store, "SELECT DISTINCT ?p WHERE { ?c a cm:Commodity ; ?p ?o FILTER (CONTAINS(LCASE(STR(?p)), 'critical')) }"
    )
    assert rows == []


@pytest.mark.parametrize(
    "group, size, listed, source, unlisted",
    [
        ("rare-earth-elements", 17, 16, "iupac-2005", "promethium"),
        ("platinum-group-metals", 6, 5, "usgs-mcs-pgm", "osmium"),
    ],
)
def test_group_members_are_elements_named_by_the_defining_source(store, group, size, listed, source, unlisted):
    members = select(store, f"SELECT ?m WHERE {{ mineral:{group} cm:hasMemberElement ?m . ?m a cm:ChemicalElement }}")
    assert len(members) == size
    assert ask(store, f"GRAPH ?g {{ mineral:{group} cm:hasMemberElement ?m }} ?g dct:source source:{source}")
    # Commodities are members only through their element, and only where a source makes them commodities.
    commodities = select(store, f"SELECT ?c WHERE {{ mineral:{group} cm:hasGroupMember ?c . ?c a cm:Commodity }}")
    assert len(commodities) == listed
    assert not ask(store, f"mineral:{unlisted} ?p ?o") and ask(store, f"element:{unlisted} a cm:ChemicalElement")


def test_elements_commodities_and_groups_are_different_things(store):
    assert ask(
        store, "mineral:lithium a cm:Commodity ; cm:element element:lithium . element:lithium a cm:ChemicalElement"
    )
    assert not ask(store, "element:lithium a cm:Commodity")
    assert not ask(store, "mineral:barite cm:element ?e")


def test_technology_uses_all_present_with_role_and_source(store):
    uses = select(
        store,
        """SELECT ?c ?t ?role ?title WHERE { ?u a cm:TechnologyUse ; cm:commodity ?c ;
        cm:technology ?t ; cm:roleAsStated ?role ; dct:source ?s . ?s dct:title ?title }""",
    )
    assert len(uses) == 18
    assert {u["t"].rsplit("/", 1)[1] for u in uses} == {
        "wind-turbine",
        "wind-power-generator",
        "solar-pv",
        "solar-cell",
        "battery",
    }


def test_source_register(store):
    sources = select(
        store,
        """SELECT ?key ?title ?date ?page ?issuer WHERE { ?s a cm:SourceDocument ;
        skos:notation ?key ; dct:title ?title ; foaf:page ?page ; dct:publisher ?p .
        ?p rdfs:label ?issuer
        OPTIONAL { ?s dct:issued ?date } FILTER (BOUND(?date) || EXISTS { ?s a cm:ReferenceWork }) }""",
    )
    keys = {s["key"] for s in sources}
    assert {
        "NRCAN-2020-01-09",
        "DOS-2020-01-09",
        "US-DOI-2018",
        "US-DOI-2018-DRAFT",
        "US-USGS-2022",
        "CA-NRCAN-2021",
        "IEA-2021",
        "DOE-CMA-2023",
        "DOI-2018-02-16-RELEASE",
        "KAVLAK-2014",
        "IUPAC-2005",
        "USGS-MCS-PGM",
        "CA-NRCAN-2024",
        "US-DOE-2023",
        "US-USGS-2025",
        "ISO-3166-1",
        "WIKIDATA",
        "CGI-COMMODITY-CODE",
        "NATURAL-EARTH-110M",
        "WORLD-COUNTRIES-CENTROIDS",
    } == keys
    # The project is not a source of facts: no source document of its own making.
    assert not ask(
        store, "?s a cm:SourceDocument ; foaf:page ?page FILTER STRSTARTS(STR(?page), 'https://w3id.org/critmin/')"
    )
    assert ask(store, 'source:doe-cma-2023 dct:issued "2023-07"^^xsd:gYearMonth')
    assert ask(store, 'source:kavlak-2014 dct:issued "2014"^^xsd:gYear ; dct:publisher [ a cm:AuthorGroup ]')


def test_every_typed_instance_cites_a_source(store):
    unsourced = select(
        store,
        """SELECT DISTINCT ?x WHERE {
        GRAPH ?g { ?x a ?type } FILTER (STRSTARTS(STR(?g), "https://w3id.org/critmin/graph/data/"))
        FILTER NOT EXISTS { ?x a cm:SourceDocument }
        FILTER NOT EXISTS { ?x a org:Organization } FILTER NOT EXISTS { ?x a cm:AuthorGroup }
        FILTER NOT EXISTS { ?x a foaf:Person }
        FILTER NOT EXISTS { ?x dct:source ?s . ?s a cm:SourceDocument } }""",
    )
    assert unsourced == []


def test_seed_statements(store):
    seed = "dct:source source:nrcan-2020-01-09"
    plan = f"<{ID}agreement/canada-us-joint-action-plan-on-critical-minerals-collaboration>"
    ergi = f"<{ID}initiative/energy-resource-governance-initiative>"
    facts = [
        f"{plan} cm:party country:CA , country:US ; {seed}",
        # The announcement (not the agreement) follows the June 2019 commitment, made by the
        # two people in the offices the release gives them, as of its date.
        f'?a a cm:Announcement ; cm:milestoneOf {plan} ; cm:date "2020-01-09"^^xsd:date ; cm:placeAsStated "Ottawa" ; '
        'cm:follows ?c . ?c a cm:Commitment ; cm:partialDate "2019-06"^^xsd:gYearMonth ; cm:madeBy ?pm , ?pres . '
        '?pm cm:officeAsStated "Prime Minister" ; cm:asOf "2020-01-09"^^xsd:date . '
        '?pres cm:officeAsStated "President" ; cm:asOf "2020-01-09"^^xsd:date',
        "?meeting a cm:PlannedMeeting ; cm:participant country:CA , country:US ; cm:purposeAsStated ?why "
        'FILTER CONTAINS(?why, "joint initiatives")',
        # Finalized in December 2019 per the State Department; the release dates no finalization.
        f'?f a cm:Finalization ; cm:milestoneOf {plan} ; cm:partialDate "2019-12"^^xsd:gYearMonth ; '
        "dct:source source:dos-2020-01-09",
        f"{ergi} cm:leadParty country:US ; cm:scopeAsStated ?scope FILTER CONTAINS(?scope, 'multi-country')",
        f"{ergi} cm:complements ?prog . ?prog cm:inLineWith ?sdg . "
        "?sdg rdfs:label 'UN Sustainable Development Goals'@en",
        f'?join a cm:Announcement ; cm:milestoneOf {ergi} ; cm:actor country:CA ; cm:date "2019-12-18"^^xsd:date ; '
        f"cm:demonstratesCommitmentTo {plan}",
        f"?p a cm:SupplyPotential ; cm:supplier country:CA ; cm:commodity mineral:rare-earth-elements ; {seed}",
        f"?n a cm:SupplyCountStatement ; cm:statedCount 13 ; cm:statedTotal 35 ; {seed}",
    ]
    for fact in facts:
        assert ask(store, fact), fact
    # What the release does not say is not recorded.
    for claim in ("?x org:headOf ?y", f"{plan} cm:follows ?e", "?m cm:advances ?j",
                  f"?f a cm:Finalization ; cm:milestoneOf {plan} ; {seed}", "?e a cm:Accession"):  # fmt: skip
        assert not ask(store, claim), claim
    # ISO codes come from ISO 3166-1, not from the release.
    assert ask(store, 'GRAPH ?g { country:CA cm:iso3166Alpha2 "CA" } ?g dct:source source:iso-3166-1')
    assert not ask(store, "GRAPH ?g { ?c cm:iso3166Alpha2 ?code } ?g dct:source source:nrcan-2020-01-09")


def test_counts_are_not_expanded_into_guessed_members(store):
    assert not ask(store, "?n a cm:SupplyCountStatement ; cm:commodity ?c")
    assert len(select(store, "SELECT ?r WHERE { ?r a cm:SupplyRelation }")) == 8


def test_external_links_only_where_the_reference_gives_them(store):
    assert ask(store, "element:aluminum skos:exactMatch wd:Q663 . mineral:aluminum skos:relatedMatch wd:Q663")
    assert not ask(store, "mineral:aluminum skos:exactMatch wd:Q663")
    assert ask(store, "mineral:barite skos:exactMatch cgi:baryte")
    assert not ask(store, "mineral:barite skos:relatedMatch ?wd")
    # Marked "check before use" in the table: not linked.
    assert not ask(store, "?x skos:exactMatch wd:Q871") and not ask(store, "?x skos:relatedMatch wd:Q871")
    links = select(
        store, "SELECT ?x WHERE { ?x skos:relatedMatch ?wd FILTER STRSTARTS(STR(?wd), 'http://www.wikidata.org/') }"
    )
    assert len(links) == 28


def test_every_asserted_triple_has_a_retrievable_source(store):
    """Across the whole shipped graph: each data graph names its source(s) in the
    metadata, each named source is in the register, and nothing is asserted outside
    the data graphs except the ontology, the shapes, the metadata, the register and
    the inferences."""
    graph = "https://w3id.org/critmin/graph/"
    unsourced = select(store, f"""SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
        FILTER (?g NOT IN (<{graph}ontology>, <{graph}shapes>, <{graph}meta>, <{graph}inferred>, <{graph}data/sources>))
        FILTER NOT EXISTS {{ GRAPH <{graph}meta> {{ ?g dct:source ?source }} }} }}""")  # fmt: skip
    assert unsourced == []
    unknown = select(store, f"""SELECT DISTINCT ?source WHERE {{ GRAPH <{graph}meta> {{ ?g dct:source ?source }}
        FILTER NOT EXISTS {{ GRAPH <{graph}data/sources> {{ ?source a cm:SourceDocument }} }} }}""")  # fmt: skip
    assert unknown == []
    # The register describes documents and their issuers, nothing else.
    others = select(store, f"""SELECT DISTINCT ?s WHERE {{ GRAPH <{graph}data/sources> {{ ?s ?p ?o }}
        FILTER NOT EXISTS {{ ?s a cm:SourceDocument }} FILTER NOT EXISTS {{ ?s a org:Organization }}
        FILTER NOT EXISTS {{ ?s a cm:AuthorGroup }} FILTER NOT EXISTS {{ ?s a foaf:Person }} }}""")  # fmt: skip
    assert others == []
    # Each triple is stored once (a triple several sources state is in the graph of all of them).
    assert not ask(store, f"GRAPH ?a {{ ?s ?p ?o }} GRAPH ?b {{ ?s ?p ?o }} FILTER (?a != ?b && "
                          f"STRSTARTS(STR(?a), '{graph}data/') && STRSTARTS(STR(?b), '{graph}data/'))")  # fmt: skip


@pytest.mark.parametrize(
    "statement, sources",
    [
        ("entry:us-usgs-2022-01 cm:denotes mineral:aluminum", {"us-usgs-2022"}),
        (
            "mineral:aluminum rdfs:label 'Aluminum'@en",
            {"ca-nrcan-2021", "ca-nrcan-2024", "us-doe-2023", "us-usgs-2022", "us-usgs-2025"},
        ),
        ("mineral:rare-earth-elements cm:hasMemberElement element:neodymium", {"iupac-2005"}),
        ("element:aluminum skos:exactMatch wd:Q663", {"wikidata"}),
        ("supply:CA-US-potash cm:supplierRank 1", {"nrcan-2020-01-09"}),
    ],
)
def test_the_source_of_a_statement_by_sparql(store, statement, sources):
    prefixes = f"PREFIX entry: <{ID}list-entry/> PREFIX supply: <{ID}supply/>\n"
    found = select(store, prefixes + f"SELECT ?source WHERE {{ GRAPH ?g {{ {statement} }} ?g dct:source ?source }}")
    assert {row["source"].rsplit("/", 1)[1] for row in found} == sources
