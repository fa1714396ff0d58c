"""Limits on what a request body may hold, for every route (pages, /api/v1 and /engine-rest alike).

JSON nested deeper than MAX_JSON_DEPTH (config, default 64) is answered 400 with
a message before any view, schema or library walks it recursively.
"""
from flask import current_app, request
from flask.json.provider import DefaultJSONProvider
from flask.wrappers import Request
from werkzeug.exceptions import BadRequest

from engine.json_limits import MAX_JSON_DEPTH, JSONTooDeep, loads_limited


def max_json_depth():
    """The configured limit on JSON nesting."""
    return current_app.config.get("MAX_JSON_DEPTH", MAX_JSON_DEPTH)


class LimitedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing documents nested deeper than the configured limit (JSONTooDeep)."""

    def loads(self, s, **kwargs):
        """Parse JSON text; JSONTooDeep when it nests too deep."""
        return loads_limited(s, max_json_depth(), **kwargs)


class JSONBodyTooDeep(BadRequest):
    """400: the JSON body nests deeper than allowed."""


class PathingRequest(Request):
    """A request whose unreadable JSON body is a 400 with a plain message (never the parser's text)."""

    def on_json_loading_failed(self, e):
        """400: the body is not JSON, or nests too deep."""
        if isinstance(e, JSONTooDeep):
            raise JSONBodyTooDeep(str(e))
        raise BadRequest("The request body is not valid JSON.")


def _looks_like_json():
    mimetype = request.mimetype or ""
    return mimetype == "application/json" or mimetype.endswith("+json")


def limit_json_depth():
    """Before any view: a JSON body nested deeper than the limit is a 400 with a message. The body is parsed
    here once and cached for the view; a body that is not JSON at all is left to the view to refuse."""
    if not _looks_like_json() or not request.get_data(cache=True):
        return None
    try:
        request.get_json()
    except JSONBodyTooDeep as exc:
        from .errors import error_response
        return error_response(400, "too_deep", exc.description,
                              {"body": f"nested more than {max_json_depth()} levels"})
    except BadRequest:
        return None
    return None


def init_app(app):
    """Use the limited JSON parser and request class in `app`."""
    app.json = LimitedJSONProvider(app)
    app.request_class = PathingRequest
