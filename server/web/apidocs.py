"""``/api/``: Swagger UI (vendored ``swagger-ui-dist``) over the generated ``/api/openapi.json``.

The document's ``servers`` entry is this server's own URL, so "Try it out" sends its requests to the
same origin that served the page; nothing is loaded from elsewhere. Templates link it as
``url_for('apidocs.swagger')``.
"""

from __future__ import annotations

import flask
from werkzeug.wrappers import Response

from server.engine.service import QueryService
from server.web.http import html_page

__all__ = ["blueprint"]

blueprint = flask.Blueprint("apidocs", __name__)

# Swagger UI's React components set style attributes and it ships data: images in its CSS.
_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:;"
    " connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


@blueprint.route("/api/")
def swagger() -> Response:
    """The REST API's documentation with a working "Try it out" for every operation."""
    service: QueryService = flask.current_app.extensions["mkg"]
    html = flask.render_template("api.html", version=service.dataset.version)
    return html_page(html, _CSP)
