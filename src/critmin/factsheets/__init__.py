"""Factsheets: the readable summary at the top of a commodity's, country's, list's or
agreement's page, in the spirit of the EU RMIS factsheets, each line with its source.

`sheets.for_resource(store, iri, types)` answers the template name and its content,
or None for other resources. Every query is anchored on the one IRI (bounded by the
resource's own neighbourhood), runs on the public view, and needs no reasoning
beyond what the store already holds (`cm:listedIn`, `cm:memberOfGroup` are inferred
at build time).

May import: `critmin.rdf.terms`, `critmin.rdf.namespaces`. No HTTP, no HTML.
"""
