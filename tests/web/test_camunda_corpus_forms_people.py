"""Camunda Modeler diagrams (tests/corpus/camunda/forms_*, people_*) deployed, started and completed over HTTP:
generated forms, forms linked by file name, embedded HTML forms, the generic task page, camunda:initiator and
tasks that name nobody or someone the directory does not know."""
import base64
import io
import os

import sqlalchemy as sa

from engine.store.models import HumanTask, InstanceEvent, ProcessInstance, ProcessVersion
from engine.runtime.runner import Runtime
from web.extensions import db

from .test_engine_rest import HANA

CORPUS = os.path.join(os.path.dirname(os.path.dirname(__file__)), "corpus", "camunda")
HANA_API = {"Authorization": HANA["Authorization"]}
ADA_API = {"Authorization": "Basic " + base64.b64encode(b"ada:demo").decode()}


def corpus_file(name):
    with open(os.path.join(CORPUS, name), encoding="utf-8") as handle:
        return handle.read()


def modeler_deploy(client, diagram, *attachments):
    """POST /engine-rest/deployment/create with a corpus diagram and attachments, as Camunda Modeler sends it."""
    data = {"deployment-name": diagram, "deployment-source": "Camunda Modeler", "enable-duplicate-filtering": "true",
            diagram: (io.BytesIO(corpus_file(diagram).encode("utf-8")), diagram, "text/xml")}
    for name in attachments:
        data[name] = (io.BytesIO(corpus_file(name).encode("utf-8")), name)
    return client.post("/engine-rest/deployment/create", data=data, headers=HANA, content_type="multipart/form-data")


def warnings_of(response):
    return {(w["mainElementId"], w["message"]) for w in response.json["warnings"]}


def start(client, key, business_key=None, **variables):
    """Start the latest version of `key` through /engine-rest as hana; returns the instance."""
    body = {"variables": {name: {"value": value, "type": "Boolean" if isinstance(value, bool) else "String"}
                          for name, value in variables.items()}}
    if business_key:
        body["businessKey"] = business_key
    response = client.post(f"/engine-rest/process-definition/key/{key}/start", headers=HANA, json=body)
    assert response.status_code == 200, response.json
    return db.session.get(ProcessInstance, int(response.json["id"]))


def open_task(instance, element_id):
    db.session.expire_all()
    return db.session.scalars(sa.select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                         HumanTask.element_id == element_id,
                                                         HumanTask.status == "open")).one()


def status_of(instance):
    db.session.expire_all()
    return db.session.get(ProcessInstance, instance.id).status


def variables_of(instance):
    db.session.expire_all()
    return Runtime(db.session).current_data(db.session.get(ProcessInstance, instance.id))


def test_generated_form_renders_validates_and_types_values(client, org, act):
    deployed = modeler_deploy(client, "forms_generated.bpmn")
    assert deployed.status_code == 200, deployed.json
    assert deployed.json["warnings"] == []
    instance = start(client, "forms_generated", business_key="ada")
    request = open_task(instance, "Activity_request")
    assert request.assignee.username == "hana"  # ${starter}: the user who started it, not the employee

    detail = client.get(f"/api/v1/tasks/{request.id}", headers=HANA_API).json
    fields = {c["key"]: c for c in detail["form"]["components"]}
    assert fields["reason"]["type"] == "textfield" and fields["reason"]["validate"] == {
        "required": True, "minLength": 3, "maxLength": 200}
    assert fields["days"]["type"] == "number" and fields["days"]["decimalDigits"] == 0
    assert fields["days"]["defaultValue"] == 5 and fields["days"]["validate"] == {"required": True, "min": 1, "max": 30}
    assert fields["firstDay"]["type"] == "datetime" and fields["firstDay"]["subtype"] == "date"
    assert fields["kind"]["type"] == "select" and fields["kind"]["defaultValue"] == "annual"
    assert [o["value"] for o in fields["kind"]["values"]] == ["annual", "unpaid", "training"]
    assert fields["urgent"]["type"] == "checkbox" and fields["urgent"]["defaultValue"] is False
    assert fields["requestedBy"]["readonly"] is True
    assert fields["requestedBy"]["properties"] == {"hint": "filled in from who started the request"}
    assert detail["data"]["requestedBy"] == "hana"  # the ${starter} default, worked out when the task is shown
    assert detail["documentation"] == "Tell HR when and why you want to be away."

    page = client.get(f"/tasks/{request.id}", headers=HANA_API)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="days"' in html and 'value="5"' in html and '<option value="training"' in html
    assert 'type="date"' in html and 'value="hana"' in html and "Tell HR when and why" in html

    bad = client.post(f"/api/v1/tasks/{request.id}/complete", headers=HANA_API, json={"data": {
        "reason": "ab", "days": 2.5, "firstDay": "31/02/2026", "kind": "sabbatical"}})
    assert bad.status_code == 422
    errors = bad.json["errors"]
    assert errors["reason"] == "Reason must be at least 3 characters."
    assert errors["days"] == "Number of days must be a whole number."
    assert "not a valid date" in errors["firstDay"] and "dd/MM/yyyy" in errors["firstDay"]
    assert "is not one of the choices" in errors["kind"]
    too_many = client.post(f"/api/v1/tasks/{request.id}/complete", headers=HANA_API, json={"data": {
        "reason": "Family visit", "days": 40, "firstDay": "2026-12-24"}})
    assert too_many.json["errors"] == {"days": "Number of days must be at most 30."}

    done = client.post(f"/api/v1/tasks/{request.id}/complete", headers=HANA_API, json={"data": {
        "reason": "Family visit", "days": "3", "firstDay": "24/12/2026", "kind": "training",
        "requestedBy": "mallory"}})
    assert done.status_code == 200, done.json
    review = open_task(instance, "Activity_review")
    assert review.candidate_groups == ["hr"]
    act.claim("hana", review)
    response = act.submit("hana", review, {"approved": True, "comment": "Enjoy"})
    assert response.status_code == 302
    assert status_of(instance) == "completed"
    data = variables_of(instance)
    assert data["days"] == 3 and isinstance(data["days"], int)
    assert data["firstDay"] == "2026-12-24" and data["kind"] == "training" and data["urgent"] is False
    assert data["requestedBy"] == "hana"  # read-only: what was sent is ignored
    assert data["approved"] is True and data["starter"] == "hana"
    sources = client.get("/processes/forms_generated/1", headers=HANA_API).get_data(as_text=True)
    assert "formData-Activity_request.form</a>" in sources
    assert "made from the camunda:formData of the diagram" in sources
    assert "forms/formData:Activity_request/edit" not in sources  # edited in the diagram, not the form editor


def test_a_task_without_a_form_gets_the_generic_page(client, org):
    deployed = modeler_deploy(client, "forms_generic.bpmn")
    assert deployed.status_code == 200 and deployed.json["warnings"] == []
    instance = start(client, "forms_generic", business_key="ada", handbookUrl="https://intranet/handbook",
                     laptopReady=True)
    task = open_task(instance, "Activity_read")
    html = client.get(f"/tasks/{task.id}", headers=HANA_API).get_data(as_text=True)
    assert "<h1>Read the handbook</h1>" in html
    assert "<strong>employee handbook</strong>" in html and "<li>the leave policy</li>" in html
    assert '<dt>Handbook URL</dt><dd class="prewrap" data-variable="handbookUrl">https://intranet/handbook</dd>' in html
    assert '<dt>Laptop ready</dt><dd class="prewrap" data-variable="laptopReady">Yes</dd>' in html
    assert "<dt>Starter</dt>" in html
    assert 'data-variable="department"' not in html and 'data-variable="employee' not in html  # directory facts
    assert "Complete \u201cRead the handbook\u201d" in html

    detail = client.get(f"/api/v1/tasks/{task.id}", headers=HANA_API).json
    assert detail["form"] is None and detail["documentation"].startswith("Read the **employee handbook**")
    assert {"name": "laptopReady", "label": "Laptop ready", "value": "Yes"} in detail["variables"]
    assert "department" not in {v["name"] for v in detail["variables"]}

    response = client.post(f"/tasks/{task.id}", headers=HANA_API)
    assert response.status_code == 302
    assert status_of(instance) == "completed"


def test_camunda_forms_resolve_by_file_name_and_forms_without_id_deploy_under_it(client, org, act):
    missing = modeler_deploy(client, "forms_linked.bpmn")
    assert missing.status_code == 400
    assert "add the file forms_expense.form" in missing.json["message"]
    assert "Activity_claim (Claim expenses)" in missing.json["message"]

    deployed = modeler_deploy(client, "forms_linked.bpmn", "forms_expense.form", "forms_expense_check.form")
    assert deployed.status_code == 200, deployed.json
    version = db.session.get(ProcessVersion, int(next(iter(deployed.json["deployedProcessDefinitions"]))
                                                 .rsplit(":", 1)[1]))
    assert version.sources["forms"]["forms_expense"]["id"] == "forms_expense"  # the file had no id
    assert version.sources["forms"]["forms_expense_check"]["id"] == "Form_expense_check_0z7lq1d"

    instance = start(client, "forms_linked", business_key="ben")  # hana may not check a claim on her own path
    claim = open_task(instance, "Activity_claim")
    refused = act.submit("hana", claim, {"amount": "0", "purpose": "Train"})
    assert refused.status_code == 422 and "Amount (EUR) must be at least 1." in refused.get_data(as_text=True)
    act.complete("hana", instance, "Activity_claim", amount="120", purpose="Train to the customer")
    act.complete("hana", instance, "Activity_check", decision="pay")
    assert status_of(instance) == "completed"
    data = variables_of(instance)
    assert data["amount"] == 120 and data["decision"] == "pay"


def test_embedded_html_form_fields_are_read_and_a_missing_one_gives_the_generic_page(client, org, act):
    deployed = modeler_deploy(client, "forms_embedded.bpmn", "forms_equipment.html")
    assert deployed.status_code == 200, deployed.json
    warnings = warnings_of(deployed)
    assert ("Activity_order", "embedded HTML forms do not run here: the fields of forms_equipment.html (item, "
                              "quantity, express, notes) are shown as a plain form, without its scripts and layout; "
                              "use a Camunda Form (.form) for full control") in warnings
    assert any(element == "Activity_confirm" and "forms/forms_delivery.html is not among the files: the task gets "
               "a generic page" in message for element, message in warnings)

    instance = start(client, "forms_embedded")
    order = open_task(instance, "Activity_order")
    html = act.as_("hana").get(f"/tasks/{order.id}").get_data(as_text=True)
    assert "Express delivery" in html and "Notes for the supplier" in html and '<option value="monitor"' in html
    refused = act.submit("hana", order, {"item": "monitor", "quantity": "20"})
    assert refused.status_code == 422 and "Quantity must be at most 10." in refused.get_data(as_text=True)
    act.complete("hana", instance, "Activity_order", item="monitor", quantity="2", express=True, notes="Door B")

    confirm = open_task(instance, "Activity_confirm")
    page = act.as_("hana").get(f"/tasks/{confirm.id}").get_data(as_text=True)
    assert "Confirm that the equipment arrived." in page
    assert '<dt>Item</dt><dd class="prewrap" data-variable="item">monitor</dd>' in page
    assert '<dt>Express</dt><dd class="prewrap" data-variable="express">Yes</dd>' in page
    assert act.as_("hana").post(f"/tasks/{confirm.id}").status_code == 302
    assert status_of(instance) == "completed"
    data = variables_of(instance)
    assert data["quantity"] == 2 and data["express"] is True and data["notes"] == "Door B"

    alone = modeler_deploy(client, "forms_embedded.bpmn")  # the diagram again, without its HTML: fields are kept
    assert "the fields of forms_equipment.html (item, quantity, express, notes)" in str(alone.json["warnings"])
    changed = corpus_file("forms_equipment.html").replace(
        "</form>", '<input type="text" cam-variable-name="costCentre" required></form>')
    html_only = client.post("/engine-rest/deployment/create", headers=HANA, content_type="multipart/form-data",
                            data={"forms_equipment.html": (io.BytesIO(changed.encode("utf-8")),
                                                           "forms_equipment.html")})
    assert html_only.status_code == 200, html_only.json
    definition = next(iter(html_only.json["deployedProcessDefinitions"].values()))
    assert definition["key"] == "forms_embedded" and definition["version"] == 2
    version = db.session.get(ProcessVersion, int(definition["id"].rsplit(":", 1)[1]))
    assert version.sources["forms"]["embedded:forms_equipment.html"]["components"][-1]["key"] == "costCentre"


def test_initiator_holds_the_user_who_started_the_path(client, org, act):
    assert modeler_deploy(client, "people_initiator.bpmn").status_code == 200
    by_hana = start(client, "people_initiator", business_key="ada")
    assert open_task(by_hana, "Activity_checklist").assignee.username == "hana"
    response = client.post("/api/v1/process-instances", headers=ADA_API, json={"process_key": "people_initiator"})
    assert response.status_code == 201, response.json
    by_ada = db.session.get(ProcessInstance, response.json["id"])
    task = open_task(by_ada, "Activity_checklist")
    assert task.assignee.username == "ada"
    assert "Tick off the onboarding checklist" in act.as_("ada").get(f"/tasks/{task.id}").get_data(as_text=True)
    assert act.as_("ada").post(f"/tasks/{task.id}").status_code == 302
    assert variables_of(by_ada)["starter"] == "ada" and variables_of(by_hana)["starter"] == "hana"
    assert status_of(by_ada) == "completed"


def test_tasks_naming_nobody_or_unknown_people_go_to_the_process_owners(client, org, act):
    deployed = modeler_deploy(client, "people_unassigned.bpmn")
    assert deployed.status_code == 200, deployed.json
    warnings = warnings_of(deployed)
    assert ("Activity_triage", "nobody is named for this task: it will be offered to the process owners' group "
                               "(\"process-owners\") to claim; set an assignee or candidate groups, or put it in a "
                               "lane") in warnings
    assert ("Activity_archive", 'the assignee "ghost" is not in the org directory: the task will be offered to the '
                                "process owners' group instead; add the person or correct the username") in warnings
    assert ("Activity_archive", 'the candidate group "auditors" is not in the org directory, so nobody can claim this '
                                "task through it; create the group or correct its name") in warnings
    assert len(warnings) == 3

    instance = start(client, "people_unassigned", business_key="ben")  # process owners act on someone else's
    triage = open_task(instance, "Activity_triage")
    assert triage.assignee is None and triage.candidate_groups == ["process-owners"]
    assert act.as_("ada").get(f"/tasks/{triage.id}").status_code == 404  # not ada's to see
    act.complete("hana", instance, "Activity_triage", reviewer="nobody")  # claims first, as people do

    review = open_task(instance, "Activity_review")  # ${reviewer} is nobody the directory knows
    assert review.assignee is None and review.candidate_groups == ["process-owners"]
    assert status_of(instance) == "running"
    path_page = act.as_("hana").get(f"/paths/{instance.id}").get_data(as_text=True)
    assert "Assigned to <strong>nobody</strong>, who is not in the directory; offered to process owners." in path_page
    assert "\u201cReview the contract\u201d was assigned to nobody, who is not in the directory; offered to process " \
           "owners" in path_page  # in the history too
    flagged = db.session.scalars(sa.select(InstanceEvent).where(InstanceEvent.human_task_id == review.id,
                                                                InstanceEvent.kind == "assignee_unknown")).one()
    assert flagged.element_id == "Activity_review"
    assert "This task was assigned to <strong>nobody</strong>, who is not in the directory" in \
        act.as_("hana").get(f"/tasks/{review.id}").get_data(as_text=True)
    act.complete("hana", instance, "Activity_review")

    archive = open_task(instance, "Activity_archive")
    assert archive.candidate_groups == ["auditors", "process-owners"]
    act.complete("hana", instance, "Activity_archive")
    assert status_of(instance) == "completed"
