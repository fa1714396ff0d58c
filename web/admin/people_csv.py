"""Admin › People › Import from CSV: the whole directory from one file, all or nothing
(engine/directory/people_import.py)."""
from flask import flash, redirect, request, url_for
from flask_login import current_user

from engine.directory import people_import

from ..extensions import db
from ..templating import counted
from . import bp, users_page

MAX_CSV = 4 * 1024 * 1024  # about 25,000 people


def _uploaded_text():
    """(the uploaded file's text, None) or (None, what is wrong with the upload)."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return None, "Choose a CSV file to import."
    raw = upload.read(MAX_CSV + 1)
    if len(raw) > MAX_CSV:
        return None, "The file is larger than 4 MB; split it into several files."
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        return None, "The file is not UTF-8 text: save it as \u201cCSV UTF-8\u201d and try again."


@bp.route("/users/import", methods=["POST"])
def import_people():
    """Import people from an uploaded CSV file in one transaction; on any problem nothing is saved and every
    problem is listed with its line and column."""
    text, error = _uploaded_text()
    if error:
        flash(error, "error")
        return users_page(), 422
    parsed = people_import.read(db.session, text, actor=current_user)
    if not parsed.ok:
        db.session.rollback()
        flash(f"The file has {counted(len(parsed.problems), 'problem')}; nothing was imported. Fix them and upload "
              f"it again.", "error")
        return users_page(problems=parsed.problems), 422
    summary = people_import.apply(db.session, parsed, actor=current_user, source="csv")
    db.session.commit()
    flash(f"Imported {counted(len(parsed.rows), 'person', 'people')} from {request.files['file'].filename}: "
          f"{summary.describe()}.", "success")
    return redirect(url_for("admin.users"))
