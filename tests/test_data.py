"""The graph holds every statement of the seed and every reference-table row, sourced.

The expectations are written out here (not read from ../shared) so that the project
tests itself without the shared folder.
"""

from __future__ import annotations

import pytest

from critmin.namespaces import ID

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
    "list_key, size, first, last, jurisdiction, issued",
    [
        ("us-doi-2018", 35, "Aluminum (bauxite)", "Zirconium", "US", "2018-05-18"),
        ("us-usgs-2022", 50, "Aluminum", "Zirconium", "US", "2022-02-24"),
        ("ca-nrcan-2021", 31, "Aluminum", "Zinc", "CA", "2021-03-11"),
    ],
)
def test_lists_complete_in_order_dated_and_issued(store, list_key, size, first, last, jurisdiction, issued):
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
        dct:issued "{issued}"^^xsd:date ; dct:publisher ?body ; dct:source source:{list_key} .
        ?body rdfs:label ?name""",
    )


def test_entries_keep_their_text_as_written(store):
    assert ask(
        store, 'list:us-doi-2018 cm:hasEntry [ cm:entryAsWritten "Graphite (natural)" ; cm:denotes mineral:graphite ]'
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
    "group, size, source", [("rare-earth-elements", 17, "iupac-2005"), ("platinum-group-metals", 6, "usgs-mcs-pgm")]
)
def test_group_members_with_defining_source(store, group, size, source):
    members = select(store, f"SELECT ?m WHERE {{ mineral:{group} cm:hasGroupMember ?m . ?m cm:element ?e }}")
    assert len(members) == size
    assert ask(store, f"mineral:{group} dct:source source:{source}")


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
        skos:notation ?key ; dct:title ?title ; dct:issued ?date ; foaf:page ?page ; dct:publisher ?p .
        ?p rdfs:label ?issuer }""",
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
    } <= keys
    assert ask(store, 'source:doe-cma-2023 dct:issued "2023-07"^^xsd:gYearMonth')
    assert ask(store, 'source:kavlak-2014 dct:issued "2014"^^xsd:gYear ; dct:publisher [ a cm:AuthorGroup ]')


def test_every_typed_instance_cites_a_source(store):
    unsourced = select(
        store,
        """SELECT DISTINCT ?x WHERE {
        GRAPH ?g { ?x a ?type } FILTER (STRSTARTS(STR(?g), "https://w3id.org/critmin/graph/data/"))
        FILTER NOT EXISTS { ?x a cm:SourceDocument }
        FILTER NOT EXISTS { ?x a org:Organization } FILTER NOT EXISTS { ?x a cm:AuthorGroup }
        FILTER NOT EXISTS { ?x dct:source ?s . ?s a cm:SourceDocument } }""",
    )
    assert unsourced == []


def test_seed_statements(store):
    seed = "dct:source source:nrcan-2020-01-09"
    plan = f"<{ID}agreement/canada-us-joint-action-plan-on-critical-minerals-collaboration>"
    ergi = f"<{ID}initiative/energy-resource-governance-initiative>"
    facts = [
        f"{plan} cm:party country:CA , country:US ; {seed}",
        f'{plan} cm:follows ?c . ?c a cm:Commitment ; cm:date "2019-06"^^xsd:gYearMonth ; cm:madeBy ?pm , ?pres . '
        '?pm org:headOf ?gca . ?gca cm:governmentOf country:CA . ?pm cm:officeAsStated "Prime Minister" . '
        '?pres cm:officeAsStated "President" ; org:headOf ?gus . ?gus cm:governmentOf country:US',
        f"?meeting a cm:PlannedMeeting ; cm:participant country:CA , country:US ; cm:advances ?j . "
        f"{plan} cm:promotesJointInitiative ?j",
        f"{ergi} cm:leadParty country:US ; cm:scopeAsStated ?scope FILTER CONTAINS(?scope, 'multi-country')",
        f"{ergi} cm:complements ?prog . ?prog cm:inLineWith ?sdg . "
        "?sdg rdfs:label 'UN Sustainable Development Goals'@en",
        f"?join a cm:Accession ; cm:milestoneOf {ergi} ; cm:actor country:CA ; cm:demonstratesCommitmentTo {plan}",
        f"?p a cm:SupplyPotential ; cm:supplier country:CA ; cm:commodity mineral:rare-earth-elements ; {seed}",
        f"?n a cm:SupplyCountStatement ; cm:statedCount 13 ; cm:statedTotal 35 ; {seed}",
    ]
    for fact in facts:
        assert ask(store, fact), fact


def test_counts_are_not_expanded_into_guessed_members(store):
    assert not ask(store, "?n a cm:SupplyCountStatement ; cm:commodity ?c")
    assert len(select(store, "SELECT ?r WHERE { ?r a cm:SupplyRelation }")) == 8


def test_external_links_only_where_the_reference_gives_them(store):
    assert ask(store, "element:aluminum skos:exactMatch wd:Q663 . mineral:aluminum skos:relatedMatch wd:Q663")
    assert not ask(store, "mineral:aluminum skos:exactMatch wd:Q663")
    assert ask(store, "mineral:barite skos:exactMatch cgi:baryte")
    assert not ask(store, "mineral:barite skos:relatedMatch ?wd")
    # Marked "check before use" in the table: kept as a note, not a link.
    assert not ask(store, "?x skos:exactMatch wd:Q871") and not ask(store, "?x skos:relatedMatch wd:Q871")
    assert ask(store, "mineral:arsenic skos:editorialNote ?note")
    links = select(
        store, "SELECT ?x WHERE { ?x skos:relatedMatch ?wd FILTER STRSTARTS(STR(?wd), 'http://www.wikidata.org/') }"
    )
    assert len(links) == 28
