"""Every supported form-js component renders to labelled, accessible HTML without JavaScript."""
import re

from flask import render_template_string

from web.tasks.form_text import render_template_text
from web.tasks.form_view import build_form_view

from ..engine.test_forms import CONTEXT, SCHEMA

TEMPLATE = '{% from "tasks/_form.html" import render_nodes %}{{ render_nodes(nodes) }}'


def render(values, errors=None, extra_rows=None):
    nodes = build_form_view(SCHEMA, values, errors or {}, CONTEXT, extra_rows)
    return render_template_string(TEMPLATE, nodes=nodes)


def test_every_component_type_renders_with_labels(app):
    with app.test_request_context():
        html = render({"title": "Lead", "kinds": ["a"], "choice": "yes", "who": "sam", "tags": ["x"],
                       "items": [{"name": "one", "count": 2}], "agree": True, "day": "2027-01-31"})
    for field_id in ("f-title", "f-notes", "f-level", "f-agree", "f-who", "f-tags", "f-day", "f-link",
                     "f-address-city", "f-items-0-name", "f-items-0-count"):
        assert f'<label for="{field_id}">' in html, field_id
    assert 'type="number"' in html and 'type="date"' in html and 'value="2027-01-31"' in html
    assert re.search(r'<textarea id="f-notes"[^>]*minlength="3"', html)
    assert re.search(r'value="a"\s+checked', html) and re.search(r'value="yes"\s+checked', html)
    assert '<option value="sam" selected>Sam</option>' in html
    assert re.search(r'<select id="f-tags" name="tags" multiple', html)
    assert 'name="items.__rows" value="1"' in html and 'name="items.0.name" value="one"' in html
    assert 'value="add:items"' in html and 'value="remove:items.0"' in html
    assert "<strong>help</strong>" in html
    assert '<legend>Nested</legend>' in html and 'name="address.city"' in html


def test_errors_are_announced_next_to_their_fields(app):
    with app.test_request_context():
        html = render({}, {"title": "Title is required.", "items.0.name": "Name is required."})
    assert 'aria-invalid="true"' in html
    assert re.search(r'aria-describedby="f-title-error".*?<p class="error" id="f-title-error">Title is required.</p>',
                     html, re.S)
    assert 'id="f-items-0-name-error">Name is required.' in html


def test_add_another_row(app):
    with app.test_request_context():
        html = render({"items": [{"name": "one"}]}, extra_rows={"items": 1})
    assert 'name="items.__rows" value="2"' in html and 'name="items.1.name"' in html


def test_text_templates_fill_in_task_data_safely():
    text = "Hi {{employee_name}}. {{#if missing}}Missing: {{missing}}{{/if}}{{#loop reviews}} [{{reviewer}}]{{/loop}}"
    assert render_template_text(text, {"employee_name": "Ada", "missing": ["a", "b"],
                                       "reviews": [{"reviewer": "sam"}, {"reviewer": "sol"}]}) == \
        "Hi Ada. Missing: a, b [sam] [sol]"
    assert render_template_text(text, {"employee_name": "Ada"}) == "Hi Ada. "
