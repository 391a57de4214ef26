"""Demo data of the equipment register: lifelike loans (most returned, one overdue
by a few weeks, some out now) and donations over the last two full years and the current one.

Everything goes through :mod:`gic.equipment.services` (so the rules hold), then
the timestamps and audit entries are moved back to the days of the stories.
:func:`story_day` and :func:`backdate` are shared with the trainings' and
exchanges' demo data.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, NamedTuple

from sqlalchemy import update

from gic.audit.models import AuditEntry
from gic.demo_context import DemoContext
from gic.equipment import services
from gic.equipment.models import Movement
from gic.extensions import db


class Loan(NamedTuple):
    """One movement of the demo, on ``when`` (month, day) ``years_ago`` years back,
    or ``when`` = (days before today, 0) when ``years_ago`` is None. ``back``: the
    days until the return (None: not returned); ``due``: the days until the
    expected return (None: a donation; negative: from today, -30 is « in 30 days »)."""

    years_ago: int | None
    when: tuple[int, int]
    lender: str
    borrower: str
    item: str
    category: str
    serial: str = ""
    due: int | None = None
    back: int | None = None
    condition_out: str = "Bon état"
    condition_back: str = "Bon état"
    notes: str = ""


MOVEMENTS: dict[str, tuple[Loan, ...]] = {
    "GIC 65": (
        Loan(2, (3, 10), "E", "A", "Commutateur 24 ports HP 1920", "network", "CN52FP1234",
             due=60, back=45, notes="Dépannage pendant le remplacement du cœur de réseau."),
        Loan(2, (6, 2), "L", "A", "5 postes de travail Dell OptiPlex 7040", "workstation",
             condition_out="Reconditionnés, Windows 10 Pro réinstallé",
             notes="Renouvellement du parc du Centre Jean-Marie Larrieu."),
        Loan(2, (10, 15), "A", "L", "Imprimante laser Brother HL-L5100DN", "printing",
             "E78123K9N456", due=30, back=28, condition_back="Tambour à changer"),
        Loan(1, (1, 20), "E", "L", "Serveur HP ProLiant ML350 Gen9", "server", "CZ2715023X",
             due=90, back=75, condition_back="Disques effacés avant le retour",
             notes="Serveur de secours pendant la panne du serveur de fichiers."),
        Loan(1, (4, 8), "E", "A", "12 téléphones IP Yealink T31P", "phone",
             condition_out="Réinitialisés, avec alimentations"),
        Loan(None, (75, 0), "L", "E", "Onduleur APC Smart-UPS 1500", "other", "AS1731234567",
             due=60, condition_out="Batterie changée l'an dernier",
             notes="En attendant la livraison de l'onduleur commandé par l'EPAS."),
        Loan(1, (11, 5), "A", "E", "Borne Wi-Fi Ubiquiti U6-Lite", "network", "F4E2C6A1B2C3",
             due=45, back=40),
        Loan(0, (2, 3), "E", "A", "Ordinateur portable Lenovo ThinkPad T14", "workstation",
             "PF3ABC12", due=21, back=19, notes="Remplacement du portable de l'infirmière "
             "coordinatrice pendant sa réparation."),
        Loan(0, (5, 12), "A", "L", "3 écrans 24 pouces Iiyama ProLite", "workstation",
             condition_out="Très bon état"),
        Loan(0, (9, 15), "L", "A", "Switch PoE Netgear GS308P", "network", "4KL1234B00F12",
             due=-30, notes="Alimentation des caméras du hall pendant les travaux."),
        Loan(0, (11, 30), "E", "L", "Routeur 4G de secours Teltonika RUT240", "network",
             "1109876543", due=-14),
    ),
    "GCSMS Démo": (
        Loan(2, (5, 4), "T", "V", "Pare-feu Stormshield SN210", "network", "SN210A17B0123456",
             due=45, back=42, notes="Pare-feu de remplacement après la panne."),
        Loan(1, (2, 14), "V", "J", "3 postes de travail HP EliteDesk 800 G3", "workstation",
             condition_out="Reconditionnés"),
        Loan(None, (100, 0), "J", "T", "Imprimante multifonction Canon i-SENSYS MF443dw",
             "printing", "XLK01234", due=70, condition_out="Toner neuf"),
        Loan(0, (3, 20), "V", "T", "Point d'accès Wi-Fi Aruba AP-305", "network",
             "CNF7J0ABCD", due=60, back=55),
        Loan(0, (8, 5), "T", "J", "Onduleur Eaton 5SC 1000", "other", "G118K12345",
             due=-20),
    ),
}


def story_day(builder: DemoContext, years_ago: int, when: tuple[int, int]) -> date:
    """The day of a story: ``when`` (month, day) of the year ``years_ago`` before
    today's; in the current year, squeezed into the days already gone."""
    today = builder.today
    year = today.year - years_ago
    offset = (date(2001, *when) - date(2001, 1, 1)).days  # a non-leap year
    if years_ago == 0:
        offset = offset * (today - date(year, 1, 1)).days // 365
    return date(year, 1, 1) + timedelta(days=offset)


def backdate(model: type, obj_id: int, at, actions: dict[str, Any] | None = None,
             **columns: Any) -> None:
    """Move a row's timestamps (``columns``, ``created_at``/``updated_at`` by
    default) and the ``at`` of its audit entries (``actions``: action -> when)."""
    values = columns or {"created_at": at, "updated_at": at}
    db.session.execute(update(model).where(model.id == obj_id).values(**values))
    for action, when in (actions or {}).items():
        db.session.execute(update(AuditEntry).where(
            AuditEntry.object_type == model.__name__, AuditEntry.object_id == obj_id,
            AuditEntry.action == action).values(at=when))
    db.session.commit()


def load_demo(builder: DemoContext) -> None:
    """Loans and donations of the groupement being built (recorded by the lender's
    technician, returns by its director), backdated to their days."""
    today = builder.today
    for loan in MOVEMENTS.get(builder.demo.name, ()):
        if loan.years_ago is None:  # the overdue loans: late by a few weeks whatever today is
            day = today - timedelta(days=loan.when[0])
        else:
            day = story_day(builder, loan.years_ago, loan.when)
        if loan.due is None:
            expected = None
        elif loan.due < 0:
            expected = today + timedelta(days=-loan.due)
        else:
            expected = day + timedelta(days=loan.due)
        m = services.record_movement(
            builder.technicians[loan.lender], kind="donation" if expected is None else "loan",
            to_id=builder.places[loan.borrower].id, item=loan.item, category=loan.category,
            day=day, expected_return=expected, serial_number=loan.serial,
            condition_out=loan.condition_out,
            notes=loan.notes)
        created = builder.at(day, 10, builder.rng.randrange(60))
        actions = {"equipment.create": created}
        columns = {"created_at": created, "updated_at": created}
        if loan.back is not None:
            back = min(day + timedelta(days=loan.back), today)
            services.record_return(m, builder.directors[loan.lender], returned_on=back,
                                   condition_back=loan.condition_back)
            actions["equipment.return"] = columns["updated_at"] = builder.at(back, 16, 30)
        backdate(Movement, m.id, created, actions, **columns)
