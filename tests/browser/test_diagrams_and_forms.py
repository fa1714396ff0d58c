"""In a real browser: the form editor deploys a changed form; the path page's diagram shows progress and,
on click, what happened at a step."""
import pytest
import sqlalchemy as sa

from engine.store.models import ProcessVersion
from web.extensions import db

from .test_modeler import login

pytestmark = pytest.mark.browser


def test_hana_relabels_a_field_in_the_form_editor_and_deploys(live_server, page, org, deployed):
    login(page, live_server, "hana")
    page.goto(live_server + "/processes/career_pathing/1")
    page.get_by_role("link", name="Edit form").nth(1).click()  # career-objectives
    page.get_by_role("heading", name="Form “career-objectives”").wait_for()
    # the palette offers only the field types a deployment accepts
    offered = set(page.locator(".fjs-palette-field[data-field-type]").evaluate_all(
        "nodes => nodes.map(n => n.dataset.fieldType)"))
    assert {"textfield", "select", "dynamiclist"} <= offered
    assert not offered & {"filepicker", "iframe", "html", "expression", "table", "documentPreview"}
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


def test_path_diagram_zooms_with_buttons_and_lets_the_page_scroll(live_server, page, org, deployed):
    login(page, live_server, "ada")
    page.get_by_role("button", name="Start my career path").click()
    page.goto(live_server + "/paths/")
    page.locator("table.list").get_by_role("link", name="Ada Lovelace").click()
    page.locator("#path-diagram[data-ready=true]").wait_for()
    assert "<script" not in page.title() and page.title().startswith("Path of Ada Lovelace")
    viewport = page.locator("#path-diagram .viewport")
    before = viewport.get_attribute("transform")
    page.get_by_role("button", name="Zoom in").click()
    zoomed = viewport.get_attribute("transform")
    assert zoomed != before
    page.get_by_role("button", name="Fit the diagram to the frame").click()
    assert viewport.get_attribute("transform") == before
    # the wheel over an unfocused diagram scrolls the page and leaves the zoom alone
    page.set_viewport_size({"width": 1000, "height": 500})
    page.get_by_role("button", name="Fit the diagram to the frame").click()
    before = viewport.get_attribute("transform")
    page.locator("#path-diagram").scroll_into_view_if_needed()
    box = page.locator("#path-diagram").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    scrolled_from = page.evaluate("window.scrollY")
    assert scrolled_from > 0
    page.mouse.wheel(0, -200)
    page.wait_for_timeout(300)
    assert viewport.get_attribute("transform") == before
    assert page.evaluate("window.scrollY") < scrolled_from
    assert viewport.get_attribute("transform") == before
    # once focused (click or Tab), the wheel moves the diagram instead
    page.locator("#path-diagram").focus()
    page.mouse.wheel(0, -200)
    page.wait_for_timeout(300)
    assert viewport.get_attribute("transform") != before
