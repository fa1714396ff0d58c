"""A retrying client never starts twice: Idempotency-Key replays the first answer, and a request that committed
its change never answers 5xx."""
import re

import pytest
import sqlalchemy as sa

from engine.store.models import IdempotencyKey, ProcessInstance
from web.extensions import db

START = {"process_key": "career_pathing"}


def paths():
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(ProcessInstance))


def test_a_retried_start_returns_the_first_answer_and_starts_nothing_more(act):
    ada = act.as_("ada")
    first = ada.post("/api/v1/process-instances", json=START, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    again = ada.post("/api/v1/process-instances", json={"process_key": "career_pathing"},
                     headers={"Idempotency-Key": "k-1"})
    assert again.status_code == 201 and again.get_data() == first.get_data()
    assert again.headers["Idempotent-Replayed"] == "true" and again.mimetype == "application/json"
    assert paths() == 1


def test_a_key_reused_for_another_request_is_a_422_and_does_nothing(act):
    ada = act.as_("ada")
    assert ada.post("/api/v1/process-instances", json=START, headers={"Idempotency-Key": "k-2"}).status_code == 201
    other = ada.post("/api/v1/process-instances", json={**START, "variables": {"x": 1}},
                     headers={"Idempotency-Key": "k-2"})
    assert other.status_code == 422 and other.json["code"] == "idempotency_key_reused"
    assert "already used for a different request" in other.json["message"]
    assert paths() == 1


def test_keys_belong_to_their_user(act):
    assert act.as_("ada").post("/api/v1/process-instances", json=START,
                               headers={"Idempotency-Key": "same"}).status_code == 201
    ben = act.as_("ben").post("/api/v1/process-instances", json=START, headers={"Idempotency-Key": "same"})
    assert ben.status_code == 201 and "Idempotent-Replayed" not in ben.headers
    assert paths() == 2


@pytest.mark.parametrize("key", ["", " ", "x" * 201, "a\x7fb"])
def test_a_key_that_cannot_be_one_is_a_400(act, key):
    response = act.as_("ada").post("/api/v1/process-instances", json=START, headers={"Idempotency-Key": key})
    assert response.status_code == 400 and response.json["code"] == "invalid_idempotency_key"
    assert paths() == 0


def test_a_failed_start_keeps_no_key_so_a_corrected_retry_runs(act):
    ada = act.as_("ada")
    missing = ada.post("/api/v1/process-instances", json={"process_key": "nope"}, headers={"Idempotency-Key": "k-3"})
    assert missing.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IdempotencyKey)) == 0


def test_the_start_button_twice_starts_one_path(act):
    ada = act.as_("ada")
    inbox = ada.get("/").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', inbox).group(1)
    first = ada.post("/paths/start", data={"idempotency_key": key})
    second = ada.post("/paths/start", data={"idempotency_key": key})
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"] and "/tasks/" in first.headers["Location"]
    assert paths() == 1
    assert re.search(r'name="idempotency_key" value="([^"]+)"', ada.get("/").get_data(as_text=True)) is None


@pytest.fixture
def answers_fail_after_commit(app, act):
    """Ada is logged in; then every answer fails after the view (as when the connection drops)."""
    act.as_("ada")

    def fail(response):
        raise RuntimeError("the answer could not be sent")

    hooks = app.after_request_funcs.setdefault(None, [])
    hooks.insert(0, fail)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    yield
    hooks.remove(fail)
    app.config["PROPAGATE_EXCEPTIONS"] = None


def test_a_start_that_committed_never_answers_5xx_and_its_retry_gets_the_first_answer(act, answers_fail_after_commit):
    ada = act.as_("ada")
    failed = ada.post("/api/v1/process-instances", json=START, headers={"Idempotency-Key": "k-4"})
    assert failed.status_code == 200 and failed.json["code"] == "saved"
    assert "saved" in failed.json["message"] and paths() == 1
    page = ada.post("/paths/start", data={"idempotency_key": "k-5"})
    assert page.status_code == 303  # already running: nothing more is started
    assert paths() == 1


def test_the_retry_after_a_lost_answer_replays_it(act, app):
    ada = act.as_("ada")

    def fail(response):
        raise RuntimeError("the answer could not be sent")

    hooks = app.after_request_funcs.setdefault(None, [])
    hooks.insert(0, fail)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        lost = ada.post("/api/v1/process-instances", json=START, headers={"Idempotency-Key": "k-6"})
        assert lost.status_code == 200
    finally:
        hooks.remove(fail)
        app.config["PROPAGATE_EXCEPTIONS"] = None
    retry = ada.post("/api/v1/process-instances", json=START, headers={"Idempotency-Key": "k-6"})
    assert retry.status_code == 201 and retry.headers["Idempotent-Replayed"] == "true" and paths() == 1


def test_a_failure_before_anything_was_committed_is_still_a_500(act, answers_fail_after_commit):
    response = act.as_("ada").get("/api/v1/tasks")
    assert response.status_code == 500


def test_simultaneous_retries_with_one_key_start_one_path(act):
    """On PostgreSQL the second insert of a key waits for the first request; on SQLite writes queue."""
    import base64
    import threading
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL); CI runs it")
    headers = {"Idempotency-Key": "burst", "Authorization": "Basic " + base64.b64encode(b"ada:demo").decode()}
    barrier, answers = threading.Barrier(8), []

    def send():
        client = act.app.test_client()
        barrier.wait()
        answers.append(client.post("/api/v1/process-instances", json=START, headers=headers))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(answers) == 8 and {a.status_code for a in answers} <= {201, 409}
    assert len({a.get_data() for a in answers if a.status_code == 201}) == 1
    assert paths() == 1
