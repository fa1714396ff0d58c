"""Messages that clear themselves and explain old links; tasks that name their subject; revise rounds with their
reason and what changed; who is still working; recognition reaches the employee."""
import sqlalchemy as sa

from engine.store.models import Group, HumanTask, Notification, User
from web.extensions import db

from ..helpers import CAREER_PATH, MILESTONES, OBJECTIVES, PATH_REVIEW, REVIEW, run_to_leadership


def _notes(username, task_id=None):
    db.session.expire_all()
    query = sa.select(Notification).join(User, Notification.user_id == User.id).where(User.username == username)
    if task_id is not None:
        query = query.where(Notification.human_task_id == task_id)
    return db.session.scalars(query.order_by(Notification.id)).all()


def _bell(act, username):
    page = act.as_(username).get("/").get_data(as_text=True)
    start = page.index('aria-label="Notifications') + len('aria-label="')
    return page[start:page.index('"', start)]


def _join_leadership(username):
    user = db.session.scalars(sa.select(User).where(User.username == username)).one()
    group = db.session.scalars(sa.select(Group).where(Group.name == "leadership")).one()
    group.members.append(user)
    db.session.commit()
    return group


def test_finishing_a_task_marks_its_messages_read_and_the_bell_counts_what_is_left(act):
    instance = act.start_path("ada")
    meeting = act.task(instance, "career_objectives_meeting")
    assert [n.read_at for n in _notes("ada", meeting.id)] == [None]
    act.complete("ada", instance, "career_objectives_meeting", **OBJECTIVES)
    assert all(n.read_at is not None for n in _notes("ada", meeting.id))
    assert _bell(act, "ada") == "Notifications, 1 unread"  # only the job description still waits for her
    draft = act.task(instance, "draft_job_description")
    # opening the task page is reading its message
    assert act.as_("ada").get(f"/tasks/{draft.id}").status_code == 200
    assert all(n.read_at is not None for n in _notes("ada", draft.id))
    assert _bell(act, "ada") == "Notifications"


def test_old_links_to_a_task_someone_else_took_or_completed_explain_themselves(act):
    _join_leadership("sol")
    instance = act.start_path("ada")
    run_to_leadership(act, instance, stakeholders=("sam",))
    approval = act.task(instance, "leadership_approval")
    [note] = _notes("sol", approval.id)
    assert note.read_at is None and note.subject == "New task: Leadership approval: round 1 (Ada Lovelace)"
    act.claim("leo", approval)
    assert _notes("sol", approval.id)[0].read_at is not None  # taken by someone else: nothing to do for sol
    assert _notes("leo", approval.id)[0].read_at is None      # still to do for leo

    opened = act.as_("sol").post(f"/notifications/{note.id}/open", follow_redirects=True)
    text = opened.get_data(as_text=True)
    assert opened.status_code == 200
    assert "“Leadership approval: round 1” was taken by Leo Martin on" in text and "nothing is needed from you" in text
    direct = act.as_("sol").get(f"/tasks/{approval.id}")  # the link in the email: no bare 403 either
    assert direct.status_code == 302
    assert "was taken by Leo Martin" in act.as_("sol").get(direct.headers["Location"]).get_data(as_text=True)

    act.submit("leo", approval, {"leadership_decision": "approve", "leadership_comments": "Go"})
    again = act.as_("sol").post(f"/notifications/{note.id}/open", follow_redirects=True).get_data(as_text=True)
    assert "“Leadership approval: round 1” was completed by Leo Martin on" in again
    # a stranger still learns nothing about a task she was never told of
    assert act.as_("ben").get(f"/tasks/{approval.id}").status_code == 404


def test_milestone_tasks_name_their_milestone_everywhere(act):
    instance = act.start_path("ada")
    run_to_leadership(act, instance)
    approval = act.task(instance, "leadership_approval")
    assert approval.subject == "round 1"
    act.complete("leo", instance, "leadership_approval", leadership_decision="approve", leadership_comments="Go")
    reports = act.open_tasks(instance, "report_completion")
    assert sorted(t.subject for t in reports) == sorted(m["title"] for m in MILESTONES)
    inbox = act.as_("ada").get("/").get_data(as_text=True)
    for milestone in MILESTONES:
        assert f"Report milestone completion: {milestone['title']}" in inbox
    subjects = [n.subject for n in _notes("ada") if n.human_task_id in {t.id for t in reports}]
    assert sorted(subjects) == sorted(f"New task: Report milestone completion: {m['title']}" for m in MILESTONES)
    listed = {t["id"]: t for t in act.as_("ada").get("/api/v1/tasks").get_json()}
    assert listed[reports[0].id]["subject"] == reports[0].subject
    assert listed[reports[0].id]["title"] == f"Report milestone completion: {reports[0].subject}"
    page = act.as_("ada").get(f"/tasks/{reports[0].id}").get_data(as_text=True)
    assert f"<title>Report milestone completion: {reports[0].subject}" in page
    assert f"<h1>Report milestone completion: {reports[0].subject}</h1>" in page
    act.submit("ada", reports[0], {"completion_note": "Done it", "evidence_link": "https://example.com/c"})
    verify = act.task(instance, "verify_milestone")
    assert verify.subject == reports[0].subject
    path_page = act.as_("mia").get(f"/paths/{instance.id}").get_data(as_text=True)
    assert f"Verify milestone and recognise: {reports[0].subject}" in path_page  # current steps and history


def test_recognition_reaches_the_employee(act):
    instance = act.start_path("ada")
    run_to_leadership(act, instance)
    act.complete("leo", instance, "leadership_approval", leadership_decision="approve", leadership_comments="Go")
    report = act.open_tasks(instance, "report_completion")[0]
    act.submit("ada", report, {"completion_note": "Done it", "evidence_link": "https://example.com/c"})
    verify = act.task(instance, "verify_milestone")
    response = act.submit("mia", verify, {"milestone_verified": "yes", "recognition_kind": "reward",
                                          "recognition_note": "A conference ticket"})
    assert response.status_code == 302
    [note] = [n for n in _notes("ada") if n.subject.startswith("Recognition")]
    assert note.subject == f"Recognition for your milestone: {report.subject}"
    assert "recorded a reward: A conference ticket" in note.body and note.read_at is None
    assert note.instance_id == instance.id


def test_leadership_must_give_a_reason_to_ask_for_modifications(act):
    instance = act.start_path("ada")
    run_to_leadership(act, instance)
    approval = act.task(instance, "leadership_approval")
    act.claim("leo", approval)
    for empty in ("", "   "):
        response = act.submit("leo", approval, {"leadership_decision": "modify", "leadership_comments": empty})
        assert response.status_code == 422
        assert "What should change is required." in response.get_data(as_text=True)
    assert act.task(instance, "leadership_approval").status == "open"
    response = act.submit("leo", approval, {"leadership_decision": "modify",
                                            "leadership_comments": "Add a stretch assignment"})
    assert response.status_code == 302


def test_a_revise_round_shows_its_reason_and_what_changed(act):
    instance = act.start_path("ada")
    run_to_leadership(act, instance)
    act.complete("leo", instance, "leadership_approval", leadership_decision="modify",
                 leadership_comments="Add a stretch assignment")
    draft = act.task(instance, "draft_career_path")
    assert draft.subject == "revision for approval round 2"
    page = act.as_("mia").get(f"/tasks/{draft.id}").get_data(as_text=True)
    assert "Add a stretch assignment" in page and "What changed since this step last came round" in page
    stretched = MILESTONES + [{"type": "experience", "title": "Stretch: run the platform guild",
                               "measure": "Two sessions held", "due_date": "2027-09-01"}]
    act.complete("mia", instance, "draft_career_path", **dict(CAREER_PATH, milestones=stretched))
    review = act.task(instance, "review_career_path")
    page = act.as_("ada").get(f"/tasks/{review.id}").get_data(as_text=True)
    assert "Leadership asked for changes (round 1):" in page and "Add a stretch assignment" in page
    changes = page[page.index('class="round-changes"'):page.index("</section>", page.index('class="round-changes"'))]
    assert "Draft career path with milestones" in changes and "Stretch: run the platform guild" in changes
    assert "Before:" in changes and "Now:" in changes
    assert "Milestones 3" in changes and "(added)" in changes
    assert "Sam suggests the course first" not in changes  # unchanged answers are not repeated
    assert "Architecture course" not in changes  # nor unchanged rows of a list
    act.complete("ada", instance, "review_career_path", **dict(PATH_REVIEW, milestones=stretched))
    approval = act.task(instance, "leadership_approval")
    assert approval.subject == "round 2"
    page = act.as_("leo").get(f"/tasks/{approval.id}").get_data(as_text=True)
    assert "What changed since this step last came round" in page and "Stretch: run the platform guild" in page


def test_after_one_parallel_review_the_message_says_who_is_still_working(act):
    instance = act.start_path("ada")
    act.complete("ada", instance, "career_objectives_meeting", **OBJECTIVES)
    from ..helpers import JOB_DESCRIPTION
    act.complete("ada", instance, "draft_job_description", **JOB_DESCRIPTION)
    act.complete("mia", instance, "select_stakeholders", stakeholders=["sam", "sol"], review_focus="Fit")
    sam_task = next(t for t in act.open_tasks(instance, "stakeholder_review") if t.assignee.username == "sam")
    response = act.submit("sam", sam_task, REVIEW)
    page = act.as_("sam").get(response.headers["Location"]).get_data(as_text=True)
    assert "Nothing more is needed from anyone" not in page
    assert "Still open: “Review goals and job description” with Sol Rivera." in page
    path_page = act.as_("mia").get(f"/paths/{instance.id}").get_data(as_text=True)
    assert "Sol Rivera" in path_page[path_page.index("Current step"):path_page.index("Progress")]
