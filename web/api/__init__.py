"""JSON API under /api/v1 (flask-smorest): the same actions as the pages, for integrations.

Authentication is the session cookie or HTTP Basic. Input goes through the
schemas in `schemas.py`, which also document the API at /api/v1/openapi.json.
"""
from web.api import moves, start_failures, views  # noqa: F401  (each adds its routes to the blueprint)
from web.api.views import PathingApi, blp
from web.converters import IdConverter, id_schema
from web.extensions import csrf


def init_api(app):
    """Register the API blueprint; it authenticates per request, so CSRF does not apply."""
    api = PathingApi(app)
    api.register_converter(IdConverter, id_schema)
    csrf.exempt(blp)
    api.register_blueprint(blp)
    return api
