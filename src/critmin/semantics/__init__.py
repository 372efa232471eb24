"""What is valid and what follows: SHACL validation (validation), the slice of the
store a contribution is judged with (context), the killable validation workers for
uploads (validation_pool), the OWL 2 RL / rule reasoning (reasoning) and the rule
engine that computes and maintains the inferred graph (rules).

May import: critmin.rdf, critmin.store (the interface), critmin.settings.
"""
