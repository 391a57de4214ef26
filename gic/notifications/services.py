"""Send notifications: stored for the in-app list, then e-mailed.

E-mail goes through SMTP when ``MAIL_SERVER`` is set; otherwise each message is
written as an ``.eml`` file to ``instance/outbox/`` so a developer can read it.
A notification is identified by ``(user, key)``: sending the same key twice
does nothing the second time, which makes scheduled jobs idempotent.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable
from datetime import UTC
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from gic.extensions import db
from gic.models import Role, User
from gic.notifications.models import Notification
from gic.timeutil import utcnow

log = logging.getLogger(__name__)


def notify(users: Iterable[User], *, kind: str, key: str, subject: str, body: str,
           link: str | None = None) -> list[Notification]:
    """Notify each active user once per ``key``; returns the new notifications.

    Commits. E-mail failures are logged, never raised: the in-app notification
    is what counts, and a mail server being down must not undo a workflow step.
    """
    created = []
    for user in users:
        if not user.active:
            continue
        exists = db.session.scalar(select(Notification.id).where(
            Notification.user_id == user.id, Notification.key == key))
        if exists:
            continue
        n = Notification(groupement_id=user.groupement_id, user_id=user.id, kind=kind,
                         key=key[:200], subject=subject[:300], body=body, link=link)
        db.session.add(n)
        created.append(n)
    db.session.commit()
    for n in created:
        try:
            send_email(n)
        except Exception:  # noqa: BLE001 - logged; the in-app notification stays
            log.exception("e-mail of notification %s failed", n.id)
        else:
            n.emailed_at = utcnow()
    if created:
        db.session.commit()
    return created


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


def send_email(n: Notification) -> None:
    """Send one notification by SMTP, or write it to instance/outbox/."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config.get("MAIL_DEFAULT_SENDER", "GIC <no-reply@gic.invalid>")
    message["To"] = n.user.email
    message["Subject"] = n.subject
    message["Date"] = format_datetime(n.created_at.replace(tzinfo=UTC))
    message["Message-ID"] = make_msgid(domain="gic.invalid")
    text = n.body
    if n.link:
        text += f"\n\n{config.get('PUBLIC_URL', '').rstrip('/')}{n.link}"
    message.set_content(text)
    if config.get("MAIL_SERVER"):
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
    (outbox / f"{n.id:06d}-{n.kind}.eml").write_bytes(bytes(message))
