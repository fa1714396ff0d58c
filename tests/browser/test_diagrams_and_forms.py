"""In a real browser: the form editor deploys a changed form; the path page's diagram shows progress and,
on click, what happened at a step."""
import pytest
import sqlalchemy as sa

from engine.models import ProcessVersion
from web.extensions import db

from .test_modeler import login

pytestmark = pytest.mark.browser


def test_hana_relabels_a_field_in_the_form_editor_and_deploys(live_server, page, org, deployed):
    login(page, live_server, "hana")
    page.goto(live_server + "/processes/career_pathing/1")
    page.get_by_role("link", name="Edit form").nth(1).click()  # career-objectives
    page.get_by_role("heading", name="Form “career-objectives”").wait_for()
    page.locator(".fjs-form-field", has_text="Future role you are aiming for").first.click()
    label = page.get_by_label("Field label")
    if not label.is_visible():
        page.locator(".bio-properties-panel-group-header", has_text="General").click()
    label.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("Future role you aim for")
    # the properties panel applies typing after a short pause, as it does for a person
    page.wait_for_function("() => JSON.stringify(window.pathingFormEditor.saveSchema()).includes('you aim for')")
    page.get_by_role("button", name="Deploy").click()
    status = page.locator("[data-status].flash.success")
    status.wait_for()
    assert "Collaborative career pathing is now version 2" in status.inner_text()
    db.session.expire_all()
    version = db.session.scalars(sa.select(ProcessVersion).where(ProcessVersion.key == "career_pathing",
                                                                 ProcessVersion.version == 2)).one()
    labels = [c.get("label") for c in version.sources["forms"]["career-objectives"]["components"]]
    assert "Future role you aim for" in labels


def test_path_diagram_marks_the_current_step_and_shows_its_history_on_click(live_server, page, org, deployed):
    login(page, live_server, "ada")
    page.get_by_role("button", name="Start my career path").click()
    page.goto(live_server + "/paths/")
    page.locator("table.list").get_by_role("link", name="Ada Lovelace").click()
    diagram = page.locator("#path-diagram[data-ready=true]")
    diagram.wait_for()
    current = page.locator('#path-diagram .djs-element.state-active[data-element-id="career_objectives_meeting"]')
    assert current.count() == 1
    current.click()
    panel = page.locator("#element-history")
    panel.get_by_role("heading", name="Career objectives meeting").wait_for()
    assert "is waiting for Ada Lovelace" in panel.inner_text()
    page.screenshot(path="/tmp/pathing-path-diagram.png", full_page=True)
