"""The engine resource: the engine's name and which Camunda 7 version this REST dialect follows."""
from flask import jsonify

from .common import ENGINE_NAME, ENGINE_VERSION, bp


@bp.route("/version")
def version():
    """The engine version the Modeler checks to know which features it may use."""
    return jsonify({"version": ENGINE_VERSION})


@bp.route("/engine")
def engines():
    """The process engines behind this REST API: one, named `default`."""
    return jsonify([{"name": ENGINE_NAME}])
