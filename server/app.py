"""The Flask application factory: one app object wiring the shared executor, hooks and blueprints.

``create_app(config)`` starts the query processes (so call it before anything starts threads), stores
the executor as ``app.extensions["mkg"]`` and registers each blueprint with one line below: a new
route family (REST API, linked data pages) is a module with a ``blueprint`` and one more line here.
"""

from __future__ import annotations

import flask

from server import api, http, linked_data, meta, page, sparql
from server.backend import Backend
from server.config import ServerConfig
from server.fastpath import SparqlFastPath
from server.service import QueryService

__all__ = ["create_app"]


def create_app(config: ServerConfig | None = None, *, backend: Backend | None = None) -> flask.Flask:
    """Build the app for ``config`` (defaults: the release in ``build/release``).

    ``backend`` is an already planned (and possibly launched) :class:`Backend` for ``config``.
    """
    config = config or ServerConfig()
    app = flask.Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=config.max_body, MAX_FORM_MEMORY_SIZE=config.max_body)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    service = QueryService(config, backend)
    app.extensions["mkg"] = service
    http.init_app(app)
    app.wsgi_app = SparqlFastPath(app.wsgi_app, service)  # type: ignore[method-assign]
    app.register_blueprint(sparql.blueprint)
    app.register_blueprint(meta.blueprint)
    app.register_blueprint(page.blueprint)
    app.register_blueprint(api.blueprint)
    app.register_blueprint(linked_data.blueprint)
    return app
