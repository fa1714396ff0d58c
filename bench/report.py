"""The closing table: each figure beside its target, with the ratio that decides."""


def percentile(values, share):
    """The value below which `share` of the values lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def print_table(results):
    rows = []
    engine = results.get("engine_ms")
    http = results.get("http")
    if engine and http:
        rows.append(("HTTP completion p50 / engine floor", f"{http['single_p50']:.1f} ms / {engine:.2f} ms",
                     f"{http['single_p50'] / engine:.1f}x", "<= 4x", http["single_p50"] / engine <= 4))
        base = http["health_p50"] + engine  # any request's floor plus the engine's own work
        rows.append(("HTTP completion p50 / (GET /health + engine floor)",
                     f"{http['single_p50']:.1f} ms / {base:.2f} ms", f"{http['single_p50'] / base:.1f}x", "<= 2.5x",
                     http["single_p50"] / base <= 2.5))
        rows.append(("completions per second (8 clients)", f"{http['per_second']:.0f}/s", "", ">= 150/s",
                     http["per_second"] >= 150))
        rows.append(("  for scale: GET /health p50 (HTTP + 1 query)", f"{http['health_p50']:.2f} ms",
                     f"{http['health_p50'] / engine:.1f}x", "", None))
    for name, figure in (results.get("pages") or {}).items():
        rows.append((f"{name} p95 ({results['history']['paths']} paths, {results['history']['tasks']} tasks)",
                     f"{figure['p95']:.1f} ms", "", "<= 50 ms", figure["p95"] <= 50))
    for name, figure in (results.get("engine_rest") or {}).items():
        floor = name.startswith("version")
        rows.append((f"/engine-rest {name} p95", f"{figure['p95']:.1f} ms", "", "" if floor else "<= 50 ms",
                     None if floor else figure["p95"] <= 50))
    state = results.get("state") or {}
    if 10 in state and 1 in state:
        rows.append(("state growth per revise round (round 10)", f"{state[10]['per_round'] / 1024:.1f} KB", "",
                     "<= 2 KB + typed text", state[10]["per_round"] <= 2048 + 200))
        ratio = state[10]["approve_ms"] / state[1]["approve_ms"]
        rows.append(("completion time round 10 / round 1",
                     f"{state[10]['approve_ms']:.1f} / {state[1]['approve_ms']:.1f} ms", f"{ratio:.2f}x", "<= 1.2x",
                     ratio <= 1.2))
    timers = results.get("timers")
    if timers and timers.get("p95") is not None:
        rows.append((f"timer lateness p95 ({timers['count']} timers, 2 workers)", f"{timers['p95']:.2f} s", "",
                     "<= 2 s", timers["p95"] <= 2))
    for name, figure in (results.get("sandbox") or {}).items():
        added = figure["sandboxed"] - figure["in_process"]
        rows.append((f"script task ({name}): added by the sandbox p50", f"{added:.2f} ms",
                     f"{figure['sandboxed'] / figure['in_process']:.1f}x", "<= 2 ms (warm pool)", added <= 2))
    workers = results.get("workers")
    if workers:
        rows.append((f"inbox p95 with {workers['waiting']} long-polling workers", f"{workers['busy_p95']:.1f} ms",
                     f"{workers['busy_p95'] / workers['alone_p95']:.2f}x", "<= 50 ms", workers["busy_p95"] <= 50))
    credentials = results.get("credentials")
    if credentials:
        token = credentials["bearer token"]["p50"]
        for name, figure in credentials.items():
            rows.append((f"/engine-rest/version p50, {name}", f"{figure['p50']:.2f} ms", f"{figure['p50'] / token:.1f}x",
                         "about 1x the token" if name == "HTTP Basic, check remembered" else "",
                         figure["p50"] <= 1.5 * token if name == "HTTP Basic, check remembered" else None))
    people = results.get("people_import")
    if people:
        rows.append((f"people import, {people['people']} new (pathing people import)", f"{people['first_s']:.2f} s",
                     "", "<= 30 s", people["first_s"] <= 30))
        rows.append(("  the same file again (changes nothing)", f"{people['again_s']:.2f} s", "", "", None))
        rows.append((f"  {people['moved']} new managers of running paths / {people['moved']} leavers",
                     f"{people['moved_s']:.2f} / {people['leaving_s']:.2f} s", "", "", None))
    deploy = results.get("deploy")
    if deploy:
        rows.append(("deploy shipped process (incl. migrate, seed)", f"{deploy['shipped_s']:.2f} s", "", "", None))
        rows.append((f"validate corpus ({deploy['corpus_files']} files)", f"{deploy['corpus_s']:.2f} s", "", "", None))
    width = max(len(row[0]) for row in rows) + 2
    print()
    print(f"{'benchmark':<{width}}{'measured':>26}{'ratio':>9}  {'target':<22}met")
    for name, measured, ratio, target, met in rows:
        verdict = "" if met is None else ("yes" if met else "NO")
        print(f"{name:<{width}}{measured:>26}{ratio:>9}  {target:<22}{verdict}")
