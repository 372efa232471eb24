"""The RDF toolkit: namespaces and IRIs, the one format table (formats), parsing of
trusted files (input) and of untrusted bodies in a sandboxed child (untrusted,
parse_guard), and SPARQL terms made only from checked values (terms).

May import: pyoxigraph, rdflib, critmin.errors, critmin.settings. Nothing else of critmin.
"""
