"""What a contribution request brings in: its media type, its body parsed (in the
untrusted-input sandbox) into triples with skolemised blank nodes, and its metadata,
each checked against the limits before anything is written."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from critmin.errors import RequestError
from critmin.rdf import formats
from critmin.rdf.input import RdfInputError
from critmin.rdf.parse_guard import TooManyQuads
from critmin.rdf.terms import is_iri
from critmin.rdf.untrusted import ParserBusy, parse_untrusted

MEDIA_TYPES = formats.UPLOADS  # media type -> pyoxigraph format, from the one format table
FORMAT_NAMES = {f.oxigraph: f.name for f in formats.RDF}


class ContributionError(RequestError):
    """A contribution, Graph Store or curation request that cannot be carried out."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 20 * 1024 * 1024
    max_triples: int = 200_000
    max_literal: int = 100_000
    max_iri: int = 4096  # characters; a 1 MB IRI once made one feed page 1 MB
    max_title: int = 1024


def media_format(content_type: str | None) -> ox.RdfFormat:
    media = (content_type or "").split(";")[0].strip().lower()
    if media not in MEDIA_TYPES:
        accepted = ", ".join(MEDIA_TYPES)
        raise ContributionError(f"Content-Type {media or '(none)'} is not accepted; send one of: {accepted}", 415)
    return MEDIA_TYPES[media]


def parse_contribution(body: bytes, content_type: str | None, limits: Limits, skolem_base: str) -> list[ox.Triple]:
    """Parse and check a body; blank nodes become IRIs under `skolem_base`."""
    fmt = media_format(content_type)
    if len(body) > limits.max_bytes:
        raise ContributionError(f"the body is larger than {limits.max_bytes} bytes", 413)
    try:
        quads = parse_untrusted(body, fmt, source=f"body ({content_type})", max_quads=limits.max_triples)
    except RdfInputError as error:
        message = str(error)
        if "LoadDocumentCallback" in message:
            message = f"{error.source}: remote JSON-LD @context documents are not fetched; inline the context"
        raise ContributionError(f"malformed {FORMAT_NAMES[fmt]}: {message}", 400) from None
    except TooManyQuads:
        raise ContributionError(
            f"the contribution has more than {limits.max_triples} triples (the limit)", 413
        ) from None
    except ParserBusy as busy:
        raise ContributionError(str(busy), 503) from None
    skolem: dict[str, ox.NamedNode] = {}

    def ground(term):
        if isinstance(term, ox.BlankNode):
            return skolem.setdefault(term.value, ox.NamedNode(f"{skolem_base}{len(skolem) + 1}"))
        if isinstance(term, ox.NamedNode) and len(term.value) > limits.max_iri:
            raise ContributionError(f"an IRI is {len(term.value)} characters long; the limit is {limits.max_iri}", 400)
        if isinstance(term, ox.Literal) and len(term.value) > limits.max_literal:
            raise ContributionError(
                f"a literal is {len(term.value)} characters long; the limit is {limits.max_literal}", 413
            )
        return term

    return list(dict.fromkeys(ox.Triple(ground(q.subject), ground(q.predicate), ground(q.object)) for q in quads))


def check_metadata(title: str | None, source: str | None, limits: Limits) -> None:
    """Refuse a bad title or source before anything is written (400)."""
    if title is not None and len(title) > limits.max_title:
        raise ContributionError(f"the title is {len(title)} characters long; the limit is {limits.max_title}", 400)
    if source is not None:
        if len(source) > limits.max_iri:
            raise ContributionError(f"the source IRI is longer than {limits.max_iri} characters", 400)
        if not is_iri(source):
            raise ContributionError(f"source={source[:200]!r} is not an absolute IRI", 400)
