"""Linked data for people and harvesters: resource descriptions (describe), their
HTML (html, with the templates), the VoID/DCAT-AP description (void, dcat_ap), dumps,
patches and the change feed made from them (dumps, patches, changes), and the derived
documents made when the data changes (derived).

May import: critmin.rdf, critmin.store, critmin.sparql (queries), critmin.summary,
critmin.templating, critmin.factsheets. Never the web layer.
"""
