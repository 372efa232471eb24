"""Finding things by name: the matching engine and its index.

One engine serves the search page, the Reconciliation Service API (OpenRefine) and
the matching of spreadsheet entries in contributions, so that a name finds the same
resource everywhere.

- `text`: normalisation (case, accents, punctuation) and initials.
- `collect`: the records to index, read from a store's public view with one bounded
  query per kind; runs where the derived documents are made, never per request.
- `engine`: the index (exact, prefix, initials and fuzzy matching with rapidfuzz),
  ranking and type filters.
- `reconcile`: the Reconciliation Service API 0.2 on top of the engine (no HTTP).

May import: `critmin.rdf.namespaces`, `critmin.rdf.terms`, `critmin.errors`, rapidfuzz, jsonschema. Not `critmin.web`.
"""
