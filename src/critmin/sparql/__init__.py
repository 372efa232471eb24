"""The query path: the SPARQL 1.1 Protocol (protocol), query inspection (query_text),
the endpoint's logic (service: formats, limits, cache, deadlines), the worker pool for
the embedded store (pool, worker) and the executor for a remote engine
(remote_executor), the result writers, the result cache, the service description, the
canned competency questions (queries) and readable syntax errors.

May import: critmin.rdf, critmin.store, critmin.errors, critmin.negotiation,
critmin.settings, critmin.metrics. Never the web layer.
"""
