"""What running a script task in a sandbox worker adds, with the pool warm: the same script on the same task
data, run in-process under RestrictedPython (as before the sandbox, with its traced limits) and in a worker."""
import statistics
import time

from engine.scripts.scripting import RestrictedEnvironment, _Limits

# Task data the size of a career path at the stakeholder review, and two scripts as the shipped diagram has:
# one that builds data, one that calls a diagram function (which runs back in this process).
DATA = {
    "employee": "ada", "employee_name": "Ada Lovelace", "manager": "mia", "stakeholders": ["sam", "sol", "leo"],
    "career_goals": "Grow into technical leadership. " * 10, "five_year_vision": "Yes, as a staff engineer.",
    "target_role": "Staff Engineer", "meeting_date": "2026-11-20", "job_description": "Leads design. " * 40,
    "skills": [{"skill": f"skill {n}", "current": n % 5, "required": 3} for n in range(12)],
    "milestones": [{"title": f"milestone {n}", "due_date": "2027-01-01", "status": "planned"} for n in range(6)],
}
SCRIPTS = {
    "builds data": "stakeholder_reviews = [{'reviewer': name} for name in stakeholders]",
    "calls a function": "sent = notify(manager, 'Review the career path of ' + employee_name)",
}


def _in_process(environment, script, context):
    """The script as it ran before the sandbox: restricted, in this process, with traced time/memory limits."""
    with _Limits(environment.time_limit, environment.memory_limit):
        scope = environment.execute_here(script, context)
    context.update({k: v for k, v in scope.items() if k not in environment.globals and not k.startswith("_")
                    and not callable(v)})


def bench_sandbox(results, rounds=400, say=print):
    """Median cost per script task in-process and in a warm sandbox worker; the difference is what the
    sandbox adds."""
    environment = RestrictedEnvironment({"notify": lambda to, subject, body="": 1})
    environment.execute("warm = 1", dict(DATA))  # start the pool
    figures = {}
    for name, script in SCRIPTS.items():
        here, there = [], []
        for _ in range(rounds):  # interleaved, so both see the same machine
            context = dict(DATA)
            started = time.perf_counter()
            _in_process(environment, script, context)
            here.append((time.perf_counter() - started) * 1000)
            context = dict(DATA)
            started = time.perf_counter()
            environment.execute(script, context)
            there.append((time.perf_counter() - started) * 1000)
        figures[name] = {"in_process": statistics.median(here), "sandboxed": statistics.median(there)}
        figure = figures[name]
        say(f"script task ({name}): in-process {figure['in_process']:.3f} ms, sandboxed {figure['sandboxed']:.3f} ms"
            f" p50, added {figure['sandboxed'] - figure['in_process']:.3f} ms "
            f"({figure['sandboxed'] / figure['in_process']:.1f}x; {rounds} rounds)")
    results["sandbox"] = figures

