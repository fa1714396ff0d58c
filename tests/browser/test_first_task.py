"""A person in a real browser: log in, start a path, complete the first task."""
import pytest

pytestmark = pytest.mark.browser


def test_ada_starts_her_path_and_completes_the_first_task(live_server, page, org, deployed):
    page.goto(live_server + "/")
    assert "/login" in page.url
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Start my career path").click()

    page.get_by_role("heading", name="Career objectives meeting", level=1).wait_for()
    assert "Your career path has started" in page.locator(".flash").inner_text()

    # submitting empty shows the messages next to the fields, nothing is saved
    page.get_by_role("button", name="Complete").click()
    assert "Your career goals is required." in page.locator(".error-summary").inner_text()

    page.get_by_label("Meeting date").fill("2026-11-20")
    page.get_by_label("Your career goals").fill("Grow into technical leadership of the platform team.")
    page.get_by_label("Do you see yourself here in 5 years? In what job?").fill("Yes, as a staff engineer.")
    page.get_by_label("Future role you are aiming for").fill("Staff Engineer")
    page.get_by_role("button", name="Complete").click()

    flash = page.locator(".flash.success").inner_text()
    assert "Career objectives meeting” is done" in flash
    assert "Draft future-role job description" in flash
    assert page.get_by_role("link", name="Draft future-role job description").is_visible()
    page.screenshot(path="/tmp/pathing-browser-inbox.png", full_page=True)
