"""What an /engine-rest request costs by how it authenticates: HTTP Basic (a password check remembered for a
minute, web/auth/verified_credentials.py), HTTP Basic with every request hashed (the cache off, as before it),
and a bearer token.

    .venv/bin/python bench/credentials.py            # SQLite in a temporary folder, 300 requests each
    BENCH_REQUESTS=1000 .venv/bin/python bench/credentials.py
    BENCH_URL=postgresql+psycopg://postgres@127.0.0.1:5432/somedb .venv/bin/python bench/credentials.py

Passwords are hashed as in production (werkzeug's default, scrypt). Requests go through the Flask test client
in this process (no HTTP server), `GET /engine-rest/version`: the credentials check and nothing else, one kept
user, interleaved so a slower moment of the machine weighs on each alike. `make bench` runs it too
(`BENCH_ONLY=credentials`), on its PostgreSQL database. Not a test: figures depend on the machine.
"""
import base64
import hashlib
import os
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from bench.report import percentile  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_REQUESTS", 300))
WARM_UP = 10


def _account(app):
    """A worker-like account with a production password hash and a bearer token; returns (basic, bearer)."""
    import sqlalchemy as sa
    from engine.store.models import ApiToken, User
    from web.auth import hash_password
    from web.extensions import db
    with app.app_context():
        user = db.session.scalars(sa.select(User).where(User.username == "bench-worker")).first()
        if user is None:
            user = User(username="bench-worker", name="Bench worker")
            db.session.add(user)
        user.password_hash, user.active = hash_password("bench-secret"), True
        token = f"bench-credentials-{time.time_ns()}"
        db.session.flush()
        db.session.add(ApiToken(user_id=user.id, name="bench", token_hash=hashlib.sha256(token.encode()).hexdigest()))
        db.session.commit()
    basic = "Basic " + base64.b64encode(b"bench-worker:bench-secret").decode()
    return basic, f"Bearer {token}"


def bench_credentials(app, results, requests=REQUESTS, say=print):
    """p50/p95 of GET /engine-rest/version with Basic (remembered), Basic (hashed every time) and a bearer
    token; stores {"credentials": {label: {"p50", "p95"}}} in `results`."""
    from web.auth.verified_credentials import VerifiedCredentials, verified_credentials
    basic, bearer = _account(app)
    client = app.test_client()
    with app.app_context():
        remembered = verified_credentials(app)
    hashed = VerifiedCredentials(app.secret_key, 0)
    ways = {"HTTP Basic, check remembered": (basic, remembered), "HTTP Basic, hashed every request": (basic, hashed),
            "bearer token": (bearer, remembered)}
    timings = {label: [] for label in ways}
    for index in range(requests + WARM_UP):
        for label, (header, store) in ways.items():
            app.extensions["verified_credentials"] = store
            started = time.perf_counter()
            response = client.get("/engine-rest/version", headers={"Authorization": header})
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, (label, response.status_code, response.get_data(as_text=True))
            if index >= WARM_UP:
                timings[label].append(elapsed)
    app.extensions["verified_credentials"] = remembered
    figures = {label: {"p50": statistics.median(values), "p95": percentile(values, 0.95)}
               for label, values in timings.items()}
    token = figures["bearer token"]["p50"]
    for label, figure in figures.items():
        say(f"credentials {label}: p50 {figure['p50']:.2f} ms, p95 {figure['p95']:.2f} ms "
            f"({figure['p50'] / token:.1f}x the bearer token's p50; {requests} requests)")
    results["credentials"] = figures
    return figures


def main():
    from web import create_app
    url = os.environ.get("BENCH_URL")
    folder = tempfile.mkdtemp(prefix="bench-credentials-")
    os.environ.setdefault("PATHING_INSTANCE", folder)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url or "sqlite:///" + os.path.join(folder, "bench.db")})
    from flask_migrate import upgrade
    with app.app_context():
        upgrade(directory=os.path.join(ROOT, "migrations"))
    bench_credentials(app, {})


if __name__ == "__main__":
    main()
