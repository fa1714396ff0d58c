"""People administration for admins: the org directory (managers, departments, groups) and accounts; people
from a CSV file (engine/people/csv_import.py), all or nothing."""
import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from engine.people import csv_import, leavers, movers
from engine.rights import authorization
from engine.store.models import Group, User

from ..auth import forget_verified, hash_password, revoke_sessions
from ..auth import role_guard
from ..extensions import db
from ..templating import counted
from ..uploads import uploaded_csv_text

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")


bp.before_request(role_guard(authorization.is_admin, "Managing people is for administrators."))


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PersonForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=80),
                                                   Regexp(r"^[a-z0-9._-]+$", message="Use lower-case letters, digits, "
                                                                                     "dots, dashes or underscores.")])
    name = StringField("Full name", validators=[DataRequired(), Length(max=200)])
    email = StringField("Email", validators=[Optional(), Email(check_deliverability=False), Length(max=200)])
    department = StringField("Department", validators=[Optional(), Length(max=120)])
    job_title = StringField("Job title", validators=[Optional(), Length(max=200)])
    manager = SelectField("Manager", choices=[], validate_choice=True,
                          description="A new manager takes over the manager steps of this person's running paths.")
    groups = CheckboxesField("Groups", choices=[], coerce=str)
    active = BooleanField("Active (may log in and be assigned tasks)", default=True,
                          description="Unticking it signs them out everywhere, ends their API tokens, and hands "
                                      "their open tasks to their manager (or to HR).")
    password = PasswordField("New password", validators=[Optional(), Length(min=8, max=200)],
                             description="Leave empty to keep the current password.")

    def __init__(self, person=None, **kwargs):
        super().__init__(**kwargs)
        self.person = person
        people = db.session.scalars(sa.select(User).order_by(User.name)).all()
        self.manager.choices = [("", "— none —")] + [(u.username, u.name if u.active else f"{u.name} (deactivated)")
                                                      for u in people if person is None or u.id != person.id]
        self.groups.choices = [(g.name, g.label) for g in db.session.scalars(sa.select(Group).order_by(Group.label))]

    def validate_username(self, field):
        existing = db.session.scalars(sa.select(User).where(User.username == field.data)).first()
        if existing is not None and existing is not self.person:
            raise ValidationError("This username is taken.")

    def validate_manager(self, field):
        boss = db.session.scalars(sa.select(User).where(User.username == field.data)).first() if field.data else None
        if boss is not None and not boss.active and (self.person is None or self.person.manager_id != boss.id):
            raise ValidationError(f"{boss.name} is deactivated: choose an active manager.")
        seen = set()
        while boss is not None and self.person is not None:
            if boss.id == self.person.id or boss.id in seen:
                raise ValidationError("That would make a reporting loop: pick someone outside this person's team.")
            seen.add(boss.id)
            boss = boss.manager


@bp.route("/users")
def users():
    """Everyone in the directory, searchable, paginated."""
    return users_page()


def users_page(problems=()):
    """The People page (search and page from the query string), with the problems of a refused import."""
    query = sa.select(User).order_by(User.name)
    search = request.args.get("q", "").strip()
    if search:
        like = f"%{search}%"
        query = query.where(sa.or_(User.name.ilike(like), User.username.ilike(like), User.department.ilike(like)))
    page = db.paginate(query, page=request.args.get("page", 1, type=int),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("admin/users.html", people=page, search=search, problems=list(problems),
                           import_columns=csv_import.COLUMNS, group_separator=csv_import.GROUP_SEPARATOR)


def _save(form, person):
    """Write the form to the person. For someone already in the directory, a new manager and (de)activation go
    through engine/people/movers.py and leavers.py, so running paths and open tasks follow; returns what that
    did, in words."""
    person.username, person.name = form.username.data, form.name.data.strip()
    person.email = form.email.data or None
    person.department, person.job_title = form.department.data or None, form.job_title.data or None
    manager = db.session.scalars(sa.select(User).where(User.username == form.manager.data)).first() \
        if form.manager.data else None
    person.groups = db.session.scalars(sa.select(Group).where(Group.name.in_(form.groups.data or []))).all()
    if form.password.data:
        person.password_hash = hash_password(form.password.data)
        if person.id is not None:
            revoke_sessions(person)  # whoever held the old password is logged out everywhere
    if person.id is None:
        person.manager, person.active = manager, form.active.data
        return []
    done = []
    if person.manager_id != (manager.id if manager else None):
        moved = movers.change_manager(db.session, person, manager, current_user, "page")
        done.append(f"New manager: {manager.name if manager else 'nobody'}; {moved.describe()}.")
    if person.active and not form.active.data:
        handover = leavers.deactivate_person(db.session, person, current_user, "page")
        forget_verified(person)  # what HTTP Basic remembers of them goes too
        done.append(f"Deactivated: they can no longer sign in; {handover.describe()}.")
    elif not person.active and form.active.data:
        leavers.reactivate_person(db.session, person, current_user, "page")
        done.append("Reactivated: they can sign in again.")
    return done


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    """Add a person to the directory."""
    form = PersonForm()
    if form.validate_on_submit():
        person = User(username=form.username.data, name=form.name.data)
        _save(form, person)
        db.session.add(person)
        db.session.commit()
        flash(f"{person.name} is added. {'They can log in now.' if person.password_hash else 'Set a password so they can log in.'}",
              "success")
        return redirect(url_for("admin.users"))
    return render_template("admin/user.html", form=form, person=None), 422 if form.errors else 200


@bp.route("/users/<id:user_id>", methods=["GET", "POST"])
def edit_user(user_id):
    """Change a person: name, manager, department, groups, active, password."""
    person = db.session.get(User, user_id)
    if person is None:
        abort(404)
    form = PersonForm(person=person, obj=person) if request.method == "GET" else PersonForm(person=person)
    if request.method == "GET":
        form.manager.data = person.manager.username if person.manager else ""
        form.groups.data = sorted(person.group_names)
    if form.validate_on_submit():
        if person.id == current_user.id and ("admins" not in (form.groups.data or []) or not form.active.data):
            form.groups.errors = list(form.groups.errors) + ["You cannot remove your own admin rights or account."]
        else:
            done = _save(form, person)
            db.session.commit()
            if person.id == current_user.id and form.password.data:
                login_user(person)  # a new session for the admin who changed their own password
            flash(" ".join([f"{person.name} is saved.", *done]), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user.html", form=form, person=person), 422 if form.errors else 200


MAX_CSV = 4 * 1024 * 1024  # about 25,000 people


@bp.route("/users/import", methods=["POST"])
def import_people():
    """Import people from an uploaded CSV file in one transaction; on any problem nothing is saved and every
    problem is listed with its line and column."""
    text, error = uploaded_csv_text(MAX_CSV)
    if error:
        flash(error, "error")
        return users_page(), 422
    parsed = csv_import.read(db.session, text, actor=current_user)
    if not parsed.ok:
        db.session.rollback()
        flash(f"The file has {counted(len(parsed.problems), 'problem')}; nothing was imported. Fix them and upload "
              f"it again.", "error")
        return users_page(problems=parsed.problems), 422
    summary = csv_import.apply(db.session, parsed, actor=current_user, source="csv")
    db.session.commit()
    flash(f"Imported {counted(len(parsed.rows), 'person', 'people')} from {request.files['file'].filename}: "
          f"{summary.describe()}.", "success")
    return redirect(url_for("admin.users"))
