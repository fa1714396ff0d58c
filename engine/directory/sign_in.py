"""Who a person who signed in at the company's identity provider is here: the one active person in the
directory with that email address. Someone the directory does not know, or knows as switched off, is
refused in plain words (and nobody is logged in)."""
import sqlalchemy as sa

from ..errors import Forbidden
from ..store.models import User


class SignInRefused(Forbidden):
    """The identity provider vouched for someone this directory does not let in."""

    code = "sign_in_refused"
    title = "You cannot sign in to Career Pathing"


def person_for_email(session, email):
    """The active person whose directory email is `email`, compared without regard to case; raises
    SignInRefused when nobody has it, when only a switched-off account has it, or when several people do."""
    address = (email or "").strip()
    if not address:
        raise SignInRefused("Your identity provider did not tell Career Pathing your email address, so it "
                            "cannot tell who you are. Ask your IT team to release the email address to "
                            "Career Pathing at sign-in.")
    people = session.scalars(sa.select(User).where(sa.func.lower(User.email) == address.lower())
                             .order_by(User.id)).all()
    active = [person for person in people if person.active]
    if len(active) == 1:
        return active[0]
    if len(active) > 1:
        names = ", ".join(person.username for person in active)
        raise SignInRefused(f"Several people in the directory have the email address {address} ({names}), so "
                            f"Career Pathing cannot tell which one you are. Ask an administrator to give each "
                            f"person their own address on Admin › People.")
    if people:
        raise SignInRefused(f"The account for {address} is switched off in Career Pathing. If you should "
                            f"still have access, ask HR or an administrator to switch it on again.")
    raise SignInRefused(f"Nobody with the email address {address} is in Career Pathing's directory. Ask HR or "
                        f"an administrator to add you, then sign in again.")
