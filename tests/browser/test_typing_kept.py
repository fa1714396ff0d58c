"""Nothing typed is lost, in a real browser: a comment posts in place and the form keeps its answers (also
without JavaScript), "Add another" adds a row where the person is and moves focus into it (keyboard too),
validation errors keep every value, and the cohort form keeps the chosen manager. Screenshots of these pages
at 1280 and 390 px go to tests/browser/screenshots/ (git-ignored)."""
import os

import pytest

from web import PROJECT_ROOT

from ..helpers import ALIGNMENT, JOB_DESCRIPTION, OBJECTIVES, REVIEW, _error_text

pytestmark = pytest.mark.browser

SCREENSHOTS = os.path.join(PROJECT_ROOT, "tests", "browser", "screenshots")


def log_in(page, live_server, username):
    page.goto(live_server + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def screenshots(page, name):
    """The page as it is now, at desktop and phone width."""
    os.makedirs(SCREENSHOTS, exist_ok=True)
    for size, viewport in (("desktop", {"width": 1280, "height": 900}), ("phone", {"width": 390, "height": 844})):
        page.set_viewport_size(viewport)
        page.screenshot(path=os.path.join(SCREENSHOTS, f"typing-{name}-{size}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def mark_document(page):
    """A flag on this very document: it is gone if the page reloads or navigates."""
    page.evaluate("() => { window.__sameDocument = true; }")


def same_document(page):
    return page.evaluate("() => window.__sameDocument === true")


def to_skills_evaluation(act):
    instance = act.start_path("ada")
    act.complete("ada", instance, "career_objectives_meeting", **OBJECTIVES)
    act.complete("ada", instance, "draft_job_description", **JOB_DESCRIPTION)
    act.complete("mia", instance, "select_stakeholders", stakeholders=["sam", "sol"], review_focus="Fit")
    for name in ("sam", "sol"):
        task = next(t for t in act.open_tasks(instance, "stakeholder_review") if t.assignee.username == name)
        response = act.submit(name, task, REVIEW)
        assert response.status_code == 302, _error_text(response)
    act.complete("mia", instance, "alignment_meeting", **ALIGNMENT)
    act.complete("ada", instance, "confirm_job_description", jd_decision="accept")
    return act.task(instance, "skills_evaluation")


def test_a_comment_posts_in_place_and_the_typed_answers_stay(live_server, page, act):
    instance = act.start_path("ada")
    task = act.task(instance, "career_objectives_meeting")
    log_in(page, live_server, "ada")
    page.goto(f"{live_server}/tasks/{task.id}")
    page.get_by_label("Your career goals").fill("Lead the platform team")
    page.get_by_label("Future role you are aiming for").fill("Staff Engineer")
    mark_document(page)

    page.get_by_label("Add a comment").fill("Can we meet on **Friday**?")
    page.get_by_role("button", name="Post comment").click()
    page.locator("#comments .comment strong", has_text="Friday").wait_for()
    assert same_document(page) and page.url == f"{live_server}/tasks/{task.id}"
    assert page.get_by_label("Your career goals").input_value() == "Lead the platform team"
    assert page.get_by_label("Future role you are aiming for").input_value() == "Staff Engineer"
    assert page.get_by_label("Add a comment").input_value() == ""
    assert page.evaluate("() => document.activeElement.id") == "comment-body"
    assert "Your comment is posted" in page.locator("[data-comment-status]").inner_text()
    assert page.locator("[data-comment-count]").inner_text() == "(1)"

    # an empty comment: the message is next to the box, nothing else changes
    page.get_by_role("button", name="Post comment").click()
    page.locator("#comment-error", has_text="Write something before posting the comment.").wait_for()
    assert same_document(page) and page.get_by_label("Your career goals").input_value() == "Lead the platform team"
    screenshots(page, "task-comment")

    # a validation error on completing keeps every answer typed
    page.get_by_label("Add a comment").fill("Still thinking")
    page.get_by_role("button", name="Complete").click()
    page.locator(".error-summary").wait_for()
    assert page.get_by_label("Your career goals").input_value() == "Lead the platform team"
    assert page.get_by_label("Future role you are aiming for").input_value() == "Staff Engineer"
    assert page.get_by_label("Add a comment").input_value() == "Still thinking"
    screenshots(page, "task-validation")


def test_without_javascript_a_comment_brings_the_answers_back(live_server, browser, act):
    instance = act.start_path("ada")
    task = act.task(instance, "career_objectives_meeting")
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        log_in(page, live_server, "ada")
        page.goto(f"{live_server}/tasks/{task.id}")
        page.get_by_label("Your career goals").fill("Lead the platform team")
        page.get_by_label("Add a comment").fill("Posted without scripts")
        page.get_by_role("button", name="Post comment").click()
        page.locator("#comments .comment", has_text="Posted without scripts").wait_for()
        assert page.get_by_label("Your career goals").input_value() == "Lead the platform team"
        assert page.get_by_label("Add a comment").input_value() == ""
        # "Add another" without scripts: the page comes back at the group, answers kept
        skills = to_skills_evaluation(act)
        page.goto(f"{live_server}/tasks/{skills.id}")
        page.locator("#f-skill_gaps-0-skill").fill("System design")
        page.get_by_role("button", name="Add another").click()
        page.get_by_role("group", name="Skills the role needs 2").wait_for()
        assert page.url.endswith("#f-skill_gaps")
        assert page.locator("#f-skill_gaps-0-skill").input_value() == "System design"
    finally:
        context.close()


def test_add_another_adds_a_row_in_place_with_focus_in_it(live_server, page, act):
    task = to_skills_evaluation(act)
    log_in(page, live_server, "ada")
    page.goto(f"{live_server}/tasks/{task.id}")
    page.locator("#f-skill_gaps-0-skill").fill("System design")
    add = page.get_by_role("button", name="Add another — Skills the role needs")
    add.scroll_into_view_if_needed()
    scrolled = page.evaluate("() => window.scrollY")
    mark_document(page)

    add.focus()
    page.keyboard.press("Enter")  # keyboard users add rows as well
    page.locator("#f-skill_gaps-1-skill").wait_for()
    assert same_document(page) and page.evaluate("() => window.scrollY") >= scrolled > 0
    assert page.evaluate("() => document.activeElement.id") == "f-skill_gaps-1-skill"
    assert page.locator("#f-skill_gaps-0-skill").input_value() == "System design"
    page.keyboard.type("Mentoring")
    add.click()
    page.locator("#f-skill_gaps-2-skill").wait_for()
    assert page.locator("fieldset.dynamiclist > fieldset.row").count() == 3
    assert page.get_by_role("group", name="Skills the role needs 3").is_visible()
    screenshots(page, "skills-rows")

    # removing the middle row in place renumbers the others and keeps focus in the list
    page.get_by_role("button", name="Remove skills the role needs 2").click()
    assert same_document(page) and page.locator("fieldset.dynamiclist > fieldset.row").count() == 2
    assert page.get_by_role("group", name="Skills the role needs 2").is_visible()
    assert page.evaluate("() => document.activeElement.id") == "f-skill_gaps-2-skill"
    page.keyboard.type("Public speaking")

    # completing with a missing answer: the server's page keeps every row and value typed
    page.get_by_role("button", name="Complete").click()
    page.locator(".error-summary").wait_for()
    values = page.locator("fieldset.dynamiclist input[name$='.skill']").evaluate_all("els => els.map(e => e.value)")
    assert values == ["System design", "Public speaking"]


def test_the_cohort_form_keeps_the_manager_after_a_mistake(live_server, page, act):
    log_in(page, live_server, "hana")
    page.goto(live_server + "/pilot/cohorts/new")
    page.get_by_label("Everyone reporting to a manager").select_option("mia")
    page.get_by_label("People", exact=True).select_option(["sam", "sol"])
    page.get_by_role("button", name="Create cohort").click()
    page.locator(".error-summary").wait_for()
    assert page.get_by_label("Everyone reporting to a manager").input_value() == "mia"
    chosen = page.get_by_label("People", exact=True).evaluate("s => [...s.selectedOptions].map(o => o.value)")
    assert chosen == ["sam", "sol"]
    screenshots(page, "cohort-form")
