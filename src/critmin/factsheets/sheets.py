"""The content of each kind of factsheet, as plain rows for the templates."""

from __future__ import annotations

from collections import defaultdict

from critmin.rdf import terms as sparql_terms
from critmin.rdf.namespaces import CM, ID

SOURCES = "OPTIONAL { ?row dct:source ?source . ?source dct:title ?sourceTitle }"


def _rows(store, query: str) -> list[dict[str, str]]:
    """Rows as plain strings; several sources of one row are joined into one row."""
    merged: dict[tuple, dict[str, str]] = {}
    sources: dict[tuple, dict[str, str]] = defaultdict(dict)
    result = store.query(query)
    names = [v.value for v in result.variables]
    for solution in result:
        row = {n: (solution[n].value if solution[n] is not None else "") for n in names}
        key = tuple((k, v) for k, v in row.items() if k not in ("source", "sourceTitle"))
        merged.setdefault(key, row)
        if row.get("source"):
            sources[key][row["source"]] = row.get("sourceTitle") or row["source"]
    out = []
    for key, row in merged.items():
        out.append({**row, "sources": sorted(sources[key].items(), key=lambda s: s[1])})
    return out


def _statements(store, iri: str, predicates: dict[str, str]) -> dict[str, list[dict]]:
    """Statements of `iri` by the given predicates, with the sources of their graphs
    (an inferred statement has none and says so)."""
    values = " ".join(f'({p} "{name}")' for name, p in predicates.items())
    query = f"""SELECT ?name ?value ?label ?source ?sourceTitle WHERE {{
      VALUES (?p ?name) {{ {values} }}
      GRAPH ?g {{ {sparql_terms.iri(iri)} ?p ?value }}
      OPTIONAL {{ ?value rdfs:label ?label FILTER(LANGMATCHES(LANG(?label), "en")) }}
      OPTIONAL {{ ?g dct:source ?source . ?source dct:title ?sourceTitle }}
    }} ORDER BY ?name ?label ?value"""
    found: dict[str, list[dict]] = defaultdict(list)
    for row in _rows(store, query):
        found[row["name"]].append(row)
    return found


def commodity(store, iri: str) -> dict:
    node = sparql_terms.iri(iri)
    lists = _rows(
        store,
        f"""SELECT ?list ?listLabel ?date ?position ?written ?how ?via ?source ?sourceTitle WHERE {{
      {{ ?row cm:denotes {node} ; cm:inList ?list BIND("direct" AS ?how) BIND("" AS ?via) }}
      UNION {{ {node} cm:memberOfGroup ?group . ?row cm:denotes ?group ; cm:inList ?list
               BIND("group" AS ?how) OPTIONAL {{ ?group rdfs:label ?via }} }}
      UNION {{ ?row cm:denotes {node} ; cm:inList ?inner . ?list cm:includesList ?inner
               BIND("included" AS ?how) OPTIONAL {{ ?inner rdfs:label ?via }} }}
      ?row cm:position ?position ; cm:entryAsWritten ?written .
      ?list rdfs:label ?listLabel ; dct:issued ?date . {SOURCES}
    }} ORDER BY ?date ?how""",
    )
    supply = _rows(
        store,
        f"""SELECT ?row ?label ?supplier ?supplierLabel ?recipient ?recipientLabel ?rank ?share
        ?shareAsStated ?asOf ?source ?sourceTitle WHERE {{
      ?row a cm:SupplyRelation ; cm:commodity {node} ; rdfs:label ?label .
      OPTIONAL {{ ?row cm:supplier ?supplier . ?supplier rdfs:label ?supplierLabel }}
      OPTIONAL {{ ?row cm:recipient ?recipient . ?recipient rdfs:label ?recipientLabel }}
      OPTIONAL {{ ?row cm:supplierRank ?rank }} OPTIONAL {{ ?row cm:shareOfNeeds ?share }}
      OPTIONAL {{ ?row cm:shareAsStated ?shareAsStated }} OPTIONAL {{ ?row cm:asOf ?asOf }} {SOURCES}
    }} ORDER BY ?asOf ?rank""",
    )
    uses = _rows(
        store,
        f"""SELECT ?row ?technology ?technologyLabel ?role ?source ?sourceTitle WHERE {{
      ?row a cm:TechnologyUse ; cm:commodity {node} ; cm:technology ?technology .
      ?technology rdfs:label ?technologyLabel . OPTIONAL {{ ?row cm:roleAsStated ?role }} {SOURCES}
    }} ORDER BY ?technologyLabel""",
    )
    facts = _statements(store, iri, {"form of": "cm:formOf", "element": "cm:element", "group": "cm:memberOfGroup",
                                     "members": "cm:hasGroupMember", "exact match": "skos:exactMatch",
                                     "related match": "skos:relatedMatch"})  # fmt: skip
    forms = _rows(
        store,
        f"""SELECT ?value ?label ?source ?sourceTitle WHERE {{
      GRAPH ?g {{ ?value cm:formOf {node} }} ?value rdfs:label ?label .
      OPTIONAL {{ ?g dct:source ?source . ?source dct:title ?sourceTitle }} }} ORDER BY ?label""",
    )
    symbol = _rows(store, f"SELECT ?symbol WHERE {{ {node} cm:element/cm:elementSymbol ?symbol }}")
    return {"lists": lists, "supply": supply, "uses": uses, "facts": facts, "forms": forms,
            "symbol": symbol[0]["symbol"] if symbol else ""}  # fmt: skip


def country(store, iri: str) -> dict:
    node = sparql_terms.iri(iri)
    lists = _rows(
        store,
        f"""SELECT ?list ?label ?date ?row ?source ?sourceTitle WHERE {{
      ?list cm:jurisdiction {node} ; rdfs:label ?label ; dct:issued ?date . BIND(?list AS ?row) {SOURCES}
    }} ORDER BY ?date""",
    )
    arrangements = _rows(
        store,
        f"""SELECT ?row ?label ?role ?source ?sourceTitle WHERE {{
      {{ ?row cm:party {node} BIND("party" AS ?role) }} UNION {{ ?row cm:leadParty {node} BIND("lead" AS ?role) }}
      UNION {{ ?row cm:participant {node} BIND("participant" AS ?role) }}
      ?row a cm:CooperativeArrangement ; rdfs:label ?label . {SOURCES}
    }} ORDER BY ?label""",
    )
    supply = _rows(
        store,
        f"""SELECT ?row ?label ?commodity ?commodityLabel ?direction ?rank ?asOf ?source ?sourceTitle
    WHERE {{
      {{ ?row cm:supplier {node} BIND("supplies" AS ?direction) }}
      UNION {{ ?row cm:recipient {node} BIND("receives" AS ?direction) }}
      ?row rdfs:label ?label . OPTIONAL {{ ?row cm:commodity ?commodity . ?commodity rdfs:label ?commodityLabel }}
      OPTIONAL {{ ?row cm:supplierRank ?rank }} OPTIONAL {{ ?row cm:asOf ?asOf }} {SOURCES}
    }} ORDER BY ?direction ?commodityLabel""",
    )
    roles: dict[str, dict] = {}
    for row in arrangements:  # a party is also a participant (cm:party is a subproperty): say the narrower role
        kept = roles.setdefault(row["row"], row)
        if kept["role"] == "participant":
            roles[row["row"]] = row
    return {"lists": lists, "arrangements": list(roles.values()), "supply": supply}


def critical_list(store, iri: str) -> dict:
    node = sparql_terms.iri(iri)
    about = _rows(
        store,
        f"""SELECT ?label ?date ?jurisdictionLabel ?publisherLabel ?stated ?includes ?includesLabel
        ?row ?source ?sourceTitle WHERE {{
      {node} rdfs:label ?label . BIND({node} AS ?row)
      OPTIONAL {{ {node} dct:issued ?date }} OPTIONAL {{ {node} cm:jurisdiction/rdfs:label ?jurisdictionLabel }}
      OPTIONAL {{ {node} dct:publisher/rdfs:label ?publisherLabel }} OPTIONAL {{ {node} cm:statedEntryCount ?stated }}
      OPTIONAL {{ {node} cm:includesList ?includes . ?includes rdfs:label ?includesLabel }} {SOURCES}
    }}""",
    )
    entries = _rows(
        store,
        f"""SELECT ?row ?position ?written ?commodity ?commodityLabel WHERE {{
      ?row cm:inList {node} ; cm:position ?position ; cm:entryAsWritten ?written .
      OPTIONAL {{ ?row cm:denotes ?commodity . ?commodity rdfs:label ?commodityLabel }}
    }} ORDER BY ?position""",
    )
    for entry in entries:
        entry["position"] = int(entry["position"] or 0)
    entries.sort(key=lambda e: e["position"])
    return {"about": about[0] if about else {}, "entries": entries, "key": iri.removeprefix(f"{ID}list/")}


def agreement(store, iri: str) -> dict:
    node = sparql_terms.iri(iri)
    milestones = _rows(
        store,
        f"""SELECT ?row ?label ?date ?partial ?place ?source ?sourceTitle WHERE {{
      {node} cm:hasMilestone ?row . ?row rdfs:label ?label .
      OPTIONAL {{ ?row cm:date ?date }} OPTIONAL {{ ?row cm:partialDate ?partial }}
      OPTIONAL {{ ?row cm:placeAsStated ?place }} {SOURCES}
    }} ORDER BY ?date ?partial""",
    )
    facts = _statements(store, iri, {"parties": "cm:party", "lead": "cm:leadParty", "participants": "cm:participant",
                                     "areas of cooperation": "cm:areaOfCooperation",
                                     "joint initiatives": "cm:promotesJointInitiative",
                                     "sectors": "cm:securesSupplyChainsFor", "aim": "cm:aimAsStated",
                                     "scope": "cm:scopeAsStated", "complements": "cm:complements"})  # fmt: skip
    return {"milestones": milestones, "facts": facts}


KINDS = [  # (classes, template, content): the first kind a resource has decides
    ({CM.Commodity, CM.CommodityGroup, CM.ManufacturedMaterial}, "factsheet_commodity.html", commodity),
    ({CM.Country}, "factsheet_country.html", country),
    ({CM.CriticalMineralList}, "factsheet_list.html", critical_list),
    ({CM.CooperativeArrangement, CM.Agreement, CM.Initiative}, "factsheet_agreement.html", agreement),
]


def for_resource(store, iri: str, types: list[str]) -> tuple[str, dict] | None:
    for classes, template, content in KINDS:
        if {str(c) for c in classes} & set(types):
            return template, content(store, iri)
    return None
