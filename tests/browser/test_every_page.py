"""Every page, logged in and out, at phone and desktop width: no sideways scrolling on a phone, no serious
or critical accessibility violation (axe-core, from npm), and a screenshot of each kept under
tests/browser/screenshots/ (git-ignored) for people to look at."""
import os
import re

import pytest

from engine.store.models import HumanTask, ProcessInstance
from web import PROJECT_ROOT
from web.extensions import db

from ..helpers import run_to_leadership

pytestmark = pytest.mark.browser

AXE = os.path.join(PROJECT_ROOT, "node_modules", "axe-core", "axe.min.js")
SCREENSHOTS = os.path.join(PROJECT_ROOT, "tests", "browser", "screenshots")
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


def pages_of(role, path_id, task_ids, version, person_id):
    """The pages a person in `role` can open, as (name, url)."""
    common = [("inbox", "/"), ("paths", "/paths"), ("path", f"/paths/{path_id}"),
              ("print", f"/paths/{path_id}/print"), ("notifications", "/notifications"), ("settings", "/settings")]
    common += [(f"task-{n}", f"/tasks/{task_id}") for n, task_id in enumerate(task_ids)]
    if role == "hana":
        common += [("incidents", "/incidents"), ("pilot", "/pilot"), ("skills", "/pilot/skills"),
                   ("analytics", "/pilot/analytics"), ("recognition", "/pilot/recognition"),
                   ("processes", "/processes"), ("version", f"/processes/{version.key}/{version.version}"),
                   ("deploy", "/processes/deploy"), ("tokens", "/processes/tokens"),
                   ("webhooks", "/processes/webhooks/"),
                   ("migrate", f"/processes/{version.key}/{version.version}/migrate"),
                   ("modeler", f"/processes/{version.key}/{version.version}/modeler"),
                   ("form-editor", "/processes/forms/career-objectives/edit"), ("new-cohort", "/pilot/cohorts/new"),
                   ("people", "/admin/users"), ("new-person", "/admin/users/new"),
                   ("person", f"/admin/users/{person_id}")]
    return common


def check_page(page, name, size):
    """Width and accessibility checks of the loaded page; a screenshot for people."""
    os.makedirs(SCREENSHOTS, exist_ok=True)
    page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}-{size}.png"), full_page=True)
    problems = []
    if size == "phone":
        width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        if width[0] > width[1]:
            problems.append(f"{name}: the page is {width[0]} px wide at {width[1]} px")
    page.evaluate(open(AXE, encoding="utf-8").read())
    found = page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations.filter(v => ['serious', 'critical'].includes(v.impact))
            .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', '));
    }""")
    problems += [f"{name} ({size}): {violation}" for violation in found]
    return problems


def log_in(page, base, username):
    page.goto(base + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/(\?.*)?$"))


@pytest.mark.parametrize("size", sorted(SIZES))
def test_every_page_fits_a_phone_and_has_no_serious_accessibility_violation(live_server, browser, act, org,
                                                                            deployed, size):
    instance = act.start_path("ada")
    run_to_leadership(act, instance)
    path = db.session.get(ProcessInstance, instance.id)
    tasks = {}
    for row in db.session.query(HumanTask).filter_by(instance_id=path.id).all():
        people = [row.assignee.username] if row.assignee else (["leo"] if "leadership" in (
            row.candidate_groups or []) else ["hana"])
        for person in people:
            tasks.setdefault(person, []).append(row.id)
    problems = []
    context = browser.new_context(viewport=SIZES[size], bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(live_server + "/login")
    problems += check_page(page, "login", size)
    for username in ("ada", "mia", "leo", "hana"):
        log_in(page, live_server, username)
        for name, url in pages_of(username, path.id, tasks.get(username, [])[:2], path.process_version,
                                    org["ada"].id):
            page.goto(live_server + url)
            problems += check_page(page, f"{username}-{name}", size)
        context.clear_cookies()
    context.close()
    assert not problems, "\n".join(problems)
