"""Contributions: what outside data goes through before it becomes public.

Owns the contribution workflow (submit, publish, withdraw, revise, correct), its
records and quarantine, the validation gate that judges contributions in the
context of the store, and the one write path to the public dataset (lock,
transaction, version, inferences) that the Graph Store Protocol shares.

May import: critmin.store, critmin.store.visibility, critmin.semantics.validation, critmin.semantics.context,
critmin.semantics.reasoning, critmin.rdf.input, critmin.rdf.namespaces. Never the web layer.

Modules:
- input: parsing and limits of an upload (formats, sizes, remote contexts refused)
- records: one record per contribution in the hidden records graph
- quarantine: the files kept beside a contribution (body, report, requests)
- gate: validation in context (shapes, the store's slice, explanations)
- writer: the one write path (lock, transaction, version, inferences)
- corrections: SPARQL Update DELETE DATA / INSERT DATA bodies as retractions and additions
- workflow: the life cycle over all of the above
"""

from critmin.contributions.input import (
    FORMAT_NAMES,
    MEDIA_TYPES,
    ContributionError,
    Limits,
    check_metadata,
    media_format,
    parse_contribution,
)
from critmin.contributions.records import Record
from critmin.contributions.workflow import ContributionService, public_view

__all__ = [
    "FORMAT_NAMES",
    "MEDIA_TYPES",
    "ContributionError",
    "ContributionService",
    "Limits",
    "Record",
    "check_metadata",
    "media_format",
    "parse_contribution",
    "public_view",
]
