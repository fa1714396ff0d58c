"""Answers to a posted comment for pages that post it in place (fetch with the CSRF header, JSON back)."""
from flask import get_template_attribute, jsonify, request

from engine.runtime.comments import comments_of

from .extensions import db

POSTED = "Your comment is posted; everyone who can see this path can read it."


def wants_json():
    """True when the page's script posted the comment and expects JSON rather than a new page."""
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


def posted_json(instance_id, task_id=None):
    """201 with the comment list's new HTML (rendered by the same macro as the page) and its count."""
    comments = comments_of(db.session, instance_id, task_id)
    comment_list = get_template_attribute("_comments.html", "comment_list")
    return jsonify(message=POSTED, count=len(comments), html=str(comment_list(comments, task_id))), 201


def refused_json(exc):
    """422 with the message naming what is wrong, and the field it concerns."""
    return jsonify(type="ValidationFailed", message=exc.message, errors=exc.errors), 422
