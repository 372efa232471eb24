"""The competency questions return exactly the documented answers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from critmin.rdf.namespaces import ID
from critmin.sparql import queries

MINERAL = str(ID) + "mineral/"


def rows(store, name: str) -> list[dict[str, str]]:
    path = queries.find(name)
    assert path is not None, f"no query {name}"
    result = store.query(path.read_text(encoding="utf-8"))
    names = [v.value for v in result.variables]
    return [{n: (s[n].value if s[n] is not None else None) for n in names} for s in result]


def minerals(found: list[dict[str, str]], column: str = "commodity") -> set[str]:
    return {r[column].removeprefix(MINERAL) for r in found if r[column]}


def test_every_query_is_documented():
    found = queries.all_queries()
    assert [q.name[:4] for q in found] == [f"cq{i:02d}" for i in range(1, 18)]
    for query in found:
        assert query.title and query.question.endswith("?") and query.returns


def test_cq01_largest_supplier(store):
    found = rows(store, "cq01")
    assert minerals(found) == {"aluminum", "indium", "potash", "tellurium"}
    assert {r["source"] for r in found} == {str(ID) + "source/nrcan-2020-01-09"}
    assert {r["asOf"] for r in found} == {"2020-01-09"} and len(found) == 4


def test_cq02_second_largest_supplier(store):
    assert minerals(rows(store, "cq02")) == {"magnesium", "niobium", "tungsten"}


def test_cq03_uranium_share_and_partnership(store):
    [row] = rows(store, "cq03")
    assert Decimal(row["share"]) == Decimal("0.25")
    assert int(row["minimumYears"]) == 75
    assert "over 75 years" in row["durationAsStated"]
    assert "one quarter" in row["shareAsStated"]


def test_cq04_rare_earth_technologies(store):
    found = rows(store, "cq04")
    assert {r["label"] for r in found} == {"wind power generator", "solar cell", "battery"}


def test_cq05_canada_agreements(store):
    found = rows(store, "cq05")
    plan = str(ID) + "agreement/canada-us-joint-action-plan-on-critical-minerals-collaboration"
    ergi = str(ID) + "initiative/energy-resource-governance-initiative"
    assert {r["arrangement"] for r in found} == {plan, ergi}
    assert {r["otherParty"] for r in found} == {str(ID) + "country/US"}
    cm = "https://w3id.org/critmin/ontology#"
    milestones = {(r["arrangement"], r["milestone"].removeprefix(cm), r["date"], r["otherPartyLeads"]) for r in found}
    # The release dates the announcement; the State Department dates the finalization;
    # for the initiative the release gives an announcement, not a joining date.
    dated = {
        (r["arrangement"], r["milestone"].removeprefix(cm), r["date"], r["source"].rsplit("/", 1)[1]) for r in found
    }
    assert dated == {
        (plan, "Announcement", "2020-01-09", "nrcan-2020-01-09"),
        (plan, "Finalization", "2019-12", "dos-2020-01-09"),
        (ergi, "Announcement", "2019-12-18", "nrcan-2020-01-09"),
    }
    assert (ergi, "Announcement", "2019-12-18", "true") in milestones


def test_cq06_areas_and_joint_initiatives(store):
    found = rows(store, "cq06")
    areas = {r["label"] for r in found if r["kind"] == "area of cooperation"}
    joint = {r["label"] for r in found if r["kind"] == "joint initiative"}
    assert areas == {
        "industry engagement",
        "efforts to secure critical minerals supply chains for strategic industries and defence",
        "improving information sharing on mineral resources and potential",
        "cooperation in multilateral fora and with other countries",
    }
    assert joint == {"research and development cooperation", "supply chain modelling", "increased support for industry"}


def test_cq07_sectors(store):
    assert {r["label"] for r in rows(store, "cq07")} == {
        "communication technology",
        "aerospace and defence",
        "clean technology",
    }


def test_cq08_count_as_stated_and_named_members(store):
    found = rows(store, "cq08")
    assert {(r["statedCount"], r["statedTotal"]) for r in found} == {("13", "35")}
    assert minerals(found) == {
        "aluminum",
        "indium",
        "potash",
        "tellurium",
        "magnesium",
        "niobium",
        "tungsten",
        "uranium",
    }
    # "Aluminum (bauxite)" names the ore: the entry names a form of the aluminum Canada supplies.
    assert {
        (r["commodity"].removeprefix(MINERAL), r["entry"], r["match"]) for r in found if r["match"] != "names it"
    } == {("aluminum", "Aluminum (bauxite)", "names a form of it")}
    assert len(found) == 8 and {r["source"] for r in found} == {str(ID) + "source/nrcan-2020-01-09"}


def test_cq09_removed_from_us_list(store):
    assert minerals(rows(store, "cq09")) == {"helium", "potash", "rhenium", "strontium", "uranium"}


REE_ON_2022 = ["cerium", "dysprosium", "erbium", "europium", "gadolinium", "holmium", "lanthanum", "lutetium",
               "neodymium", "praseodymium", "samarium", "terbium", "thulium", "ytterbium", "yttrium"]  # fmt: skip
PGM_ON_2022 = ["iridium", "palladium", "platinum", "rhodium", "ruthenium"]
DIRECT_2022_AND_2021 = ["aluminum", "antimony", "bismuth", "cesium", "chromium", "cobalt", "fluorspar", "gallium",
                        "germanium", "graphite", "indium", "lithium", "magnesium", "manganese", "nickel", "niobium",
                        "scandium", "tantalum", "tellurium", "tin", "titanium", "tungsten", "vanadium",
                        "zinc"]  # fmt: skip


def test_cq10_on_both_lists_directly_or_through_a_group(store):
    """The same group rule as cq09: Canada 2021 lists the two groups, the U.S. 2022 list
    their members one by one; each side's entries are shown as written."""
    found = rows(store, "cq10")
    expected = set(DIRECT_2022_AND_2021) | set(REE_ON_2022) | set(PGM_ON_2022)
    expected |= {"rare-earth-elements", "platinum-group-metals"}
    assert len(DIRECT_2022_AND_2021) == 24 and len(expected) == 46
    assert minerals(found) == expected
    pairs = {(r["commodity"].removeprefix(MINERAL), r["usEntry"], r["caEntry"]) for r in found}
    assert ("neodymium", "Neodymium", "Rare earth elements") in pairs and ("aluminum", "Aluminum", "Aluminum") in pairs
    assert {("scandium", "Scandium", "Scandium"), ("scandium", "Scandium", "Rare earth elements")} <= pairs
    assert {ca for c, _, ca in pairs if c == "rare-earth-elements"} == {"Rare earth elements"}
    assert {u for c, u, _ in pairs if c == "platinum-group-metals"} == {p.capitalize() for p in PGM_ON_2022}
    # Singles (scandium twice: its own entry and the group's); each group once per entry of
    # its members on the U.S. list (it is itself on the Canadian list).
    assert len(found) == 45 + 5 + 16


def test_cq11_every_supply_relation_has_a_dated_source(store):
    found = rows(store, "cq11")
    assert len({r["relation"] for r in found}) == 8
    for row in found:
        assert row["sourceTitle"] and row["sourceDate"], row


@pytest.mark.parametrize(
    "commodity, technology",
    [
        ("neodymium", "wind turbine"),
        ("praseodymium", "wind turbine"),
        ("dysprosium", "wind turbine"),
        ("terbium", "wind turbine"),
        ("copper", "wind turbine"),
        ("rare-earth-elements", "wind power generator"),
    ],
)
def test_cq12_wind_minerals(store, commodity, technology):
    found = rows(store, "cq12")
    assert (commodity, technology) in {(r["commodity"].removeprefix(MINERAL), r["technologyLabel"]) for r in found}
    assert len(found) == 6
    assert all(r["role"] and r["sourceTitle"] for r in found)


def test_cq13_every_statement_about_aluminum_with_its_source(store):
    found = rows(store, "cq13")
    src = str(ID) + "source/"
    facts = {(r["subject"].removeprefix(MINERAL), r["predicate"].rsplit("#", 1)[-1].rsplit("/", 1)[-1],
              r["object"].removeprefix(MINERAL), r["source"].removeprefix(src)) for r in found}  # fmt: skip
    lists = {"ca-nrcan-2021", "ca-nrcan-2024", "us-doe-2023", "us-usgs-2022", "us-usgs-2025"}
    assert {f[3] for f in facts if f[1] == "label"} == lists
    assert ("aluminum", "relatedMatch", "http://www.wikidata.org/entity/Q663", "wikidata") in facts
    assert ("aluminum", "exactMatch", "http://resource.geosciml.org/classifier/cgi/commodity-code/aluminium",
            "cgi-commodity-code") in facts  # fmt: skip
    assert ("bauxite", "formOf", "aluminum", "us-doi-2018") in facts
    assert (str(ID) + "supply/CA-US-aluminum", "commodity", "aluminum", "nrcan-2020-01-09") in facts
    # Every row has a titled source; inferred statements (listedIn) are not listed.
    assert all(r["sourceTitle"] for r in found)
    assert not any(f[1] in ("listedIn", "denotedBy", "usedIn") for f in facts)


def test_cq14_usgs_2025_additions(store):
    assert minerals(rows(store, "cq14")) == {
        "boron", "copper", "lead", "metallurgical-coal", "phosphate", "potash", "rhenium", "silicon", "silver",
        "uranium",
    }  # fmt: skip
    assert len(rows(store, "cq14")) == 10


def test_cq15_canada_2024_additions_as_written(store):
    assert [r["entry"] for r in rows(store, "cq15")] == ["High-purity iron ore", "Phosphorus", "Silicon metal"]


def test_cq16_list_timeline(store):
    found = rows(store, "cq16")
    assert [(r["list"].rsplit("/", 1)[1], r["date"], int(r["entries"])) for r in found] == [
        ("us-usgs-2025", "2025-11-07", 60),
        ("ca-nrcan-2024", "2024-06-10", 34),
        ("us-doe-2023-energy", "2023-08-04", 18),
        ("us-usgs-2022", "2022-02-24", 50),
        ("ca-nrcan-2021", "2021-03-11", 31),
        ("us-doi-2018", "2018-05-18", 35),
    ]
    assert [r["includes"] for r in found if r["includes"]] == [str(ID) + "list/us-usgs-2022"]
    assert all(r["issuer"] and r["jurisdictionLabel"] for r in found)


def test_cq17_on_every_current_list(store):
    """Checked by hand against critical_mineral_lists.csv: the 34 Canada 2024 entries,
    less those missing from U.S. 2025 (helium, molybdenum, high-purity iron ore,
    phosphorus, silicon metal) or from DOE 2023 with the USGS 2022 list it includes
    (potash, uranium), leave 25 commodities and the two groups; the groups add their
    members that are on both U.S. lists (15 rare earths besides scandium, 5 platinum
    group metals)."""
    canada_2024_kept = set(DIRECT_2022_AND_2021) | {"copper"}
    expected = canada_2024_kept | set(REE_ON_2022) | set(PGM_ON_2022) | {"rare-earth-elements", "platinum-group-metals"}
    assert len(canada_2024_kept) == 25 and len(expected) == 47
    assert minerals(rows(store, "cq17")) == expected
