"""Critical-mineral lists for people: the timeline of every list and the comparison
of a few (membership matrix, added/removed marks, Venn summary, downloads).

No HTTP here (`web/lists_routes.py` serves it). Every query is anchored on the
lists asked for, so its cost is bounded by their size; the timeline is the
competency question cq16, and membership follows the rule cq09, cq10 and cq17 share
(listed directly, by inclusion of another list, or through a group).

May import: `critmin.sparql.queries`, `critmin.rdf.terms`, `critmin.rdf.namespaces`, `critmin.errors`.
"""
