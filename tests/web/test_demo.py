"""The demo seed gives people something real to try: a skills framework the skills step shows."""
from web.demo import seed_skills_framework
from web.extensions import db

from ..helpers import ALIGNMENT, JOB_DESCRIPTION, OBJECTIVES, REVIEW


def test_the_demo_skills_framework_fills_the_skills_evaluation_step(act):
    assert seed_skills_framework(db.session) > 10
    assert seed_skills_framework(db.session) == 0  # seeding again changes nothing
    db.session.commit()
    instance = act.start_path("ada")
    act.complete("ada", instance, "career_objectives_meeting", **OBJECTIVES)  # aims at Staff Engineer
    act.complete("ada", instance, "draft_job_description", **JOB_DESCRIPTION)
    act.complete("mia", instance, "select_stakeholders", stakeholders=["sam"], review_focus="Fit")
    act.complete("sam", instance, "stakeholder_review", **REVIEW)
    act.complete("mia", instance, "alignment_meeting", **ALIGNMENT)
    act.complete("ada", instance, "confirm_job_description", jd_decision="accept")
    page = act.as_("ada").get(f"/tasks/{act.task(instance, 'skills_evaluation').id}").get_data(as_text=True)
    assert "Technical leadership" in page and "Stakeholder communication" in page
