"""A health check for load balancers and monitors: is this web process up, and can it reach the database?"""
import logging

import sqlalchemy as sa
from flask import Blueprint, jsonify

from .extensions import db

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.route("/health")
def health():
    """200 {"status": "ok"} when the database answers; 503 otherwise. Needs no login and reveals nothing else."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        log.warning("health check: the database did not answer: %s", exc)
        response = jsonify({"status": "unavailable", "database": "not reachable"})
        response.status_code = 503
        return response
    finally:
        db.session.rollback()
    return jsonify({"status": "ok", "database": "ok"})
