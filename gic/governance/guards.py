"""When an establishment admitted by the members' approval became a member (the
check that it is one: :func:`gic.convention.members.check_members`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from gic.extensions import db
from gic.governance.models import Procedure, ProcedureKind, ProcedureStatus
from gic.models import Establishment


def admitted_at(*establishments: Establishment) -> dict[int, datetime]:
    """When each of ``establishments`` admitted by unanimity became a member (naive
    UTC, the approval's closing); founding members are absent (members since the
    convention's start)."""
    ids = [e.id for e in establishments]
    rows = db.session.execute(select(Procedure.establishment_id, Procedure.closed_at).where(
        Procedure.kind == ProcedureKind.MEMBERSHIP, Procedure.status == ProcedureStatus.APPROVED,
        Procedure.establishment_id.in_(ids)))
    return {establishment_id: closed for establishment_id, closed in rows if closed}
