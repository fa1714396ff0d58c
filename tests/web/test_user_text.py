"""What people type is shown as typed: answers are plain text inside the owner's Markdown, text fields have a
length limit even when the form sets none, and comments cannot link elsewhere or pose as headings."""
import json
import re

import sqlalchemy as sa

from engine.store.models import HumanTask
from web.extensions import db

from ..bpmn import linear_process
from .test_processes import upload

NOTES_BPMN = linear_process(
    "notes",
    '<bpmn:userTask id="write_note" name="Write a note" camunda:assignee="${employee}" camunda:formRef="note"/>',
    '<bpmn:userTask id="read_note" name="Read the note" camunda:assignee="mia" camunda:formRef="note-view"/>')
NOTE_FORM = {"id": "note", "type": "default", "components": [
    {"type": "text", "id": "intro", "text": "Write **clearly**, {{employee}}."},
    {"type": "textfield", "key": "headline", "label": "Headline", "id": "headline"},
    {"type": "textarea", "key": "note", "label": "Note", "id": "note"}]}
NOTE_VIEW_FORM = {"id": "note-view", "type": "default", "components": [
    {"type": "text", "id": "shown", "text": "## The note\n\n**{{headline}}** wrote: {{note}}\n\n"
                                           "[Guide](https://example.org/guide?about={{headline}})"},
    {"type": "checkbox", "key": "seen", "label": "Seen", "id": "seen"}]}
TYPED = "# Urgent\n\n[Reset your password](https://evil.example/login) <b>now</b> ![x](https://evil.example/x.png)"


def deploy_notes(act):
    response = upload(act.as_("hana"), {"notes.bpmn": NOTES_BPMN, "note.form": json.dumps(NOTE_FORM),
                                        "note-view.form": json.dumps(NOTE_VIEW_FORM)}, json_answer=True)
    assert response.status_code in (200, 201), response.data[:500]
    started = act.as_("hana").post("/api/v1/process-instances", json={"process_key": "notes"})
    assert started.status_code == 201, started.json
    return db.session.scalars(sa.select(HumanTask).where(HumanTask.element_id == "write_note")).one()


def test_an_answer_shows_as_plain_text_on_another_persons_task_page(act):
    write = deploy_notes(act)
    answer = act.as_("hana").post(f"/api/v1/tasks/{write.id}/complete",
                                  json={"data": {"headline": "*Ada*", "note": TYPED}})
    assert answer.status_code == 200, answer.json
    read = db.session.scalars(sa.select(HumanTask).where(HumanTask.element_id == "read_note")).one()
    page = act.as_("mia").get(f"/tasks/{read.id}").get_data(as_text=True)
    shown = re.search(r'<div class="form-text">(.*?)</div>', page, re.S).group(1)
    assert "<h2>The note</h2>" in shown and "<strong>*Ada*</strong> wrote:" in shown  # the owner's Markdown
    assert "# Urgent" in shown and "[Reset your password](https://evil.example/login)" in shown
    assert "&lt;b&gt;now&lt;/b&gt;" in shown and "![x](https://evil.example/x.png)" in shown
    assert "evil.example" not in "".join(re.findall(r'(?:href|src)="([^"]*)"', shown))
    assert "<h1>" not in shown and "<img" not in shown
    assert 'href="https://example.org/guide?about=%2AAda%2A"' in shown  # a value in an address is encoded


def test_text_fields_without_max_length_get_one_in_the_page_and_on_the_server(act):
    write = deploy_notes(act)
    page = act.as_("hana").get(f"/tasks/{write.id}").get_data(as_text=True)
    assert re.search(r'<input id="f-headline"[^>]*maxlength="1000"', page)
    assert re.search(r'<textarea id="f-note"[^>]*maxlength="10000"', page)
    too_long = act.as_("hana").post(f"/api/v1/tasks/{write.id}/complete",
                                    json={"data": {"headline": "x" * 1001, "note": "y" * 10001}})
    assert too_long.status_code == 422
    assert too_long.json["errors"] == {"headline": "Headline must be at most 1000 characters.",
                                       "note": "Note must be at most 10000 characters."}
    db.session.expire_all()
    assert db.session.get(HumanTask, write.id).status == "open"
    on_page = act.as_("hana").post(f"/tasks/{write.id}", data={"headline": "x" * 1001, "note": "fine"})
    assert on_page.status_code == 422 and "Headline must be at most 1000 characters." in on_page.get_data(as_text=True)
    assert f'value="{"x" * 1001}"' in on_page.get_data(as_text=True)  # what was typed is kept, after a form text
    fits = act.as_("hana").post(f"/api/v1/tasks/{write.id}/complete",
                                json={"data": {"headline": "x" * 1000, "note": "y" * 10000}})
    assert fits.status_code == 200


def test_comments_keep_emphasis_but_neither_link_nor_pose_as_headings(act):
    instance = act.start_path("ada")
    body = "# Approved by HR\n[Sign here](https://evil.example) **Tuesday**\nsecond line"
    assert act.as_("mia").post(f"/paths/{instance.id}/comments", data={"body": body}).status_code == 302
    page = act.as_("ada").get(f"/paths/{instance.id}").get_data(as_text=True)
    shown = re.search(r'<div class="comment-body">(.*?)</div>', page, re.S).group(1)
    assert "<strong>Tuesday</strong>" in shown and "<br" in shown
    assert "<h1>" not in shown and "<a " not in shown
    assert "# Approved by HR" in shown and "[Sign here](https://evil.example)" in shown
