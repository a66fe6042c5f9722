"""The Flask application factory: one app object wiring the shared executor, hooks and blueprints.

``create_app(config)`` opens the engine (under gunicorn: in each worker process, after the fork), stores
the executor as ``app.extensions["mkg"]`` and registers each blueprint with one line below: a new
route family (REST API, linked data pages) is a module with a ``blueprint`` and one more line here.
"""

from __future__ import annotations

from collections.abc import Callable

import flask

from server.config import ServerConfig
from server.engine import OpenedEngine, open_engine
from server.engine.service import QueryService
from server.web import api, apidocs, http, linked_data, meta, page, schema, sparql

__all__ = ["create_app"]


def create_app(
    config: ServerConfig | None = None,
    *,
    engine: OpenedEngine | None = None,
    on_runaway: Callable[[str], None] | None = None,
) -> flask.Flask:
    """Build the app for ``config`` (defaults: the release in ``build/release``).

    ``engine`` is an already opened engine; ``on_runaway`` is how the embedded engine retires this
    process when a query outlives its deadline (the serving layer passes it; elsewhere nothing happens).
    """
    config = config or ServerConfig()
    opened = engine or open_engine(config, on_runaway)
    # Named "server" so templates and static files are found in server/templates and server/static.
    app = flask.Flask("server")
    app.config.update(MAX_CONTENT_LENGTH=config.max_body, MAX_FORM_MEMORY_SIZE=config.max_body)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    service = QueryService(
        config,
        opened.engine,
        release=opened.release,
        prefixes=opened.prefixes,
        tag=opened.tag,
        counted=opened.counted,
    )
    app.extensions["mkg"] = service
    http.init_app(app)
    app.register_blueprint(sparql.blueprint)
    app.register_blueprint(meta.blueprint)
    app.register_blueprint(page.blueprint)
    app.register_blueprint(apidocs.blueprint)
    app.register_blueprint(api.blueprint)
    app.register_blueprint(schema.blueprint)
    app.register_blueprint(linked_data.blueprint)
    return app
