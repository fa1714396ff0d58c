"""Scripts of different diagram elements do not starve each other in the sandbox pool: a script running long on
many paths at once holds at most all workers but one, and a trivial script of another path runs meanwhile.

The "heavy" scripts here hold their worker until the test lets them go (they call a diagram function, which
runs in this process and waits), so what is shown is an order of events, not a timing: the trivial script
finishes while every heavy one is still holding or waiting for a worker."""
import threading

import pytest

from engine.scripts.sandbox import pool as sandbox_pool
from engine.scripts.sandbox.pool import SandboxPool
from engine.scripts.scripting import RestrictedEnvironment

WAIT = 60  # seconds any step below may take on a busy machine before the test gives up (never reached when it passes)


@pytest.fixture
def pool(monkeypatch):
    """Scripts run in a pool of 2 workers of their own (the default size)."""
    own = SandboxPool(size=2)
    monkeypatch.setattr(sandbox_pool, "shared_pool", lambda memory_limit=None: own)
    yield own
    own.close()


class HeavyScripts:
    """`count` runs of one script (of one diagram element) on different paths, each holding its worker until
    `release()`."""

    def __init__(self, count, script="result = hold(path)"):
        self.script = script
        self.holding, self.released, self.done = [], threading.Event(), []
        self.first_holds = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(path,), daemon=True) for path in range(count)]

    def _hold(self, path):
        self.holding.append(path)
        self.first_holds.set()
        assert self.released.wait(WAIT)
        return path

    def _run(self, path):
        context = {"path": path}
        RestrictedEnvironment({"hold": self._hold}, time_limit=WAIT).execute(self.script, context)
        self.done.append(context["result"])

    def start(self):
        for thread in self.threads:
            thread.start()
        assert self.first_holds.wait(WAIT), "no heavy script got a worker"

    def release(self):
        self.released.set()
        for thread in self.threads:
            thread.join(WAIT)


def test_a_trivial_script_of_another_path_runs_while_heavy_ones_hold_the_pool(pool):
    heavy = HeavyScripts(4)
    heavy.start()
    trivial = {}
    runner = threading.Thread(target=RestrictedEnvironment().execute, args=("total = sum([1, 2, 3])", trivial),
                              daemon=True)
    try:
        runner.start()
        runner.join(WAIT)
        assert trivial.get("total") == 6, "the trivial script waited behind the heavy ones"
        assert not heavy.released.is_set() and len(heavy.holding) == 1  # one worker was kept for others
    finally:
        heavy.release()
    assert sorted(heavy.done) == [0, 1, 2, 3]  # every heavy script ran, one at a time


def test_a_freed_worker_goes_to_the_script_whose_element_holds_fewest(pool):
    first, second = HeavyScripts(2), HeavyScripts(1, script="result = hold(path) + 0")
    first.start()  # one holds a worker, the other waits for a share of its own
    waiting_first = len(first.holding)
    second.threads[0].start()
    assert second.first_holds.wait(WAIT)  # the other element takes the reserved worker, although it came later
    assert waiting_first == 1 and len(first.holding) == 1
    second.release()
    first.release()
    assert sorted(first.done) == [0, 1] and second.done == [0]
