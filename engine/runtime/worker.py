"""The timer worker: fires due timers path by path, sends pending emails and webhook deliveries.

Each due path is claimed with `SELECT ... FOR UPDATE SKIP LOCKED` on PostgreSQL,
so several workers share the load and never fire the same timer twice; on SQLite
the instance's version check gives the same guarantee (the loser rolls back).
One transaction per path: a failing path gets an incident and the others go on.
"""
import logging
import threading

import sqlalchemy as sa

from engine.errors import ConcurrentChange, IncidentRaised
from engine.store.models import ProcessInstance, utcnow
from engine.connect.notifications import deliver_emails
from engine.runtime.runner import Runtime, for_change
from engine.connect.webhooks import deliver_webhooks

log = logging.getLogger(__name__)


def claim_due_instance(session, now, skip=()):
    """The running path whose next timer is the most overdue, locked for this worker and read fresh with its
    version and employee (None if there is none)."""
    query = for_change(sa.select(ProcessInstance)
                       .where(ProcessInstance.status == "running", ProcessInstance.next_timer_at <= now)
                       .order_by(ProcessInstance.next_timer_at, ProcessInstance.id).limit(1), skip_locked=True)
    if skip:
        query = query.where(ProcessInstance.id.notin_(skip))
    return session.scalars(query).first()


def fire_due_timers(session, clock=utcnow, limit=500):
    """Fire every due timer (at most `limit` paths), committing per path; returns the ids of fired paths."""
    fired, skip = [], []
    while len(fired) + len(skip) < limit:
        instance = claim_due_instance(session, clock(), skip)
        if instance is None:
            session.rollback()
            break
        instance_id = instance.id
        try:
            Runtime(session, clock).fire_timers(instance)
            session.commit()
            fired.append(instance_id)
        except ConcurrentChange:
            session.rollback()  # another worker fired it first
            skip.append(instance_id)
        except IncidentRaised as exc:
            session.rollback()
            Runtime(session, clock).record_incident(instance_id, exc.errors.get("element_id"), exc.message)
            session.commit()
            skip.append(instance_id)
    return fired


def tick(session, mail_settings, clock=utcnow):
    """One round of work: due timers, pending emails, then due webhook deliveries. Returns (paths fired,
    emails sent)."""
    fired = fire_due_timers(session, clock)
    sent = deliver_emails(session, mail_settings, now=clock())
    session.commit()
    deliver_webhooks(session, now=clock())
    return len(fired), sent


def run_forever(session_factory, mail_settings, interval=1.0, stop=None):
    """Poll every `interval` seconds until `stop` (a threading.Event) is set; errors are logged, never fatal."""
    stop = stop or threading.Event()
    while not stop.is_set():
        session = session_factory()
        try:
            tick(session, mail_settings)
        except sa.exc.SQLAlchemyError:
            log.exception("timer worker: database error; retrying in %s s", interval)
            session.rollback()
        finally:
            session.close()
        stop.wait(interval)


def start_thread(session_factory, mail_settings, interval=1.0):
    """The worker embedded in `pathing serve`: a daemon thread; returns (thread, stop event)."""
    stop = threading.Event()
    thread = threading.Thread(target=run_forever, args=(session_factory, mail_settings, interval, stop),
                              name="pathing-timer-worker", daemon=True)
    thread.start()
    return thread, stop


