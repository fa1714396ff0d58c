"""Bad input never breaks anything: clear 4xx answers naming what is wrong, and nothing changes."""
import base64
import glob
import io
import os

import pytest
import sqlalchemy as sa

from engine.store.models import HumanTask, InstanceEvent, ProcessVersion
from web.extensions import db

from ..helpers import OBJECTIVES, shared_corpus

ADA = {"Authorization": "Basic " + base64.b64encode(b"ada:demo").decode()}
HANA = {"Authorization": "Basic " + base64.b64encode(b"hana:demo").decode()}
CORPUS = shared_corpus()
UNICODE = "Zoë 😀 مرحبا ‮rtl‬ e\u0301 \u200b 中文 \U0001f9d1\u200d\U0001f4bb"


def events(instance_id):
    return db.session.scalar(sa.select(sa.func.count()).select_from(InstanceEvent).where(
        InstanceEvent.instance_id == instance_id))


@pytest.fixture
def open_task(act):
    instance = act.start_path("ada")
    return instance, act.task(instance, "career_objectives_meeting")


def test_malformed_json_wrong_types_and_unknown_fields(client, open_task):
    instance, task = open_task
    before = events(instance.id)
    url = f"/api/v1/tasks/{task.id}/complete"
    bad_json = client.post(url, data="{not json", content_type="application/json", headers=ADA)
    assert bad_json.status_code == 400 and bad_json.json["message"]
    wrong_type = client.post(url, json={"data": "yes"}, headers=ADA)
    assert wrong_type.status_code == 422 and "data" in wrong_type.json["errors"]
    assert wrong_type.json["message"] == "The request data is invalid: check data."
    unknown = client.post(url, json={"data": OBJECTIVES, "extra": 1}, headers=ADA)
    assert unknown.status_code == 422 and "extra" in str(unknown.json["errors"])
    field_types = client.post(url, json={"data": dict(OBJECTIVES, meeting_date=42, career_goals=["a"])}, headers=ADA)
    assert field_types.status_code == 422 and {"meeting_date", "career_goals"} <= set(field_types.json["errors"])
    not_object = client.post("/api/v1/process-instances", json=["career_pathing"], headers=ADA)
    assert not_object.status_code == 422
    db.session.expire_all()
    assert events(instance.id) == before and db.session.get(HumanTask, task.id).status == "open"


def test_huge_payloads_are_refused_with_413(client, open_task):
    _instance, task = open_task
    body = '{"data": {"career_goals": "' + "x" * (6 * 1024 * 1024) + '"}}'
    response = client.post(f"/api/v1/tasks/{task.id}/complete", data=body, content_type="application/json",
                           headers=ADA)
    assert response.status_code == 413 and response.json["message"] == "The request is too large."
    upload = client.post("/processes/deploy", headers=HANA, content_type="multipart/form-data",
                         data={"files": [(io.BytesIO(b"x" * (6 * 1024 * 1024)), "big.bpmn")]})
    assert upload.status_code == 413


def test_too_long_text_is_a_field_error(client, open_task):
    _instance, task = open_task
    response = client.post(f"/api/v1/tasks/{task.id}/complete", headers=ADA,
                           json={"data": dict(OBJECTIVES, career_goals="x" * 100_000)})
    assert response.status_code == 422 and "career_goals" in response.json["errors"]


def test_unicode_in_every_field_is_kept(act, client, open_task):
    instance, task = open_task
    data = {key: f"{UNICODE} {value}" for key, value in OBJECTIVES.items() if key != "meeting_date"}
    data["meeting_date"] = OBJECTIVES["meeting_date"]
    assert client.post(f"/api/v1/tasks/{task.id}/complete", json={"data": data}, headers=ADA).status_code == 200
    page = act.as_("ada").get(f"/paths/{instance.id}").get_data(as_text=True)
    assert UNICODE in page
    assert act.as_("ada").post(f"/paths/{instance.id}/comments", data={"body": UNICODE}).status_code == 302
    assert client.post("/api/v1/process-instances", json={"process_key": UNICODE}, headers=ADA).status_code == 404
    assert client.post("/api/v1/process-instances", json={"process_key": "career_pathing", "employee": UNICODE},
                       headers=ADA).status_code == 404
    login = act.app.test_client().post("/login", data={"username": UNICODE, "password": UNICODE})
    assert login.status_code == 401


def test_nul_characters_are_refused_naming_the_field(act, client, open_task):
    instance, task = open_task
    before = events(instance.id)
    api = client.post(f"/api/v1/tasks/{task.id}/complete", headers=ADA,
                      json={"data": dict(OBJECTIVES, career_goals="a\x00b")})
    assert api.status_code == 400 and api.json["errors"] == {"data.career_goals": "contains a NUL character"}
    form = act.as_("ada").post(f"/tasks/{task.id}", data=dict(OBJECTIVES, career_goals="a\x00b"))
    assert form.status_code == 400 and "career_goals" in form.get_data(as_text=True)
    login = act.app.test_client().post("/login", data={"username": "ada\x00", "password": "demo"})
    assert login.status_code == 400
    assert client.get("/api/v1/tasks?page=1\x00", headers=ADA).status_code in (400, 404)
    db.session.expire_all()
    assert events(instance.id) == before


def test_ids_out_of_range_are_not_found(act, client):
    assert client.get("/api/v1/tasks/9223372036854775808", headers=ADA).status_code == 404
    assert client.get("/api/v1/process-instances/99999999999", headers=ADA).status_code == 404
    assert act.as_("ada").get("/paths/99999999999").status_code == 404
    assert act.as_("ada").get("/tasks/0").status_code == 404


@pytest.mark.skipif(not os.path.isdir(CORPUS), reason="shared corpus not present")
def test_the_whole_corpus_through_the_engine_rest_api_is_ok_or_400_by_element(client, org):
    paths = sorted(glob.glob(os.path.join(CORPUS, "*", "*.bpmn")))
    answers, deployed_ids = {}, set()
    for path in paths:
        with open(path, "rb") as handle:
            name = os.path.basename(path)
            response = client.post("/engine-rest/deployment/create", headers=HANA, content_type="multipart/form-data",
                                   data={"deployment-name": name, "enable-duplicate-filtering": "true",
                                         name: (io.BytesIO(handle.read()), name)})
        answers[path] = response.status_code
        assert response.status_code in (200, 400), (path, response.status_code)
        if response.status_code == 200:
            deployed_ids.update(response.json["deployedProcessDefinitions"] or {})
        if response.status_code == 400:
            details = response.json["details"][name]["errors"]
            assert details and all(e["message"] and e["line"] > 0 for e in details), (path, details)
            warned = response.json["details"][name]["warnings"]
            assert response.json["message"].count("\n") == len(details) + len(warned), path
    assert 400 in answers.values()
    # a rejected deploy writes nothing: the only versions are those the accepted files made
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProcessVersion)) == len(deployed_ids)
