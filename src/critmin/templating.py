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
    """Where a link to `iri` goes (html_views.safe_href: our page, or http(s) only);
    "#" for anything else (data is untrusted: no `javascript:`)."""
    from critmin.linked_data.html import safe_href  # html_views renders with this module

    return safe_href(iri) or "#"


ENVIRONMENT.filters["local"] = _local


def render(template: str, **context) -> str:
    context.setdefault("alternates", None)
    context.setdefault("query", "")
    return ENVIRONMENT.get_template(template).render(**context)
