"""Jinja filters and globals shared by every page."""
import uuid
from datetime import datetime

from flask import request, url_for
from markupsafe import Markup

from engine.rights import authorization
from engine.directory.org import describe_candidates
from engine.store.models import utcnow

from .markdown import render_comment, render_markdown


def when(value):
    """A date-time for people: 2026-11-25 14:05."""
    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else ""


def due_label(value, now=None):
    """'overdue by 2 days', 'due today', 'due in 5 days'."""
    if not isinstance(value, datetime):
        return ""
    now = now or utcnow()
    days = (value.date() - now.date()).days
    if value < now:
        return "overdue" if days == 0 else f"overdue by {-days} day{'s' if days != -1 else ''}"
    if days == 0:
        return "due today"
    return f"due in {days} day{'s' if days != 1 else ''}"


def page_url(page):
    """The current URL with another page number."""
    args = dict(request.args)
    args["page"] = page
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def counted(number, singular, plural=None):
    """"1 path", "3 paths", "2 families": a count with the right form of its noun."""
    return f"{number} {singular if number == 1 else (plural or singular + 's')}"


def offered_to(task):
    """Who an unassigned task is offered to, in words (group labels and people's names)."""
    from .extensions import db
    return describe_candidates(db.session, task.candidate_users, task.candidate_groups)


def init_templating(app):
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["counted"] = counted
    app.jinja_env.filters["due_label"] = due_label
    app.jinja_env.filters["markdown"] = lambda text: Markup(render_markdown(text or ""))
    app.jinja_env.filters["comment"] = lambda text: Markup(render_comment(text or ""))
    app.jinja_env.globals["page_url"] = page_url
    app.jinja_env.globals["idempotency_key"] = lambda: str(uuid.uuid4())
    app.jinja_env.globals["now"] = utcnow
    app.jinja_env.globals["is_process_owner"] = authorization.is_process_owner
    app.jinja_env.globals["is_admin"] = authorization.is_admin
    app.jinja_env.globals["is_hr"] = authorization.is_hr
    app.jinja_env.globals["offered_to"] = offered_to
