"""Single sign-on with OpenID Connect, through Authlib's Flask client.

Set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET and the login page offers
"Sign in with single sign-on". The provider is found from its discovery document
(issuer + /.well-known/openid-configuration); the login is the authorization code
flow with PKCE (S256), a state and a nonce, and Authlib validates the ID token
(signature, issuer, audience, expiry, nonce). The person is the one active
directory entry whose email matches the provider's (case-insensitive): someone
unknown or switched off gets a page that says so, and no session.
"""
import logging

import requests
from authlib.integrations.flask_client import OAuth, OAuthError
from joserfc.errors import JoseError
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user

from engine.errors import DomainError, NotFound
from engine.directory.sign_in import SignInRefused, person_for_email

from ..extensions import db
from .next_page import safe_next

bp = Blueprint("oidc", __name__, template_folder="templates")
log = logging.getLogger(__name__)

CLIENT = "oidc"
SCOPE = "openid email profile"
# Where the person was going when they pressed the button (kept in the session across the provider's pages).
NEXT_KEY = "oidc_next"
# Seconds to wait for the provider's discovery document, keys, token and userinfo endpoints.
PROVIDER_TIMEOUT = 10


class SignInFailed(DomainError):
    """The sign-in did not come back from the identity provider in a form that can be trusted."""

    status = 400
    code = "sign_in_failed"
    title = "Single sign-on did not work"


class ProviderUnavailable(SignInFailed):
    """The identity provider did not answer, or answered with something other than OpenID Connect."""

    status = 502
    code = "identity_provider_unavailable"


def single_sign_on_enabled(app=None):
    """True when an identity provider is configured (OIDC_ISSUER and OIDC_CLIENT_ID)."""
    config = (app or current_app).config
    return bool(config.get("OIDC_ISSUER") and config.get("OIDC_CLIENT_ID"))


def discovery_url(issuer):
    """The provider's OpenID Connect discovery document: issuer + /.well-known/openid-configuration."""
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def init_app(app):
    """Register the identity provider with Authlib when it is configured; the discovery document is read
    on the first sign-in, so the app starts even while the provider is down."""
    if not single_sign_on_enabled(app):
        return
    oauth = OAuth(app)
    oauth.register(CLIENT, client_id=app.config["OIDC_CLIENT_ID"], client_secret=app.config.get("OIDC_CLIENT_SECRET"),
                   server_metadata_url=discovery_url(app.config["OIDC_ISSUER"]),
                   client_kwargs={"scope": SCOPE, "code_challenge_method": "S256",
                                  "default_timeout": PROVIDER_TIMEOUT})


def _client():
    """Authlib's client for the configured provider; 404 when single sign-on is not set up here."""
    oauth = current_app.extensions.get("authlib.integrations.flask_client")
    if oauth is None or not single_sign_on_enabled():
        raise NotFound("Single sign-on is not set up on this server: log in with your username and password.")
    return oauth.create_client(CLIENT)


def _provider_metadata(client):
    """The discovery document, checked to name the configured issuer (as OpenID Connect Discovery requires)."""
    issuer = current_app.config["OIDC_ISSUER"]
    try:
        metadata = client.load_server_metadata()
    except (requests.RequestException, ValueError) as exc:
        log.warning("single sign-on: discovery document %s unavailable: %s", discovery_url(issuer), exc)
        raise ProviderUnavailable(f"The identity provider at {issuer} did not answer with its discovery "
                                  f"document. Try again in a few minutes; if it keeps failing, tell your IT "
                                  f"team (OIDC_ISSUER may be wrong).") from None
    named = metadata.get("issuer")
    if named != issuer:
        client.server_metadata.clear()  # read it again next time, once the setting is fixed
        raise ProviderUnavailable(f"The identity provider's discovery document names the issuer {named!r}, not "
                                  f"{issuer!r}: OIDC_ISSUER must be exactly the issuer. Tell your IT team.")
    return metadata


def redirect_uri():
    """The callback address the provider sends people back to (register it at the provider)."""
    return current_app.config.get("OIDC_REDIRECT_URI") or url_for("oidc.callback", _external=True)


@bp.route("/login/oidc", methods=["POST"])
def login():
    """Send the person to the identity provider (authorization code flow with PKCE)."""
    if current_user.is_authenticated:
        return redirect(url_for("tasks.inbox"))
    client = _client()
    _provider_metadata(client)
    session[NEXT_KEY] = safe_next(request.args.get("next"))
    try:
        return client.authorize_redirect(redirect_uri())
    except requests.RequestException:
        raise ProviderUnavailable("The identity provider did not answer. Try again in a few minutes.") from None


@bp.route("/login/oidc/callback")
def callback():
    """Where the identity provider sends the person back: check the answer, find them in the directory,
    log them in; someone unknown or switched off gets a page saying so and no session."""
    if current_user.is_authenticated:
        return redirect(url_for("tasks.inbox"))
    client = _client()
    next_page = safe_next(session.pop(NEXT_KEY, None))
    try:
        email = _signed_in_email(client)
        person = person_for_email(db.session, email)
    except SignInRefused as refusal:
        log.warning("single sign-on refused: %s", refusal.message)
        return _refusal_page(refusal)
    except SignInFailed as failure:
        log.warning("single sign-on failed: %s", failure.message)
        return _refusal_page(failure)
    login_user(person)
    log.info("login by single sign-on: %s (%s)", person.username, email)
    flash(f"Welcome, {person.name}.", "success")
    return redirect(next_page)


def _signed_in_email(client):
    """The email address the provider vouches for, from the validated ID token or else its userinfo
    endpoint (for the same subject)."""
    if request.args.get("error"):
        client.framework.clear_state_data(session, request.args.get("state"))
        reason = request.args.get("error_description") or request.args["error"]
        raise SignInRefused(f"The identity provider did not sign you in ({reason}). Go back to the login page "
                            f"to try again.")
    _provider_metadata(client)
    try:
        token = client.authorize_access_token()
        claims = token.get("userinfo")
        if not claims:
            raise SignInFailed("The identity provider sent no ID token, so the sign-in cannot be trusted. Tell "
                               "your IT team: Career Pathing needs an OpenID Connect client, not plain OAuth.")
        if not claims.get("email"):
            extra = client.userinfo(token=token)
            if extra.get("sub") != claims.get("sub"):
                raise SignInFailed("The identity provider described someone else than the person it signed in. "
                                   "Go back to the login page and try again.")
            claims = {**extra, **claims}
    except OAuthError as exc:
        log.info("single sign-on: provider answer refused: %s", exc)
        raise SignInFailed("The sign-in could not be checked: it may have taken too long, been started in "
                           "another browser or tab, or been used already. Go back to the login page and "
                           "press \u201cSign in with single sign-on\u201d again.") from None
    except JoseError as exc:
        log.warning("single sign-on: ID token refused: %s", exc)
        raise SignInFailed("The identity provider's ID token did not pass the checks (signature, issuer, "
                           "audience, time or nonce), so nobody was signed in. Go back to the login page and "
                           "try again; if it keeps failing, tell your IT team.") from None
    except requests.RequestException as exc:
        log.warning("single sign-on: provider did not answer: %s", exc)
        raise ProviderUnavailable("The identity provider did not answer while finishing the sign-in. Try "
                                  "again in a few minutes.") from None
    if claims.get("email_verified") is False:
        raise SignInRefused(f"Your identity provider says the email address {claims.get('email')} is not "
                            f"verified, so Career Pathing cannot rely on it. Verify it there, or ask your IT "
                            f"team, then sign in again.")
    return claims.get("email")


def _refusal_page(error):
    """The page for a sign-in that did not log anyone in, with the reason and the way back."""
    return render_template("auth/sign_in_refused.html", title=error.title, message=error.message), error.status
