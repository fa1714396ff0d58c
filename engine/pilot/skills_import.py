"""The skills framework from a CSV file: `job_family,role,skill,required_level[,skill_description]`.

`parse` reads the whole file and reports every problem with its line number;
`apply` writes the rows (creating families, roles and skills, updating levels)
only when there is none.
"""
import csv
import io
from dataclasses import dataclass, field

import sqlalchemy as sa

from engine.store.pilot_models import JobFamily, Role, RoleSkill, Skill

COLUMNS = ["job_family", "role", "skill", "required_level", "skill_description"]
REQUIRED = COLUMNS[:4]


@dataclass
class SkillsFile:
    """What a CSV file holds: clean rows, and problems as (line, message)."""

    rows: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    @property
    def ok(self):
        return bool(self.rows) and not self.problems


def parse(text):
    """Read and check a skills CSV (text); never raises for bad content."""
    result = SkillsFile()
    if not text or not text.strip():
        result.problems.append((1, "the file is empty: the first line must name the columns "
                                   "job_family,role,skill,required_level"))
        return result
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [name.strip().lower() for name in next(reader)]
    except csv.Error as exc:
        result.problems.append((1, f"not readable as CSV: {exc}"))
        return result
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        result.problems.append((1, f"the first line must name the columns {', '.join(REQUIRED)} "
                                   f"(missing: {', '.join(missing)})"))
        return result
    index = {name: header.index(name) for name in COLUMNS if name in header}
    seen = {}
    try:
        for line, values in enumerate(reader, start=2):
            if not any(value.strip() for value in values):
                continue
            row = {name: (values[i].strip() if i < len(values) else "") for name, i in index.items()}
            problems = [f"{name} is empty" for name in REQUIRED if not row.get(name)]
            problems += [f"{name} is longer than 200 characters" for name in REQUIRED[:3]
                         if len(row.get(name, "")) > 200]
            level = row.get("required_level", "")
            if level and (not level.isdigit() or not 1 <= int(level) <= 5):
                problems.append(f"required_level must be a whole number from 1 to 5, not {level!r}")
            key = (row.get("role", "").lower(), row.get("skill", "").lower())
            if not problems and key in seen:
                problems.append(f"the role {row['role']!r} already lists {row['skill']!r} on line {seen[key]}")
            for message in problems:
                result.problems.append((line, message))
            if not problems:
                seen[key] = line
                row["required_level"] = int(level)
                row["line"] = line
                result.rows.append(row)
    except csv.Error as exc:
        result.problems.append((reader.line_num, f"not readable as CSV: {exc}"))
    if not result.rows and not result.problems:
        result.problems.append((2, "the file has no rows after the column names"))
    return result


def apply(session, parsed):
    """Write a clean file's rows; returns counts. Callers check `parsed.ok` first."""
    counts = {"families": 0, "roles": 0, "skills": 0, "requirements": 0}
    families = {f.name.lower(): f for f in session.scalars(sa.select(JobFamily))}
    roles = {r.title.lower(): r for r in session.scalars(sa.select(Role))}
    skills = {s.name.lower(): s for s in session.scalars(sa.select(Skill))}
    for row in parsed.rows:
        family = families.get(row["job_family"].lower())
        if family is None:
            family = families[row["job_family"].lower()] = JobFamily(name=row["job_family"])
            session.add(family)
            counts["families"] += 1
        role = roles.get(row["role"].lower())
        if role is None:
            role = roles[row["role"].lower()] = Role(title=row["role"], family=family)
            session.add(role)
            counts["roles"] += 1
        role.family = family
        skill = skills.get(row["skill"].lower())
        if skill is None:
            skill = skills[row["skill"].lower()] = Skill(name=row["skill"], description=row.get("skill_description", ""))
            session.add(skill)
            counts["skills"] += 1
        elif row.get("skill_description"):
            skill.description = row["skill_description"]
        session.flush()
        requirement = session.get(RoleSkill, (role.id, skill.id))
        if requirement is None:
            session.add(RoleSkill(role=role, skill=skill, required_level=row["required_level"]))
        else:
            requirement.required_level = row["required_level"]
        counts["requirements"] += 1
    session.flush()
    return counts
