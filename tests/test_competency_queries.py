"""The twelve competency questions return exactly the documented answers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from critmin import queries
from critmin.namespaces import ID

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
    assert [q.name[:4] for q in found] == [f"cq{i:02d}" for i in range(1, 13)]
    for query in found:
        assert query.title and query.question.endswith("?") and query.returns


def test_cq01_largest_supplier(store):
    found = rows(store, "cq01")
    assert minerals(found) == {"aluminum", "indium", "potash", "tellurium"}
    assert {r["source"] for r in found} == {str(ID) + "source/nrcan-2020-01-09"}


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
    assert (plan, "Announcement", "2020-01-09", "false") in milestones
    assert (ergi, "Accession", "2019-12-18", "true") in milestones
    # Two sources differ on the finalization: both are kept, each with its own source.
    finalizations = {(r["date"], r["source"].rsplit("/", 1)[1]) for r in found if r["milestone"] == cm + "Finalization"}
    assert finalizations == {("2020-01-09", "nrcan-2020-01-09"), ("2019-12", "dos-2020-01-09")}


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
    assert "Aluminum (bauxite)" in {r["entry"] for r in found}


def test_cq09_removed_from_us_list(store):
    assert minerals(rows(store, "cq09")) == {"helium", "potash", "rhenium", "strontium", "uranium"}


def test_cq10_on_both_lists(store):
    expected = [
        "aluminum",
        "antimony",
        "bismuth",
        "cesium",
        "chromium",
        "cobalt",
        "fluorspar",
        "gallium",
        "germanium",
        "graphite",
        "indium",
        "lithium",
        "magnesium",
        "manganese",
        "nickel",
        "niobium",
        "scandium",
        "tantalum",
        "tellurium",
        "tin",
        "titanium",
        "tungsten",
        "vanadium",
        "zinc",
    ]
    found = rows(store, "cq10")
    assert len(expected) == 24
    assert minerals(found) == set(expected)
    assert len(found) == 24


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
