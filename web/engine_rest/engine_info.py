"""The engine resource: which Camunda 7 version this REST dialect follows."""
from flask import jsonify

from .common import ENGINE_VERSION, bp


@bp.route("/version")
def version():
    """The engine version the Modeler checks to know which features it may use."""
    return jsonify({"version": ENGINE_VERSION})
