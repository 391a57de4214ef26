"""Send notifications: stored for the in-app list, then e-mailed.

E-mail goes through SMTP when ``MAIL_SERVER`` is set; otherwise each message is
written as an ``.eml`` file to ``instance/outbox/`` so a developer can read it.
Each e-mail has a plain-text part and an HTML one (one column, readable on a
phone); a notice may add, per reader, facts and action links (:class:`EmailParts`).
A notification is identified by ``(user, key)``: sending the same key twice
does nothing the second time, which makes scheduled jobs idempotent.

Each notification is written in its recipient's language (``User.language``):
its subject and body are given as a ``lazy_gettext(...)`` string or a function of
no argument, evaluated under ``force_locale`` once per recipient, and the e-mail
around them (greeting, links, footer) is rendered in that language too.
"""

from __future__ import annotations

import email.policy
import logging
import smtplib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import current_app
from flask_babel import force_locale, gettext, lazy_gettext
from flask_babel.speaklater import LazyString
from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import contains_eager

from gic import timeutil
from gic.enums import Language
from gic.errors import InvalidField, NotFound
from gic.extensions import db
from gic.formatting import french_spacing, long_date
from gic.models import Role, User
from gic.notifications.models import Notification
from gic.standins.access import with_standins

log = logging.getLogger(__name__)
READABLE = email.policy.default.clone(utf8=True)  # .eml files of the development outbox
_EMAIL_HELD: ContextVar[bool] = ContextVar("notifications_email_held", default=False)


# A text written for its reader: a plain string (the same for everyone), a lazy
# string (``lazy_gettext("… %(x)s", x=…)``) or a function giving the text; the last
# two are evaluated in each recipient's language (:func:`in_language`).
Text = str | LazyString | Callable[[], str]


def each_reader(make: Callable[[], tuple[str, str]]) -> tuple[Text, Text]:
    """``subject`` and ``body`` for :func:`notify` from one function writing both
    (``functools.partial(_texts, …)`` with ``gettext`` inside): called in each
    recipient's language."""
    return (lambda: make()[0]), (lambda: make()[1])


def language_of(user) -> str:
    """The language a person reads GIC in (French for anyone without a choice)."""
    language = getattr(user, "language", None)
    return (language.value if isinstance(language, Language) else language) or "fr"


def written(text: Text) -> str:
    """``text`` as a string, in the current language (see :data:`Text`)."""
    if isinstance(text, str):
        return text
    return text() if callable(text) else str(text)


@dataclass(frozen=True)
class EmailParts:
    """What one reader's e-mail adds to its notification, never stored with it:
    ``facts`` (label, value) such as the establishments and the minutes at stake,
    ``actions`` (label, full URL, ``"danger"`` or ``""``): personal signed links,
    and a ``note`` under them."""

    facts: tuple[tuple[str, str], ...] = ()
    actions: tuple[tuple[str, str, str], ...] = ()
    note: str = ""


def notify(users: Iterable[User], *, kind: str, key: str, subject: Text, body: Text,
           link: str | None = None, actor: User | None = None,
           parts: Callable[[User], EmailParts] | None = None) -> list[Notification]:
    """Notify each active user once per ``key``; returns the new notifications.

    A director's stand-in in force gets a copy, marked « (suppléance de …) »
    (:func:`gic.standins.access.with_standins`), unless he is ``actor``.
    Commits. Users who chose the app only on their profile get no e-mail;
    ``parts(user)`` gives what his e-mail adds (made when it leaves, in his language).
    ``subject`` and ``body`` are written for each recipient in his language
    (:data:`Text`: pass ``lazy_gettext(…)`` or a function, not an f-string).
    E-mail failures are logged, never raised: the in-app notification is what
    counts, and a mail server being down must not undo a workflow step (nor hold
    the page: after one failure the batch's other e-mails are not tried).
    """
    people = [(user, standin) for user, standin in with_standins(users, actor) if user.active]
    if not people:
        return []
    told = set(db.session.scalars(select(Notification.user_id).where(
        Notification.user_id.in_([user.id for user, _ in people]), Notification.key == key)))
    created = []
    for user, standin in people:
        if user.id in told:
            continue
        language = language_of(user)
        with force_locale(language):
            text, title = written(body), written(subject)
            if standin is not None:
                title = gettext("%(subject)s (suppléance de %(name)s)", subject=title,
                                name=standin.director.name)
                text = gettext("Message adressé à %(name)s : vous le recevez en suppléance de "
                               "la direction de %(establishment)s (jusqu'au %(day)s).\n\n"
                               "%(body)s", name=standin.director.name,
                               establishment=standin.establishment.name,
                               day=long_date(standin.ends_on, language), body=text)
        created.append(Notification(groupement_id=user.groupement_id, user_id=user.id,
                                    kind=kind, key=key[:200], subject=title[:300], body=text,
                                    link=link))
    if not created:
        return []
    db.session.add_all(created)
    db.session.flush()
    ids = [n.id for n in created]
    db.session.commit()
    if _EMAIL_HELD.get():
        return created
    # The commit expired them: one query reads them back with their readers.
    outgoing = db.session.scalars(
        select(Notification).join(Notification.user).options(contains_eager(Notification.user))
        .where(Notification.id.in_(ids), User.notify_by_email.is_(True))
        .order_by(Notification.id)).all()
    sent = []
    for n in outgoing:
        try:
            with force_locale(language_of(n.user)):
                send_email(n, parts(n.user) if parts else None)
        except Exception:  # noqa: BLE001 - logged; the in-app notification stays
            # The mail server is down or refuses: the others would wait as long
            # (10 s each), and the page must answer. They stay in the app.
            log.exception("e-mail of notification %s failed; the next ones of this "
                          "batch are not tried", n.id)
            break
        sent.append(n.id)
    if sent:
        db.session.execute(update(Notification).where(Notification.id.in_(sent))
                           .values(emailed_at=timeutil.utcnow()))
        db.session.commit()
    return created


@contextmanager
def in_app_only() -> Iterator[None]:
    """Within the block, notifications are stored for the app but not e-mailed.

    For the demo, which replays years of requests at install: their news belong
    in the notification lists, not in a hundred e-mails to made-up addresses.
    """
    token = _EMAIL_HELD.set(True)
    try:
        yield
    finally:
        _EMAIL_HELD.reset(token)


def directors_of(groupement_id: int, establishment_ids: Iterable[int] | None = None) -> list[User]:
    """Active directors of a groupement (optionally of some establishments)."""
    stmt = select(User).where(User.groupement_id == groupement_id, User.role == Role.DIRECTOR,
                              User.active.is_(True))
    if establishment_ids is not None:
        stmt = stmt.where(User.establishment_id.in_(list(establishment_ids)))
    return list(db.session.scalars(stmt.order_by(User.id)))


def users_with_role(groupement_id: int, role: Role) -> list[User]:
    """Active users of one role in a groupement (e.g. its coordinators)."""
    return list(db.session.scalars(select(User).where(
        User.groupement_id == groupement_id, User.role == role, User.active.is_(True))
        .order_by(User.id)))


def link_for(endpoint: str, **values) -> str:
    """The path of a page (``/billing/2026``) for a notification's link, also
    outside a request (scheduled jobs): e-mails prefix it with ``PUBLIC_URL``."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def public_link(endpoint: str, **values) -> str:
    """The full address of a page, on ``PUBLIC_URL`` (never the request's Host
    header, which a client chooses): e-mails, invitations."""
    return current_app.config.get("PUBLIC_URL", "").rstrip("/") + link_for(endpoint, **values)


# --- Each user's choice -----------------------------------------------------------

# How a user is notified, as chosen on his profile: stored as ``User.notify_by_email``.
CHANNELS = {"email": lazy_gettext("Par e-mail et dans GIC"),
            "app": lazy_gettext("Dans GIC seulement, sans e-mail")}


def channel_of(user: User) -> str:
    """``email`` or ``app``: the user's choice (``email`` unless he chose otherwise)."""
    return "email" if user.notify_by_email else "app"


def set_channel(user: User, channel: str | None) -> None:
    """The user chooses e-mail (and in-app) or in-app only for his notifications; commits."""
    if channel not in CHANNELS:
        raise InvalidField(gettext("Choisissez « par e-mail » ou « dans GIC seulement »."),
                           field="channel")
    user.notify_by_email = channel == "email"
    db.session.commit()


# --- The in-app list ------------------------------------------------------------

def notifications_of(user: User) -> Select:
    """The user's own notifications, newest first (to paginate)."""
    return (select(Notification).where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc()))


def unread_count(user: User) -> int:
    """How many of the user's notifications are unread (one COUNT on an index)."""
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def mark_read(user: User, notification_id: int) -> Notification:
    """Mark one of the user's notifications read (again: no change); commits.

    Another person's notification is :class:`NotFound`, like an unknown one.
    """
    n = db.session.scalar(select(Notification).where(
        Notification.id == notification_id, Notification.user_id == user.id))
    if n is None:
        raise NotFound(gettext("Notification introuvable."))
    if n.read_at is None:
        n.read_at = timeutil.utcnow()
        db.session.commit()
    return n


def mark_all_read(user: User) -> int:
    """Mark all the user's unread notifications read in one UPDATE; returns how many."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=timeutil.utcnow()))
    db.session.commit()
    return result.rowcount or 0


# --- E-mail ----------------------------------------------------------------------

def send_email(n: Notification, parts: EmailParts | None = None) -> None:
    """Send one notification by SMTP, or write it to instance/outbox/: plain text,
    and the same in HTML (``templates/notifications/email.html``), in its reader's
    language (:func:`notify` calls it under ``force_locale``)."""
    with force_locale(language_of(n.user)):
        _send_email(n, parts or EmailParts())


def _send_email(n: Notification, parts: EmailParts) -> None:
    public_url = current_app.config.get("PUBLIC_URL", "").rstrip("/")
    link = f"{public_url}{n.link}" if n.link else None
    notifications_url = public_link("notifications.index")
    text = gettext("Bonjour %(name)s,", name=n.user.name) + f"\n\n{n.body}\n"
    if parts.facts:
        text += "\n" + "".join(gettext("%(label)s : %(value)s", label=label, value=value) + "\n"
                               for label, value in parts.facts)
    if parts.actions:
        text += "\n" + "".join(gettext("%(label)s : %(value)s", label=label, value=url) + "\n"
                               for label, url, _ in parts.actions)
    if parts.note:
        text += f"({parts.note})\n"
    if link:
        text += "\n" + gettext("Voir : %(link)s", link=link) + "\n"
    text += "\n-- \n" + gettext("GIC · message automatique, aussi dans vos notifications : "
                                 "%(url)s", url=notifications_url) + "\n"
    # The HTML keeps « 7 h 00 », « n° 12 » and « … » on one line (no-break spaces).
    html = current_app.jinja_env.get_template("notifications/email.html").render(
        subject=french_spacing(" ".join(n.subject.split())), name=n.user.name,
        lines=[french_spacing(line) for line in n.body.split("\n") if line.strip()],
        facts=[(label, french_spacing(value)) for label, value in parts.facts],
        parts=parts, link=link, notifications_url=notifications_url,
        lang=language_of(n.user))
    _deliver(n.user.email, n.subject, text, n.created_at, f"{n.id:06d}-{n.kind}", html=html)


def send_private_email(user: User, *, kind: str, subject: str, body: str) -> None:
    """E-mail ``user`` something that must not be kept in the app (a password reset
    link): not stored as a notification, sent whatever his notification choices.
    ``user`` needs only ``id``, ``name`` and ``email`` (a thread may send it).
    Raises if the mail server fails (the caller decides what to say). Written in
    ``user.language`` (``subject`` and ``body`` already are)."""
    with force_locale(language_of(user)):
        text = (gettext("Bonjour %(name)s,", name=user.name) + f"\n\n{body}\n\n-- \n"
                + gettext("GIC · message automatique, ne pas y répondre.") + "\n")
    now = timeutil.utcnow()
    _deliver(user.email, subject, text, now,
             f"{now:%Y%m%d%H%M%S%f}-{kind}-{user.id}")


def _deliver(to: str, subject: str, text: str, at, name: str, *,
             html: str | None = None) -> None:
    """One e-mail by SMTP when ``MAIL_SERVER`` is set, else ``<outbox>/<name>.eml``;
    with ``html``, an HTML alternative after the text (mail clients show the last
    they can)."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config.get("MAIL_DEFAULT_SENDER", "GIC <no-reply@gic.invalid>")
    message["To"] = to
    # A header is one line: a subject built from user text (a meeting title sent
    # with a line break) must not make the e-mail fail (nor inject a header).
    message["Subject"] = " ".join(subject.split())
    message["Date"] = format_datetime(at.replace(tzinfo=UTC))
    message["Message-ID"] = make_msgid(domain="gic.invalid")
    if config.get("MAIL_SERVER"):
        message.set_content(text)
        if html:
            message.add_alternative(html, subtype="html")
        with smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT", 587)),
                          timeout=10) as smtp:
            if config.get("MAIL_USE_TLS", True):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
            smtp.send_message(message)
        return
    outbox = Path(config.get("MAIL_OUTBOX") or Path(current_app.instance_path) / "outbox")
    outbox.mkdir(parents=True, exist_ok=True)
    # Plain UTF-8 (headers and body), so that the file reads well in any editor too.
    message.set_content(text, cte="8bit")
    if html:
        message.add_alternative(html, subtype="html", cte="8bit")
    (outbox / f"{name}.eml").write_bytes(message.as_bytes(policy=READABLE))
