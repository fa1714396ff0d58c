"""Camunda form keys and forms at validation: what translates, what warns, what cannot deploy."""
import json

from engine.forms.camunda import resolve_task_form
from engine.forms.embedded import html_form_schema
from engine.forms.generated import parse_date
from engine.forms.formjs import validate_submission
from engine.diagrams.validation import check_files

from ..bpmn import linear_process

FORM = json.dumps({"id": "choice", "components": [{"type": "textfield", "key": "note", "label": "Note"}]})


def form_data(*fields):
    return f"<bpmn:extensionElements><camunda:formData>{''.join(fields)}</camunda:formData></bpmn:extensionElements>"


def task(body="", attributes=""):
    return f'<bpmn:userTask id="ask" name="Ask" camunda:assignee="ada" {attributes}>{body}</bpmn:userTask>'


def findings(files, directory=None):
    checked = check_files(files, directory=directory)
    return ({m for e, m in ((p.element_id, p.message) for p in checked.problems) if e == "ask"},
            {m for e, m in ((p.element_id, p.message) for p in checked.warnings) if e == "ask"})


def test_generated_form_fields_that_cannot_work_are_errors_and_unchecked_constraints_warnings():
    fields = form_data(
        '<camunda:formField id="file" label="File" type="bytes"/>',
        '<camunda:formField id="n" type="long" defaultValue="two"/>',
        '<camunda:formField id="e" type="enum"/>',
        '<camunda:formField id="s" type="string"><camunda:validation><camunda:constraint name="maxlength" '
        'config="many"/><camunda:constraint name="min" config="3"/><camunda:constraint name="validator" '
        'config="org.example.Check"/></camunda:validation></camunda:formField>',
        '<camunda:formField id="not a name" type="string"/>')
    errors, warnings = findings({"p.bpmn": linear_process("p", task(fields))})
    assert 'the form field "file" has the type "bytes", which is not supported here: use string, long, double, ' \
           'boolean, date or enum' in errors
    assert 'the form field "n": the default value "two" is not a number' in errors
    assert 'the form field "e" is an enum without values: add camunda:value entries (id and name)' in errors
    assert 'the form field "s": the maxlength constraint needs a whole number, not "many"' in errors
    assert any(m.startswith('the form field "not a name" needs an id that is a variable name') for m in errors)
    assert 'the form field "s": the min constraint applies to numbers only and is not checked on a string field; ' \
           'use minlength/maxlength for text' in warnings
    assert 'the form field "s": the constraint "validator" is not checked here (supported: required, readonly, ' \
           'min, max, minlength, maxlength); check the value in a later step' in warnings


def test_a_required_boolean_accepts_false_as_in_camunda():
    diagram = linear_process("p", task(form_data(
        '<camunda:formField id="agree" type="boolean"><camunda:validation><camunda:constraint name="required"/>'
        '</camunda:validation></camunda:formField>')))
    checked = check_files({"p.bpmn": diagram})
    spec = checked.parser.get_spec("p").task_specs["ask"]
    _ref, schema, messages = resolve_task_form(spec, {})
    assert messages == [] and schema["components"][0] == {"id": "Field_agree", "key": "agree", "label": "agree",
                                                            "type": "checkbox"}
    assert validate_submission(schema, {"agree": False}) == ({"agree": False}, {})


def test_form_keys_plain_ids_external_forms_and_no_form():
    plain = linear_process("p", task(attributes='camunda:formKey="choice"'))
    assert findings({"p.bpmn": plain, "choice.form": FORM}) == (set(), set())
    assert findings({"p.bpmn": plain}) == ({'the form "choice" is not deployed and not among the files; add the '
                                            '.form file whose id is "choice"'}, set())
    external = linear_process("p", task(attributes='camunda:formKey="app:forms/approve.jsp"'))
    assert findings({"p.bpmn": external})[1] == {
        'the form key "app:forms/approve.jsp" names an external form, which cannot be shown here: the task gets a '
        'generic page (name, documentation, variables, Complete); to ask for data, use a Camunda Form (.form) or '
        'camunda:formData'}
    assert findings({"p.bpmn": linear_process("p", task())}) == (set(), set())  # no form: the generic page


def test_literal_people_are_checked_against_the_directory_when_there_is_one():
    diagram = linear_process("p", '<bpmn:userTask id="ask" camunda:assignee="ghost" camunda:candidateUsers="ada, '
                                  'zed" camunda:candidateGroups="hr,${group}"/>')
    assert findings({"p.bpmn": diagram})[1] == set()  # no database: nothing to judge by
    _errors, warnings = findings({"p.bpmn": diagram}, directory=({"ada"}, {"hr"}))
    assert warnings == {
        'the assignee "ghost" is not in the org directory: the task will be offered to the process owners\' group '
        'instead; add the person or correct the username',
        'the candidate user "zed" is not in the org directory, so cannot claim this task; add the person or correct '
        'the username'}


def test_embedded_html_forms_read_their_fields():
    schema = html_form_schema(
        '<form><label for="a">Amount</label><input id="a" cam-variable-name="amount" cam-variable-type="Double" '
        'min="0.5" required><input cam-variable-name="when" cam-variable-type="Date" placeholder="When">'
        '<input name="plain"><input type="hidden" cam-variable-name="secret"><input type="file" cam-variable-name="cv" '
        'cam-variable-type="File"><select cam-variable-name="pick" cam-choices="options"></select></form>',
        "embedded:x.html")
    assert schema["components"] == [
        {"id": "Field_amount", "key": "amount", "label": "Amount", "type": "number",
         "validate": {"required": True, "min": 0.5}},
        {"id": "Field_when", "key": "when", "type": "datetime", "subtype": "date", "dateLabel": "When"},
        {"id": "Field_pick", "key": "pick", "label": "pick", "type": "select", "valuesKey": "options"}]
    assert html_form_schema("<p>Nothing to fill in</p>", "embedded:y.html") is None
    assert html_form_schema("", "embedded:z.html") is None


def test_dates_in_camunda_pattern_or_iso():
    assert parse_date("24/12/2026", "dd/MM/yyyy") == "2026-12-24"
    assert parse_date("2026-12-24", "dd/MM/yyyy") == "2026-12-24"
    assert parse_date("31/02/2026", "dd/MM/yyyy") is None and parse_date("soon") is None


def test_a_start_form_is_a_warning():
    diagram = linear_process("p", task()).replace(
        '<bpmn:startEvent id="start"/>',
        '<bpmn:startEvent id="start" camunda:formKey="embedded:app:forms/start.html"/>')
    checked = check_files({"p.bpmn": diagram})
    assert checked.problems == []
    assert [(w.element_id, w.message) for w in checked.warnings] == [(
        "start", "start forms are not shown here: a path starts with the variables sent with the start request "
                 "(engine-rest `variables`); ask for this data in a first user task instead")]


def test_the_initiator_variable_is_known_to_the_checks():
    gateway_task = '<bpmn:userTask id="ask" camunda:assignee="${starter}"/>'
    without = check_files({"p.bpmn": linear_process("p", gateway_task)}).problems
    assert [p.message for p in without] == ["the assignee expression '${starter}' uses starter, which no form field, "
                                            "script or start variable provides"]
    with_initiator = linear_process("p", gateway_task).replace(
        '<bpmn:startEvent id="start"/>', '<bpmn:startEvent id="start" camunda:initiator="starter"/>')
    assert check_files({"p.bpmn": with_initiator}).problems == []
