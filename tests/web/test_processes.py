"""Process owners in the browser (HTTP level): versions, sources, upload deploy, form deploy, migration, tokens."""
import io
import json
import os

import sqlalchemy as sa

from engine.store.models import ApiToken, InstanceEvent, ProcessInstance, ProcessVersion
from web import PROJECT_ROOT
from web.extensions import db

from ..helpers import OBJECTIVES

CAREER_FILE = os.path.join(PROJECT_ROOT, "processes", "career_pathing.bpmn")


def career_xml():
    with open(CAREER_FILE, encoding="utf-8") as handle:
        return handle.read()


def upload(client, files, json_answer=False, name="test deploy"):
    data = {"name": name, "files": [(io.BytesIO(content if isinstance(content, bytes) else content.encode()),
                                     filename) for filename, content in files.items()]}
    headers = {"Accept": "application/json"} if json_answer else {}
    return client.post("/processes/deploy", data=data, content_type="multipart/form-data", headers=headers)


def versions(key="career_pathing"):
    db.session.expire_all()
    return [v.version for v in db.session.scalars(sa.select(ProcessVersion).where(ProcessVersion.key == key)
                                                  .order_by(ProcessVersion.version))]


def test_only_process_owners_get_in(act, client):
    assert client.get("/processes/").status_code == 302  # anonymous: to the login page
    response = act.as_("ada").get("/processes/")
    assert response.status_code == 403 and "for process owners" in response.get_data(as_text=True)
    assert act.as_("ada").post("/processes/deploy").status_code == 403
    assert act.as_("hana").get("/processes/").status_code == 200


def test_versions_page_lists_versions_with_who_when_and_running_paths(act):
    act.start_path("ada")
    page = act.as_("hana").get("/processes/").get_data(as_text=True)
    assert "Collaborative career pathing" in page and "Version 1" in page and "Milestone" in page
    assert '<td>1</td>' in page  # one running path on career_pathing v1
    detail = act.as_("hana").get("/processes/career_pathing/1").get_data(as_text=True)
    assert 'data-xml-url="/processes/career_pathing/1/sources/bpmn/processes/career_pathing.bpmn?inline=1"' in detail
    assert "Ada Lovelace" in detail and "leadership-approval.form" in detail
    assert "bpmn-navigated-viewer.production.min.js" in detail


def test_sources_download_as_files(act):
    response = act.as_("hana").get("/processes/career_pathing/1/sources/bpmn/processes/career_pathing.bpmn")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="career_pathing.bpmn"'
    assert response.get_data(as_text=True) == career_xml()
    form = act.as_("hana").get("/processes/career_pathing/1/sources/forms/career-objectives")
    assert json.loads(form.get_data(as_text=True))["id"] == "career-objectives"
    assert act.as_("hana").get("/processes/career_pathing/1/sources/bpmn/nope.bpmn").status_code == 404
    assert act.as_("hana").get("/processes/career_pathing/9").status_code == 404


def test_upload_deploys_a_changed_diagram_and_filters_duplicates(act):
    hana = act.as_("hana")
    changed = career_xml().replace('name="Skills evaluation"', 'name="Skills and performance evaluation"')
    response = upload(hana, {"career_pathing.bpmn": changed})
    assert response.status_code == 302 and response.headers["Location"].endswith("/processes/career_pathing/2")
    assert "Collaborative career pathing is now version 2" in hana.get("/processes/career_pathing/2").get_data(
        as_text=True)
    again = upload(hana, {"career_pathing.bpmn": changed}, json_answer=True)
    assert again.status_code == 200 and again.json["created"] == []
    assert again.json["unchanged"][0]["version"] == 2 and "no new version" in again.json["message"]
    assert versions() == [1, 2]
    version = db.session.scalars(sa.select(ProcessVersion).where(ProcessVersion.version == 2)).one()
    assert version.deployed_by.username == "hana" and version.deployment.source == "upload page"


def test_rejected_upload_lists_file_line_element_and_writes_nothing(act):
    broken = career_xml().replace('camunda:formRef="leadership-approval"', 'camunda:formRef="no-such-form"')
    response = upload(act.as_("hana"), {"career_pathing.bpmn": broken})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "1 problem — nothing was deployed" in page
    assert "<strong>leadership_approval</strong>" in page and "career_pathing.bpmn:" in page
    assert 'the form &#34;no-such-form&#34; is not deployed' in page
    as_json = upload(act.as_("hana"), {"career_pathing.bpmn": broken}, json_answer=True)
    [problem] = as_json.json["errors"]["problems"]
    assert problem["element_id"] == "leadership_approval" and problem["line"] > 1
    assert upload(act.as_("hana"), {"x.bpmn": b"<a>\xff</a>"}, json_answer=True).json["errors"]["problems"][0][
        "message"].startswith("the file is not UTF-8 text")
    assert upload(act.as_("hana"), {}).status_code == 400
    assert versions() == [1]


def test_a_form_deployed_on_its_own_gives_its_processes_a_new_version(act):
    with open(os.path.join(PROJECT_ROOT, "forms", "skills-evaluation.form"), encoding="utf-8") as handle:
        schema = json.load(handle)
    schema["components"].append({"type": "textfield", "key": "mentor", "label": "Preferred mentor", "id": "mentor"})
    response = upload(act.as_("hana"), {"skills-evaluation.form": json.dumps(schema)}, json_answer=True)
    assert response.status_code == 200, response.json
    assert [(v["key"], v["version"]) for v in response.json["created"]] == [("career_pathing", 2)]
    latest = db.session.scalars(sa.select(ProcessVersion).where(ProcessVersion.version == 2)).one()
    assert latest.sources["forms"]["skills-evaluation"]["components"][-1]["key"] == "mentor"
    assert versions("milestone") == [1]  # the milestone process does not use that form


def test_migration_dry_run_then_apply_moves_the_chosen_paths(act):
    first = act.start_path("ada")
    act.complete("ada", first, "career_objectives_meeting", **OBJECTIVES)
    second = act.start_path("ben")
    changed = career_xml().replace('name="Draft future-role job description"', 'name="Write the job description"')
    assert upload(act.as_("hana"), {"career_pathing.bpmn": changed}).status_code == 302
    hana = act.as_("hana")
    plan = hana.get("/processes/career_pathing/1/migrate").get_data(as_text=True)
    assert "Move running paths from version 1 to version 2" in plan
    assert "Draft future-role job description <span class=\"muted\">(draft_job_description)</span>" in plan
    assert "→ Write the job description" in plan and plan.count(">can move</span>") == 2
    db.session.expire_all()
    assert db.session.get(ProcessInstance, first.id).process_version.version == 1  # the dry run changed nothing
    response = hana.post("/processes/career_pathing/1/migrate", data={"to": "2", "instance": [str(first.id)]})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ProcessInstance, first.id).process_version.version == 2
    assert db.session.get(ProcessInstance, second.id).process_version.version == 1
    assert act.events(first, "migrated")[0].actor.username == "hana"
    assert "Write the job description" in act.as_("ada").get("/").get_data(as_text=True)
    hana.post("/processes/career_pathing/1/migrate", data={"to": "2", "all": "1"})
    db.session.expire_all()
    assert db.session.get(ProcessInstance, second.id).process_version.version == 2
    assert "No path runs on version 1" in hana.get("/processes/career_pathing/1/migrate").get_data(as_text=True)


def test_api_tokens_are_shown_once_stored_hashed_and_revocable(act):
    hana = act.as_("hana")
    page = hana.post("/processes/tokens", data={"name": "Modeler on my laptop"}).get_data(as_text=True)
    token = page.split('id="new-token">')[1].split("<")[0]
    stored = db.session.scalars(sa.select(ApiToken)).one()
    assert len(token) > 30 and stored.token_hash != token and token not in hana.get("/processes/tokens").get_data(
        as_text=True)
    assert hana.post("/processes/tokens", data={"name": ""}).status_code == 400
    hana.post(f"/processes/tokens/{stored.id}/revoke")
    assert db.session.scalars(sa.select(ApiToken)).all() == []


def test_path_page_shows_the_diagram_with_progress_and_element_history(act):
    instance = act.start_path("ada")
    act.complete("ada", instance, "career_objectives_meeting", **OBJECTIVES)
    page = act.as_("ada").get(f"/paths/{instance.id}").get_data(as_text=True)
    progress = json.loads(page.split('id="path-progress">')[1].split("</script>")[0])
    assert progress["states"]["career_objectives_meeting"] == "completed"
    assert progress["states"]["draft_job_description"] == "active"
    messages = [entry["message"] for entry in progress["history"]["career_objectives_meeting"]]
    assert messages == ["\u201cCareer objectives meeting\u201d is waiting for Ada Lovelace",
                        "Ada Lovelace completed \u201cCareer objectives meeting\u201d"]
    diagram = act.as_("ada").get(f"/paths/{instance.id}/diagram.bpmn")
    assert diagram.status_code == 200 and 'id="career_pathing"' in diagram.get_data(as_text=True)
    assert act.as_("sam").get(f"/paths/{instance.id}/diagram.bpmn").status_code == 404


def test_incident_element_is_marked_on_the_path_diagram(act):
    instance = act.start_path("ada")
    db.session.execute(sa.update(ProcessInstance).where(ProcessInstance.id == instance.id).values(
        status="incident", incident={"element_id": "draft_job_description", "message": "boom", "at": "now"}))
    db.session.add(InstanceEvent(instance_id=instance.id, kind="incident", element_id="draft_job_description",
                                 message="boom"))
    db.session.commit()
    page = act.as_("hana").get(f"/paths/{instance.id}").get_data(as_text=True)
    progress = json.loads(page.split('id="path-progress">')[1].split("</script>")[0])
    assert progress["states"]["draft_job_description"] == "incident"


def test_sources_shown_inline_are_plain_text_so_markup_in_them_never_runs(act):
    instance = act.start_path("ada")
    for response in (act.as_("hana").get("/processes/career_pathing/1/sources/bpmn/processes/career_pathing.bpmn"
                                         "?inline=1"),
                     act.as_("ada").get(f"/paths/{instance.id}/diagram.bpmn")):
        assert response.mimetype == "text/plain" and response.headers["X-Content-Type-Options"] == "nosniff"
