"""A process owner edits the diagram in the browser modeler, deploys it, and sees version 2."""
import pytest

pytestmark = pytest.mark.browser


def login(page, live_server, username):
    page.goto(live_server + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Log in").click()


def test_hana_renames_a_task_in_the_modeler_deploys_and_sees_version_2(live_server, page, org, deployed):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    login(page, live_server, "hana")
    page.get_by_role("link", name="Processes").click()
    page.get_by_role("link", name="Edit in modeler").first.click()
    page.get_by_role("heading", name="Edit Collaborative career pathing").wait_for()

    task = page.locator('[data-element-id="skills_evaluation"]')
    task.wait_for()
    task.dblclick()
    editor = page.locator(".djs-direct-editing-parent")
    editor.wait_for()
    page.keyboard.press("Control+A")
    page.keyboard.type("Skills and performance evaluation")
    page.locator(".djs-container svg").first.click(position={"x": 400, "y": 450})  # click away: the name is set
    # the properties panel shows the Camunda attributes of the selected task
    task.click()
    page.locator(".bio-properties-panel-header-label", has_text="Skills and performance evaluation").wait_for()

    page.get_by_role("button", name="Deploy", exact=True).click()
    status = page.locator("[data-status].flash.success")
    status.wait_for()
    assert "Collaborative career pathing is now version 2" in status.inner_text()
    status.get_by_role("link", name="Open Collaborative career pathing version 2").click()
    page.get_by_role("heading", name="Collaborative career pathing — version 2").wait_for()
    page.locator('#diagram [data-element-id="skills_evaluation"]').wait_for()
    assert "Skills and performance evaluation" in page.locator("#diagram").inner_text()
    page.get_by_role("link", name="Processes").first.click()
    assert page.get_by_role("link", name="Version 2").is_visible()
    assert errors == []


def test_problems_are_shown_on_the_elements_and_nothing_is_deployed(live_server, page, org, deployed):
    login(page, live_server, "hana")
    page.goto(live_server + "/processes/career_pathing/1/modeler")
    page.locator('[data-element-id="leadership_approval"]').wait_for()
    # point the task at a form that does not exist, as the properties panel would
    page.evaluate("""() => {
        const modeler = window.pathingModeler;
        const element = modeler.get('elementRegistry').get('leadership_approval');
        modeler.get('modeling').updateProperties(element, { 'camunda:formRef': 'no-such-form' });
    }""")
    page.get_by_role("button", name="Deploy", exact=True).click()
    status = page.locator("[data-status].flash.error")
    status.wait_for()
    assert "Nothing was deployed: 1 problem." in status.inner_text()
    problem = page.locator("[data-problems] li")
    assert "leadership_approval: the form \"no-such-form\" is not deployed" in problem.inner_text()
    assert page.locator('.djs-element.has-problem[data-element-id="leadership_approval"]').count() == 1
    page.screenshot(path="/tmp/pathing-modeler-problem.png")


def test_the_modeler_palette_covers_no_element_of_the_diagram(live_server, page, org, deployed):
    login(page, live_server, "hana")
    page.goto(live_server + "/processes/career_pathing/1/modeler")
    page.locator('[data-element-id="skills_evaluation"]').wait_for()
    page.wait_for_timeout(300)
    palette = page.locator(".djs-palette").bounding_box()
    canvas = page.locator("[data-canvas]").bounding_box()
    covered = []
    for element in page.locator(".djs-element.djs-shape[data-element-id]").all():
        box = element.bounding_box()
        if box is None or box["width"] * box["height"] >= canvas["width"] * canvas["height"] * 0.9:
            continue  # the root of the diagram
        if box["x"] < palette["x"] + palette["width"] and box["y"] < palette["y"] + palette["height"] and \
                box["x"] + box["width"] > palette["x"] and box["y"] + box["height"] > palette["y"]:
            covered.append(element.get_attribute("data-element-id"))
    assert covered == []
    page.screenshot(path="tests/browser/screenshots/modeler-desktop.png")
