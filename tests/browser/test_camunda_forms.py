"""Camunda generated forms and the generic task page in a real browser."""
import os

import pytest
import sqlalchemy as sa

from engine.diagrams.deployment import deploy, read_paths
from engine.store.models import HumanTask, ProcessInstance
from engine.runtime.runner import Runtime
from web.extensions import db

from .test_every_page import SIZES, check_page

pytestmark = pytest.mark.browser

CORPUS = os.path.join(os.path.dirname(os.path.dirname(__file__)), "corpus", "camunda")


def _start(key, org, **variables):
    files = read_paths([os.path.join(CORPUS, f"{key}.bpmn")])
    deploy(db.session, files)
    instance = Runtime(db.session).start(key, org["ada"], org["hana"], variables).instance
    db.session.commit()
    return db.session.scalars(sa.select(HumanTask).where(HumanTask.instance_id == instance.id)).one()


def open_review(request):
    """The review task that follows the leave request."""
    db.session.expire_all()
    return db.session.scalars(sa.select(HumanTask).where(HumanTask.instance_id == request.instance_id,
                                                         HumanTask.status == "open")).one()


def _login(page, live_server, username):
    page.goto(live_server + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Log in").click()


def test_generated_form_and_generic_page_in_the_browser(live_server, page, org):
    request = _start("forms_generated", org)
    handbook = _start("forms_generic", org, handbookUrl="https://intranet/handbook", laptopReady=True,
                      firstDayOfWork="2027-01-04")
    _login(page, live_server, "hana")

    page.goto(f"{live_server}/tasks/{request.id}")
    page.get_by_role("heading", name="Request leave", level=1).wait_for()
    assert page.get_by_label("Number of days").input_value() == "5"
    assert page.get_by_label("Requested by").input_value() == "hana"
    page.screenshot(path="/tmp/pathing-formdata-task.png", full_page=True)
    problems = check_page(page, "formdata-task", "desktop")
    page.get_by_role("button", name="Complete").click()
    assert "Reason is required." in page.locator(".error-summary").inner_text()
    page.get_by_label("Reason").fill("Family visit")
    page.get_by_label("Number of days").fill("3")
    page.get_by_label("First day").fill("2026-12-24")
    page.get_by_label("Kind of leave").select_option("training")
    page.get_by_label("Urgent").check()
    page.get_by_role("button", name="Complete").click()
    assert "Request leave” is done" in page.locator(".flash.success").inner_text()
    instance = db.session.get(ProcessInstance, request.instance_id)
    db.session.expire_all()
    data = Runtime(db.session).current_data(instance)
    assert (data["days"], data["firstDay"], data["kind"], data["urgent"]) == (3, "2026-12-24", "training", True)

    page.goto(f"{live_server}/tasks/{handbook.id}")
    page.get_by_role("heading", name="About this step").wait_for()
    assert page.locator("dd[data-variable=laptopReady]").inner_text() == "Yes"
    assert page.locator(".task-documentation strong").inner_text() == "employee handbook"
    page.screenshot(path="/tmp/pathing-generic-task.png", full_page=True)
    problems += check_page(page, "generic-task", "desktop")
    phone = page.context.browser.new_context(viewport=SIZES["phone"], color_scheme="dark", bypass_csp=True)
    small = phone.new_page()
    _login(small, live_server, "hana")
    for name, task in (("formdata-review", open_review(request)), ("generic-task", handbook)):
        small.goto(f"{live_server}/tasks/{task.id}")
        small.get_by_role("heading", level=1).wait_for()
        problems += check_page(small, name, "phone")
    small.screenshot(path="/tmp/pathing-generic-task-phone-dark.png", full_page=True)
    phone.close()
    assert problems == []
    page.get_by_role("button", name="Complete").click()
    assert "Read the handbook” is done" in page.locator(".flash.success").inner_text()
