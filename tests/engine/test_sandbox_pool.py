"""The sandbox pool: workflow data round-trips, diagram functions run in this process, expressions that could
loop or allocate go to a worker, and a worker that overran is killed and replaced."""
import os
import threading
import time
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from uuid import UUID

import pytest

from engine.scripts.sandbox import codec
from engine.scripts.sandbox.bounded import is_bounded
from engine.scripts.sandbox.pool import SandboxPool, shared_pool
from engine.scripts.restricted import SCRIPT_MEMORY_LIMIT, ScriptError, ScriptLimitExceeded, ScriptTimeout
from engine.scripts.scripting import RestrictedEnvironment

DATA = {
    "when": datetime(2026, 3, 1, 9, 30, tzinfo=timezone.utc), "day": date(2026, 3, 1), "wait": timedelta(days=7),
    "amount": Decimal("12.50"), "ref": UUID("12345678-1234-5678-1234-567812345678"), "pair": (1, "a"),
    "tags": {"x", "y"}, "by_id": {1: "one", 2: {"nested": [date(2026, 1, 1), None, True, 1.5]}},
    "stakeholders": ["sam", "sol"], "review": {"reviewer": "sam", "__sandbox__": "not a tag"},
}


def test_workflow_data_round_trips_through_a_worker():
    context = dict(DATA)
    RestrictedEnvironment().execute("later = when + wait\ncount = len(stakeholders)\ndel pair", context)
    expected = {key: value for key, value in DATA.items() if key != "pair"}
    assert context == {**expected, "later": datetime(2026, 3, 8, 9, 30, tzinfo=timezone.utc), "count": 2}
    assert codec.decode(codec.encode(DATA)) == DATA


def test_functions_run_in_this_process_and_their_failures_are_the_scripts():
    seen = []

    def people(exclude=()):
        seen.append((os.getpid(), threading.get_ident(), list(exclude)))
        return [{"value": "sam", "label": "Sam"}]

    def refuse(name):
        raise LookupError(f"no milestone {name!r}")

    env = RestrictedEnvironment({"people": people, "refuse": refuse})
    context = {}
    env.execute("options = people(exclude=(n for n in ['ada']))", context)
    assert context == {"options": [{"value": "sam", "label": "Sam"}]}
    assert seen == [(os.getpid(), threading.get_ident(), ["ada"])]  # a generator arrives as the list it yields
    with pytest.raises(LookupError, match="no milestone 'x'"):
        env.execute("refuse('x')", {})
    caught = {}
    env.execute("try:\n    refuse('y')\nexcept Exception as e:\n    message = str(e)", caught)
    assert caught == {"message": "no milestone 'y'"}


def test_values_workflow_data_cannot_hold_are_refused_with_a_message():
    with pytest.raises(ScriptError, match="range cannot be kept in workflow data"):
        RestrictedEnvironment().execute("numbers = range(3)", {})


def test_plain_expressions_stay_in_process_and_the_rest_go_to_a_worker(monkeypatch):
    for plain in ("decision == 'revise'", "approved and not vip", "amount > 100", "len(stakeholders) > 0",
                  "review.reviewer", "items[0]", "a + b * 2", "people(exclude=[employee])"):
        assert is_bounded(plain), plain
    for costly in ("'%800000000d' % 1", "f'{x:>800000000}'", "name.ljust(800000000)", "s.replace('x', s)",
                   "','.join(items)", "[i for i in items]", "(lambda: 1)()", "2 ** 100", "1 << 10", "range(9)"):
        assert not is_bounded(costly), costly

    def no_worker(*args):
        raise AssertionError("a plain expression went to the sandbox")

    monkeypatch.setattr(SandboxPool, "run", no_worker)
    assert RestrictedEnvironment().evaluate("${decision == 'revise'}", {"decision": "revise"}) is True


def test_a_condition_that_allocates_is_stopped_in_its_worker():
    env = RestrictedEnvironment()
    started = time.monotonic()
    with pytest.raises(ScriptLimitExceeded, match="256 MB of memory"):
        env.evaluate("len('%800000000d' % 1) > 0", {})
    assert time.monotonic() - started < 1
    assert env.evaluate("count % 2 == 1", {"count": 3}) is True
    assert env.evaluate("range(count)", {"count": 3}) == [0, 1, 2]  # a collection arrives as a list


def test_a_worker_that_overruns_is_killed_and_replaced():
    pool = shared_pool(SCRIPT_MEMORY_LIMIT)
    RestrictedEnvironment().execute("x = 1", {})  # the pool is started
    before = {worker.process.pid for worker in pool._idle}
    with pytest.raises(ScriptTimeout, match="longer than 0.3 seconds"):
        RestrictedEnvironment(time_limit=0.3).execute("x = 3\n" + "x = x * x\n" * 40, {})
    gone = before - {worker.process.pid for worker in pool._idle}
    assert len(gone) == 1 and not os.path.exists(f"/proc/{gone.pop()}/status")
    deadline = time.monotonic() + 10
    while len(pool._idle) < pool.size and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(pool._idle) == pool.size  # the replacement is warm
    assert RestrictedEnvironment().evaluate("[x * 2 for x in n]", {"n": [1, 2]}) == [2, 4]
