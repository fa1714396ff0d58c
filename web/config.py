"""Configuration from environment variables, with defaults that work on a fresh clone."""
import os
import secrets

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the checkout or install root


def _secret_key(instance_path):
    """SECRET_KEY from the environment, else one generated once and kept in instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = os.path.join(instance_path, "secret_key")
    if not os.path.exists(path):
        os.makedirs(instance_path, exist_ok=True)
        with open(path, "w") as handle:
            handle.write(secrets.token_hex(32))
    with open(path) as handle:
        return handle.read().strip()


def database_url(instance_path):
    """DATABASE_URL, defaulting to a SQLite file under instance/."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url.replace("postgres://", "postgresql+psycopg://", 1) if url.startswith("postgres://") else url
    os.makedirs(instance_path, exist_ok=True)
    return "sqlite:///" + os.path.join(instance_path, "pathing.db")


def _switch(name, default):
    """A yes/no setting from the environment (1/true/yes/on or 0/false/no/off, any case); a typo stops the
    start-up rather than silently meaning one or the other."""
    value = (os.environ.get(name) or "").strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name}={os.environ[name]!r} is neither true nor false: write {name}=true or {name}=false.")


def load_config(app):
    """Fill app.config from the environment."""
    app.config.update(
        SECRET_KEY=_secret_key(app.instance_path),
        SQLALCHEMY_DATABASE_URI=database_url(app.instance_path),
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("SESSION_COOKIE_SECURE", "0") == "1",
        REMEMBER_COOKIE_HTTPONLY=True,
        MAX_CONTENT_LENGTH=int(os.environ.get("MAX_CONTENT_LENGTH", 5 * 1024 * 1024)),
        PATHING_PROCESS_KEY=os.environ.get("PATHING_PROCESS_KEY", "career_pathing"),
        PAGE_SIZE=int(os.environ.get("PAGE_SIZE", 25)),
        API_TITLE="Career Pathing API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        WTF_CSRF_TIME_LIMIT=None,
        # Email: off unless MAIL_SERVER is set.
        MAIL_SERVER=os.environ.get("MAIL_SERVER") or None,
        MAIL_PORT=int(os.environ.get("MAIL_PORT", 25)),
        MAIL_SENDER=os.environ.get("MAIL_SENDER", "career-pathing@localhost"),
        MAIL_USERNAME=os.environ.get("MAIL_USERNAME") or None,
        MAIL_PASSWORD=os.environ.get("MAIL_PASSWORD") or None,
        MAIL_STARTTLS=os.environ.get("MAIL_STARTTLS", "0") == "1",
        PATHING_BASE_URL=os.environ.get("PATHING_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        WORKER_INTERVAL=float(os.environ.get("WORKER_INTERVAL", 1.0)),
        # Pilot: require an open cohort to start a path; the feedback form and process.
        PATHING_REQUIRE_COHORT=os.environ.get("PATHING_REQUIRE_COHORT", "0") == "1",
        PILOT_FEEDBACK_FORM=os.environ.get("PILOT_FEEDBACK_FORM", "pilot-feedback"),
        PILOT_FEEDBACK_PROCESS=os.environ.get("PILOT_FEEDBACK_PROCESS", "pilot_feedback"),
        # Analytics are recomputed at most this often (seconds); 0 computes them on every view.
        ANALYTICS_CACHE_SECONDS=int(os.environ.get("ANALYTICS_CACHE_SECONDS", 60)),
        # Login throttling: this many failures per account (or per address) lock it for this many minutes.
        LOGIN_MAX_FAILURES=int(os.environ.get("LOGIN_MAX_FAILURES", 5)),
        LOGIN_MAX_FAILURES_IP=int(os.environ.get("LOGIN_MAX_FAILURES_IP", 50)),
        LOGIN_LOCK_MINUTES=int(os.environ.get("LOGIN_LOCK_MINUTES", 15)),
        # Single sign-on with OpenID Connect: on when OIDC_ISSUER and OIDC_CLIENT_ID are set (web/auth/oidc.py).
        OIDC_ISSUER=os.environ.get("OIDC_ISSUER") or None,
        OIDC_CLIENT_ID=os.environ.get("OIDC_CLIENT_ID") or None,
        OIDC_CLIENT_SECRET=os.environ.get("OIDC_CLIENT_SECRET") or None,
        # The callback address registered at the provider; by default this site's /login/oidc/callback.
        OIDC_REDIRECT_URI=os.environ.get("OIDC_REDIRECT_URI") or None,
        # Usernames and passwords (the login form and HTTP Basic); LOCAL_LOGIN=false leaves single sign-on
        # and API tokens.
        LOCAL_LOGIN=_switch("LOCAL_LOGIN", True),
    )


def mail_settings(config):
    """The engine's MailSettings from the app configuration."""
    from engine.connect.notifications import MailSettings
    return MailSettings(server=config.get("MAIL_SERVER"), port=config.get("MAIL_PORT", 25),
                        sender=config.get("MAIL_SENDER"), username=config.get("MAIL_USERNAME"),
                        password=config.get("MAIL_PASSWORD"), starttls=config.get("MAIL_STARTTLS", False),
                        base_url=config.get("PATHING_BASE_URL", "http://127.0.0.1:5000"))
