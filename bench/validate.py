"""How long `pathing validate` takes over many files (target: 800 files in under 10 s).

    .venv/bin/python bench/validate.py          # 800 files
    BENCH_FILES=200 .venv/bin/python bench/validate.py

The files are copies of the shared corpus (../shared/corpus, when present), the
shipped processes and forms, and the test corpus (tests/corpus), renamed so that
every copy is a file of its own, until there are BENCH_FILES of them. It times the
command as a user runs it (a new process, no database), then the checking alone
in this process, and prints seconds and files per second. Not a test: the
figures depend on the machine (wall time most: on a busy 2-core machine it is up to
three times the CPU time, which is printed beside it).
"""
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

FILES = int(os.environ.get("BENCH_FILES", 800))
TARGET_S = 10.0


def shared_corpus():
    """../shared/corpus next to the project (looked for in the folders above it, for work trees), or None."""
    folder = ROOT
    while os.path.dirname(folder) != folder:
        folder = os.path.dirname(folder)
        candidate = os.path.join(folder, "shared", "corpus")
        if os.path.isdir(candidate):
            return candidate
    return None


def sources():
    """The files to copy from: every .bpmn, .dmn and .form we can find."""
    folders = [shared_corpus() or "", os.path.join(ROOT, "processes"),
               os.path.join(ROOT, "forms"), os.path.join(ROOT, "tests", "corpus")]
    found = []
    for folder in folders:
        for root, _dirs, names in os.walk(folder):
            found.extend(os.path.join(root, name) for name in sorted(names)
                         if name.endswith((".bpmn", ".dmn", ".form")))
    return found


def fill(directory, count):
    """Copy the sources into `directory` until it holds `count` files."""
    originals = sources()
    for index in range(count):
        source = originals[index % len(originals)]
        stem, ext = os.path.splitext(os.path.basename(source))
        shutil.copyfile(source, os.path.join(directory, f"{index:04d}-{stem}{ext}"))
    return len(originals)


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main():
    directory = tempfile.mkdtemp(prefix="bench-validate-")
    try:
        distinct = fill(directory, FILES)
        env = dict(os.environ, DATABASE_URL="sqlite:///" + os.path.join(directory, "none.db"),
                   PATHING_INSTANCE=directory)
        command = [os.path.join(os.path.dirname(sys.executable), "pathing"), "validate", directory]
        started, cpu_before = time.perf_counter(), _children_cpu()
        completed = subprocess.run(command, env=env, capture_output=True, text=True)
        command_s, command_cpu = time.perf_counter() - started, _children_cpu() - cpu_before
        lines = completed.stdout.count("\n")

        from engine.diagrams.batch import check_each
        from engine.diagrams.deployment import read_each
        started = time.perf_counter()
        result = check_each(read_each([directory], as_given=True))
        checking_s = time.perf_counter() - started
        print(f"validate {FILES} files ({distinct} distinct sources): `pathing validate` {command_s:.2f} s "
              f"wall, {command_cpu:.2f} s CPU (exit {completed.returncode}, {lines} lines), checking alone {checking_s:.2f} s "
              f"({FILES / checking_s:.0f} files/s, {1000 * checking_s / FILES:.1f} ms a file); "
              f"{result.answered} answered; target under {TARGET_S:.0f} s: "
              f"{'met' if command_s < TARGET_S else 'NOT met'}")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
