"""form-js forms are validated on the server with the same rules the browser applies."""
import json
import os

import pytest

from engine.forms.formjs import FormError, decode_html_form, load_form, validate_submission
from web import PROJECT_ROOT

SCHEMA = {
    "id": "sample", "type": "default",
    "components": [
        {"type": "textfield", "key": "title", "label": "Title", "validate": {"required": True, "maxLength": 10}},
        {"type": "textarea", "key": "notes", "label": "Notes", "validate": {"minLength": 3}},
        {"type": "number", "key": "level", "label": "Level", "validate": {"min": 1, "max": 5}},
        {"type": "checkbox", "key": "agree", "label": "Agree"},
        {"type": "checklist", "key": "kinds", "label": "Kinds", "values": [{"label": "A", "value": "a"}, {"label": "B", "value": "b"}]},
        {"type": "radio", "key": "choice", "label": "Choice", "values": [{"label": "Yes", "value": "yes"}], "validate": {"required": True}},
        {"type": "select", "key": "who", "label": "Who", "valuesKey": "people"},
        {"type": "taglist", "key": "tags", "label": "Tags", "values": [{"label": "X", "value": "x"}]},
        {"type": "datetime", "key": "day", "subtype": "date", "dateLabel": "Day"},
        {"type": "textfield", "key": "link", "label": "Link", "validate": {"pattern": "https?://\\S+"}},
        {"type": "group", "label": "Nested", "path": "address", "components": [
            {"type": "textfield", "key": "city", "label": "City", "validate": {"required": True}}]},
        {"type": "dynamiclist", "path": "items", "label": "Items", "validate": {"required": True}, "components": [
            {"type": "textfield", "key": "name", "label": "Name", "validate": {"required": True}},
            {"type": "number", "key": "count", "label": "Count"}]},
        {"type": "text", "text": "Some **help**"},
    ],
}
CONTEXT = {"people": [{"label": "Sam", "value": "sam"}]}
VALID = {"title": "Lead", "notes": "long enough", "level": 3, "agree": True, "kinds": ["a"], "choice": "yes",
         "who": "sam", "tags": ["x"], "day": "2027-01-31", "link": "https://example.com",
         "address": {"city": "Basel"}, "items": [{"name": "one", "count": "2"}]}


def test_valid_data_is_cleaned_and_typed():
    clean, errors = validate_submission(SCHEMA, VALID, CONTEXT)
    assert errors == {}
    assert clean["level"] == 3 and clean["items"] == [{"name": "one", "count": 2}]
    assert clean["address"] == {"city": "Basel"} and clean["day"] == "2027-01-31"


def test_every_rule_reports_the_field_and_what_is_wrong():
    bad = dict(VALID, title="far too long title", notes="no", level=9, kinds=["zzz"], choice=None,
               who="mallory", day="31/01/2027", link="ftp:/x", address={"city": ""}, items=[{"count": "x"}])
    clean, errors = validate_submission(SCHEMA, bad, CONTEXT)
    assert errors == {
        "title": "Title must be at most 10 characters.",
        "notes": "Notes must be at least 3 characters.",
        "level": "Level must be at most 5.",
        "kinds": "zzz is not one of the choices for Kinds.",
        "choice": "Choice is required.",
        "who": "mallory is not one of the choices for Who.",
        "day": '"31/01/2027" is not a valid date; use YYYY-MM-DD',
        "link": "Link does not have the expected format.",
        "address.city": "City is required.",
        "items.0.name": "Name is required.",
        "items.0.count": '"x" is not a number',
    }


def test_wrong_json_types_are_errors_not_crashes():
    _clean, errors = validate_submission(SCHEMA, dict(VALID, title={"a": 1}, items="nope", kinds="a"), CONTEXT)
    assert errors["title"] == "must be text" and errors["items"] == "must be a list"
    assert "kinds" not in errors  # a single string is accepted as a one-item list
    assert validate_submission(SCHEMA, ["not", "an", "object"])[1] == {"": "the form data must be an object"}


def test_empty_required_dynamic_list():
    _clean, errors = validate_submission(SCHEMA, dict(VALID, items=[]), CONTEXT)
    assert errors == {"items": "Add at least one entry."}


def test_html_post_is_decoded_with_rows_and_multi_values():
    posted = {"title": ["Lead"], "kinds": ["a", "b"], "agree": ["", "true"], "items.__rows": ["3"],
              "items.0.name": ["one"], "items.0.count": ["1"], "items.1.name": [""], "items.1.count": [""],
              "items.2.name": ["three"], "address.city": ["Basel"]}
    data = decode_html_form(SCHEMA, lambda name: posted.get(name, []))
    assert data["kinds"] == ["a", "b"] and data["agree"] is True
    assert data["items"] == [{"name": "one", "count": "1"}, {"name": "three", "count": None}]
    assert data["address"] == {"city": "Basel"}


def test_broken_forms_are_refused_with_a_reason():
    with pytest.raises(FormError, match="not valid JSON"):
        load_form("{", "x.form")
    with pytest.raises(FormError, match='component type "filepicker" is not supported'):
        load_form(json.dumps({"id": "x", "components": [{"type": "filepicker", "key": "f"}]}), "x.form")
    with pytest.raises(FormError, match='needs "values" or "valuesKey"'):
        load_form(json.dumps({"id": "x", "components": [{"type": "select", "key": "s"}]}), "x.form")
    with pytest.raises(FormError, match='has no "id"'):
        load_form(json.dumps({"components": []}), "x.form")


def test_every_shipped_form_loads():
    folder = os.path.join(PROJECT_ROOT, "forms")
    for name in os.listdir(folder):
        with open(os.path.join(folder, name)) as handle:
            schema = load_form(handle.read(), name)
        assert schema["id"] == name[:-5]
