"""The skills framework: job families, roles, skills and the proficiency each role needs; by hand or by CSV."""
import csv
import io

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for

from engine.pilot import skills_import
from engine.store.pilot_models import JobFamily, RoleSkill

from ..extensions import db
from .views import bp
from ..templating import counted
from ..uploads import uploaded_csv_text

MAX_CSV = 2 * 1024 * 1024


def _framework():
    return db.session.scalars(sa.select(JobFamily).order_by(JobFamily.name)).all()


@bp.route("/skills")
def skills():
    """Every family, role and required proficiency (1 aware – 5 expert)."""
    return render_template("pilot/skills.html", families=_framework(), problems=[], preview=None)


def _csv_line(values):
    buffer = io.StringIO()
    csv.writer(buffer).writerows([skills_import.COLUMNS, values])
    return buffer.getvalue()


@bp.route("/skills/requirements", methods=["POST"])
def add_requirement():
    """Add or change what one role needs in one skill (creating the family, role or skill when new)."""
    values = [request.form.get(name, "").strip() for name in skills_import.COLUMNS]
    parsed = skills_import.parse(_csv_line(values))
    if not parsed.ok:
        for _line, message in parsed.problems:
            flash(f"Not saved: {message}.", "error")
        return render_template("pilot/skills.html", families=_framework(), problems=[], preview=None,
                               form=dict(zip(skills_import.COLUMNS, values))), 422
    skills_import.apply(db.session, parsed)
    db.session.commit()
    row = parsed.rows[0]
    flash(f"{row['role']} now needs {row['skill']} at level {row['required_level']}.", "success")
    return redirect(url_for("pilot.skills"))


@bp.route("/skills/requirements/<id:role_id>/<id:skill_id>/delete", methods=["POST"])
def delete_requirement(role_id, skill_id):
    """A role no longer needs a skill."""
    requirement = db.session.get(RoleSkill, (role_id, skill_id))
    if requirement is None:
        abort(404)
    role, skill = requirement.role.title, requirement.skill.name
    db.session.delete(requirement)
    db.session.commit()
    flash(f"{role} no longer lists {skill}.", "success")
    return redirect(url_for("pilot.skills"))


@bp.route("/skills/import", methods=["POST"])
def import_preview():
    """Read a CSV file and show what it would change, or every problem with its line number (nothing is saved)."""
    text, error = uploaded_csv_text(MAX_CSV)
    if error:
        flash(error, "error")
        return render_template("pilot/skills.html", families=_framework(), problems=[], preview=None), 422
    parsed = skills_import.parse(text)
    status = 200 if parsed.ok else 422
    if not parsed.ok:
        flash(f"The file has {counted(len(parsed.problems), 'problem')}; nothing was imported. Fix them and upload again.",
              "error")
    return render_template("pilot/skills.html", families=_framework(), problems=parsed.problems,
                           preview=parsed if parsed.ok else None, csv_text=text), status


@bp.route("/skills/import/apply", methods=["POST"])
def import_apply():
    """Import the previewed file, all rows in one transaction."""
    parsed = skills_import.parse(request.form.get("csv_text", ""))
    if not parsed.ok:
        flash("The file changed or has problems; nothing was imported. Upload it again.", "error")
        return render_template("pilot/skills.html", families=_framework(), problems=parsed.problems,
                               preview=None), 422
    counts = skills_import.apply(db.session, parsed)
    db.session.commit()
    flash(f"Imported {counted(counts['requirements'], 'requirement')}: "
          f"{counted(counts['families'], 'new family', 'new families')}, "
          f"{counted(counts['roles'], 'new role')}, {counted(counts['skills'], 'new skill')}.", "success")
    return redirect(url_for("pilot.skills"))
