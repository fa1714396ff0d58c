"""What a diagram declares about its whole process: starters, task-list flag, protected variables, start form,
called processes."""
import json

from engine.diagrams.deployment import deploy
from engine.diagrams.declarations import declarations, read_declarations
from engine.rights.variable_rights import protected_variables
from web.extensions import db

from ..bpmn import linear_process

START_FORM = {"type": "default", "id": "start-form", "components": [
    {"type": "textfield", "key": "topic", "label": "Topic"},
    {"type": "group", "label": "More", "components": [{"type": "number", "key": "weeks", "label": "Weeks"}]}]}
NOTE_FORM = {"type": "default", "id": "note", "components": [{"type": "textfield", "key": "note", "label": "Note"}]}


def process_with(attributes="", start='<bpmn:startEvent id="start"/>', extensions="", body=""):
    xml = linear_process("p", body or '<bpmn:userTask id="work" name="Work" camunda:formRef="note"/>', lane="Employee")
    return (xml.replace('isExecutable="true">', f'isExecutable="true" {attributes}>{extensions}')
            .replace('<bpmn:startEvent id="start"/>', start))


def test_starters_tasklist_flag_and_protected_variables_are_read_from_the_process():
    xml = process_with('camunda:candidateStarterUsers="ben, ${employee}" camunda:candidateStarterGroups="hr" '
                       'camunda:isStartableInTasklist="false"',
                       extensions='<bpmn:extensionElements><camunda:properties>'
                                  '<camunda:property name="protectedVariables" value="score, level" />'
                                  '<camunda:property name="other" value="x" /></camunda:properties>'
                                  '</bpmn:extensionElements>')
    declared = read_declarations(xml, "p")
    assert declared.starter_users == ("ben", "${employee}") and declared.starter_groups == ("hr",)
    assert declared.startable_in_tasklist is False and declared.protected_variables == {"score", "level"}
    assert declared.start_form_fields is None and declared.names_starters
    plain = read_declarations(process_with(), "p")
    assert not plain.names_starters and plain.startable_in_tasklist is None and plain.protected_variables == set()


def test_start_forms_declare_the_start_variables():
    form_data = ('<bpmn:startEvent id="start"><bpmn:extensionElements><camunda:formData>'
                 '<camunda:formField id="a" type="string"/><camunda:formField id="b" type="long"/>'
                 '</camunda:formData></bpmn:extensionElements></bpmn:startEvent>')
    assert read_declarations(process_with(start=form_data), "p").start_form_fields == {"a", "b"}
    form_key = '<bpmn:startEvent id="start" camunda:formKey="camunda-forms:deployment:forms/start-form.form"/>'
    assert read_declarations(process_with(start=form_key), "p", {"start-form": START_FORM}).start_form_fields == {
        "topic", "weeks"}
    unknown = '<bpmn:startEvent id="start" camunda:formRef="missing"/>'
    assert read_declarations(process_with(start=unknown), "p").start_form_fields == frozenset()  # asks nothing


def test_a_deployed_start_form_is_stored_with_its_version(org):
    xml = process_with(start='<bpmn:startEvent id="start" camunda:formRef="start-form"/>',
                       extensions='<bpmn:extensionElements><camunda:properties>'
                                  '<camunda:property name="protectedVariables" value="score" />'
                                  '</camunda:properties></bpmn:extensionElements>')
    version = deploy(db.session, {"p.bpmn": xml, "start-form.form": json.dumps(START_FORM),
                                  "note.form": json.dumps(NOTE_FORM)}).created[0]
    db.session.commit()
    assert version.sources["forms"]["start-form"] == START_FORM
    assert declarations(version).start_form_fields == {"topic", "weeks"}
    assert {"score", "employee", "manager"} <= protected_variables(version)


def test_called_processes_are_named():
    body = '<bpmn:callActivity id="c1" calledElement="milestone"/><bpmn:callActivity id="c2" calledElement="p"/>'
    assert read_declarations(process_with(body=body), "p").called_processes == {"milestone"}
