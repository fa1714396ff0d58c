"""Serves front-end packages installed by npm (never committed) from node_modules."""
import os

from flask import Blueprint, abort, send_from_directory

from .config import PROJECT_ROOT

bp = Blueprint("vendor", __name__, url_prefix="/vendor")

# Only the built distributions of the packages we use are reachable.
ALLOWED = {
    "bpmn-js": "bpmn-js/dist",
    "form-js": "@bpmn-io/form-js/dist",
    "properties-panel": "@bpmn-io/properties-panel/dist",
    "chart.js": "chart.js/dist",
}


@bp.route("/<package>/<path:filename>")
def asset(package, filename):
    """A file from an allowed package's dist folder."""
    if package not in ALLOWED:
        abort(404)
    return send_from_directory(os.path.join(PROJECT_ROOT, "node_modules", ALLOWED[package]), filename,
                               max_age=3600)
