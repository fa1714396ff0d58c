"""In the browser: an old message explains what became of its task; a revise round shows its reason and what
changed; leadership cannot ask for modifications without saying what; milestone tasks name their milestone. Each
page fits a phone, has no serious accessibility violation, and leaves a screenshot (tests/browser/screenshots/)."""
import re

import pytest
import sqlalchemy as sa

from engine.store.models import Group, User
from web.extensions import db

from ..helpers import CAREER_PATH, MILESTONES, PATH_REVIEW, run_to_leadership
from .test_every_page import SIZES, check_page, log_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", sorted(SIZES))
def test_old_messages_rounds_and_subjects_in_the_browser(live_server, browser, act, org, deployed, size):
    sol = db.session.scalars(sa.select(User).where(User.username == "sol")).one()
    leadership = db.session.scalars(sa.select(Group).where(Group.name == "leadership")).one()
    leadership.members.append(sol)
    db.session.commit()
    instance = act.start_path("ada")
    run_to_leadership(act, instance, stakeholders=("sam",))
    approval = act.task(instance, "leadership_approval")
    problems = []
    context = browser.new_context(viewport=SIZES[size], bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15000)

    # leadership cannot ask for modifications without saying what should change
    log_in(page, live_server, "leo")
    page.goto(f"{live_server}/tasks/{approval.id}")
    page.get_by_role("button", name="Claim this task").click()
    page.get_by_label("Request modifications").check()
    page.get_by_role("button", name=re.compile("Complete")).click()
    reason_needed = page.get_by_role("alert").filter(has_text="What should change is required.")
    reason_needed.wait_for()  # the answer page has loaded
    assert reason_needed.count() == 1
    problems += check_page(page, "notices-reason-required", size)
    page.get_by_label("What should change").fill("Add a stretch assignment")
    page.get_by_role("button", name=re.compile("Complete")).click()
    page.wait_for_url(re.compile(r".*/(\?.*)?$"))
    context.clear_cookies()

    # sol was told of the approval too; leo took it: her message says so instead of refusing
    log_in(page, live_server, "sol")
    page.goto(live_server + "/notifications")
    page.get_by_role("button", name=re.compile("New task: Leadership approval: round 1")).click()
    explained = page.get_by_role("status").filter(
        has_text="“Leadership approval: round 1” was completed by Leo Martin on")
    explained.wait_for()  # the page the old message leads to has loaded
    assert explained.count() == 1
    problems += check_page(page, "notices-old-message", size)
    context.clear_cookies()

    # round 2: the manager redrafts, the employee sees the reason and what changed
    stretched = MILESTONES + [{"type": "experience", "title": "Stretch: run the platform guild",
                               "measure": "Two sessions held", "due_date": "2027-09-01"}]
    act.complete("mia", instance, "draft_career_path", **dict(CAREER_PATH, milestones=stretched))
    review = act.task(instance, "review_career_path")
    log_in(page, live_server, "ada")
    page.goto(f"{live_server}/tasks/{review.id}")
    assert page.get_by_role("heading", name="Review and edit the career path: revision for approval round 2",
                            level=1).count() == 1
    changes = page.locator(".round-changes")
    assert "Stretch: run the platform guild" in changes.inner_text()
    assert "Add a stretch assignment" in page.locator("main").inner_text()
    problems += check_page(page, "notices-round-2-review", size)
    context.clear_cookies()

    act.complete("ada", instance, "review_career_path", **dict(PATH_REVIEW, milestones=stretched))
    act.complete("leo", instance, "leadership_approval", leadership_decision="approve")
    log_in(page, live_server, "ada")
    inbox = page.locator("main").inner_text()
    for milestone in stretched:
        assert f"Report milestone completion: {milestone['title']}" in inbox
    problems += check_page(page, "notices-inbox-milestones", size)
    context.close()
    assert not problems, "\n".join(problems)
