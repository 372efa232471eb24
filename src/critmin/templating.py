"""The one Jinja2 environment every HTML page is rendered with.

Autoescaping is on for every template (data is untrusted); a page's pieces that are
already HTML are passed as `markupsafe.Markup`. StrictUndefined makes a misspelt
variable an error in the tests rather than an empty cell in production.
"""

from __future__ import annotations

import jinja2

ENVIRONMENT = jinja2.Environment(
    loader=jinja2.PackageLoader("critmin", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _local(iri: str) -> str:
    """Where a link to `iri` goes: our own page for our IRIs, the IRI for http(s), and
    nothing clickable for anything else (data is untrusted: no `javascript:`)."""
    from critmin.linked_data import local_path

    local = local_path(iri)
    if local is not None:
        return local
    return iri if iri.lower().startswith(("http://", "https://")) else "#"


ENVIRONMENT.filters["local"] = _local


def render(template: str, **context) -> str:
    context.setdefault("alternates", None)
    context.setdefault("query", "")
    return ENVIRONMENT.get_template(template).render(**context)
