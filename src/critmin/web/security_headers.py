"""Security headers on every response, in one place (plain ASGI, no per-request task).

HTML pages get a Content Security Policy that allows script, style, images and
fetches from this origin only and forbids framing: data is untrusted (a published
`<script>` label or a `javascript:` IRI must never run). `style-src` also allows
inline style attributes, which YASGUI's CodeMirror sets; inline `<script>` stays
forbidden. Every response gets `nosniff` and a referrer policy.
"""

from __future__ import annotations

CSP = (
    "default-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
)
ALWAYS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"strict-origin-when-cross-origin")]
HTML_ONLY = [(b"content-security-policy", CSP.encode()), (b"x-frame-options", b"DENY")]


class SecurityHeadersMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                headers += ALWAYS
                if content_type.startswith(b"text/html"):
                    headers += HTML_ONLY
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
