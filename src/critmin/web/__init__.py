"""The HTTP layer: a thin FastAPI app over critmin's plain modules.

Owns routes, status codes, headers, content negotiation calls, request bodies and
deadlines (bounded.py), conditional responses (http.py), problem+json (problems.py),
HEAD (head.py) and security headers. No SPARQL text and no RDF logic live here.

May import anything below it (services, features, store, semantics, rdf); nothing
below it imports critmin.web (tests/test_architecture.py).
"""
