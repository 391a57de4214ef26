"""Meetings, minutes and published bilans of the demo (SPEC §5, §9).

The data: for GIC 65, three technicians' meetings and one directors' meeting a
year over the last two full civil years and the current one (one cancelled for
snow and held a week later, one recent meeting whose minutes are still a draft,
one still to come), two for GCSMS Démo. :class:`MeetingsBuilder` plays them
through the real services of :mod:`gic.meetings` (plan, mark held, start the
pre-filled minutes, attendance, summary, decisions and the directors' votes,
actions, finalise), then publishes the bilans; timestamps, audit entries and
notifications are moved back to the days the meetings happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import update

from gic.audit.models import AuditEntry
from gic.demo_context import DemoContext
from gic.extensions import db
from gic.meetings import minutes as writing
from gic.meetings.models import Meeting, MeetingStatus, Minutes, Vote, VoteChoice
from gic.meetings.services import default_invitees, plan_meeting, set_status
from gic.meetings.votes import cast_vote
from gic.models import User
from gic.notifications.models import Notification
from gic.reports.models import BilanVersion
from gic.reports.services import generate_draft, publish

RECENT_DAYS = 18  # the last meeting held, minutes still a draft (alert after 15 days)
UPCOMING_DAYS = 16  # the next meeting, still to come


@dataclass(frozen=True)
class Act:
    """An action: what, who (``tech:E``, ``dir:E``, ``coord``), due so many days later.
    Done at the next meeting of the same kind, unless ``stays_open``."""

    text: str
    owner: str
    due_days: int
    stays_open: bool = False


@dataclass(frozen=True)
class Point:
    """A decision; a unanimous one collects every member director's vote (all for)."""

    text: str
    unanimity: bool = False


@dataclass(frozen=True)
class DemoMeeting:
    """One meeting. ``year`` is relative to today's; ``when`` a nominal (month, day)
    (squeezed into the elapsed part of the current year), or ``"recent"`` /
    ``"upcoming"``. ``outcome``: ``final``, ``draft``, ``planned`` or ``cancelled``.
    Texts may use ``{year}``, ``{prev}`` and ``{next}``."""

    year: int
    when: tuple[int, int] | str
    kind: str  # "technicians" or "directors"
    title: str
    place: str
    agenda: tuple[str, ...]
    summary: str = ""
    decisions: tuple[Point, ...] = ()
    actions: tuple[Act, ...] = ()
    excused: tuple[str, ...] = ()
    outcome: str = "final"


T, D = "technicians", "directors"
EPAS = "EPAS 65, salle du conseil"
LARRIEU = "Centre Jean-Marie Larrieu, salle de formation"
ARGELES = "EHPAD d'Argelès-Gazost, salle polyvalente"
VISIO = "https://visio.gic65.test/techniciens"
AGENDA_T = ("Tour de table des interventions depuis la dernière réunion",
            "Utilisation des plafonds d'heures facturables")

GIC65_MEETINGS = (
    # --- two years ago -------------------------------------------------------
    DemoMeeting(-2, (3, 10), T, "Réunion des techniciens : sauvegardes", EPAS,
                (*AGENDA_T, "Sauvegardes : état des lieux dans chaque établissement"),
                "Tour de table des demandes depuis janvier : le serveur de fichiers de "
                "l'EHPAD d'Argelès-Gazost est remplacé ce mois-ci.\n\nChaque établissement "
                "a présenté ses sauvegardes : le Centre Jean-Marie Larrieu n'a aucune copie "
                "hors site. Les techniciens proposent une sauvegarde externalisée.",
                (Point("Étudier une sauvegarde externalisée (NAS et réplication hors site) "
                       "pour le Centre Jean-Marie Larrieu."),),
                (Act("Chiffrer un NAS de sauvegarde et la réplication hors site.", "tech:E", 45),
                 Act("Recenser les contrats de maintenance des serveurs.", "tech:L", 60))),
    DemoMeeting(-2, (6, 23), T, "Réunion des techniciens : réseau", LARRIEU,
                (*AGENDA_T, "Retour sur la panne du commutateur de mai"),
                "La sauvegarde externalisée du Centre Jean-Marie Larrieu est en service ; "
                "le test de restauration est concluant.\n\nLa panne du commutateur cœur de "
                "réseau a été résolue grâce à un commutateur de secours : les techniciens "
                "souhaitent un stock commun de matériel de secours.",
                (Point("Proposer aux directions un stock commun de matériel de secours "
                       "(commutateur, disques, bornes Wi-Fi), tenu par l'EPAS 65."),),
                (Act("Dresser la liste du matériel de secours et la chiffrer.", "tech:E", 60),),
                excused=("tech:A",)),
    DemoMeeting(-2, (10, 14), T, "Réunion des techniciens : inventaire du parc", VISIO,
                (*AGENDA_T, "Inventaire et étiquetage des postes"),
                "Réunion en visioconférence. L'hiver approche : contrôle des onduleurs et "
                "des groupes électrogènes prévu dans chaque établissement.\n\nL'inventaire "
                "du parc est tenu différemment partout ; un modèle commun est demandé.",
                (Point("Harmoniser l'inventaire et l'étiquetage du parc dans les trois "
                       "établissements."),),
                (Act("Proposer un modèle commun d'inventaire du parc.", "tech:A", 45),)),
    DemoMeeting(-2, (11, 25), D, "Réunion annuelle des directions", EPAS,
                ("Activité du groupement en {year}", "Utilisation des plafonds",
                 "Stock commun de matériel de secours", "Calendrier {next}"),
                "Les directions prennent connaissance de l'activité de l'année : les "
                "échanges de techniciens sont équilibrés, aucun établissement n'a atteint "
                "son plafond.\n\nLe stock commun de matériel de secours proposé par les "
                "techniciens est accepté.",
                (Point("Constitution d'un stock commun de matériel de secours, financé à "
                       "parts égales et tenu par l'EPAS 65."),
                 Point("Calendrier {next} : trois réunions de techniciens et une réunion des "
                       "directions.")),
                (Act("Transmettre à chaque direction la répartition du coût du stock de "
                     "secours.", "coord", 30),)),
    # --- last year -----------------------------------------------------------
    DemoMeeting(-1, (2, 3), T, "Réunion des techniciens : téléphonie IP", ARGELES,
                AGENDA_T, outcome="cancelled"),
    DemoMeeting(-1, (2, 10), T, "Réunion des techniciens : téléphonie IP", ARGELES,
                (*AGENDA_T, "Projet de téléphonie IP"),
                "Réunion reportée d'une semaine (routes enneigées).\n\nLe passage à la fibre "
                "de l'EHPAD d'Argelès-Gazost ouvre la voie à la téléphonie IP ; l'EPAS 65 "
                "partage son expérience de la bascule.",
                (Point("Préparer la bascule de la téléphonie de l'EHPAD d'Argelès-Gazost "
                       "vers la téléphonie IP."),),
                (Act("Rédiger le plan de numérotation commun.", "tech:E", 30),
                 Act("Demander les devis de postes IP.", "tech:A", 45))),
    DemoMeeting(-1, (6, 12), T, "Réunion des techniciens : remplacements", EPAS,
                (*AGENDA_T, "Retour sur le remplacement au Centre Jean-Marie Larrieu"),
                "Le technicien de l'EPAS 65 a assuré trois jours de remplacement au Centre "
                "Jean-Marie Larrieu ; la passation a manqué d'un support écrit.",
                (Point("Rédiger une fiche de passation type pour les remplacements."),),
                (Act("Rédiger la fiche de passation type.", "tech:E", 60),),
                excused=("tech:L",)),
    DemoMeeting(-1, (6, 26), D, "Réunion des directions : renouvellement de la convention",
                EPAS, ("Bilan annuel {prev}", "Renouvellement de la convention",
                       "Questions diverses"),
                "Le bilan annuel {prev} est présenté par la coordination.\n\nLa convention "
                "arrive à échéance : les directions se prononcent sur son renouvellement, "
                "vote à l'unanimité des établissements membres.",
                (Point("Renouvellement de la convention pour 3 ans, aux mêmes conditions "
                       "(gratuité jusqu'à 7 h sur site par intervention, plafond de 35 h "
                       "facturables par an, 25,00 € de l'heure).", unanimity=True),
                 Point("Approbation du bilan annuel {prev}.")),
                (Act("Faire signer l'avenant de renouvellement par chaque direction.",
                     "coord", 45),)),
    DemoMeeting(-1, (10, 9), T, "Réunion des techniciens : sécurité informatique", VISIO,
                (*AGENDA_T, "Sécurité : hameçonnage et mises à jour"),
                "Deux tentatives d'hameçonnage signalées depuis l'été. Les techniciens "
                "proposent une sensibilisation commune des équipes.",
                (Point("Organiser une sensibilisation commune au hameçonnage."),),
                (Act("Préparer le support de sensibilisation au hameçonnage.", "tech:A", 60),
                 Act("Vérifier les mises à jour des pare-feu.", "tech:L", 30))),
    # --- this year -----------------------------------------------------------
    DemoMeeting(0, (2, 10), T, "Réunion des techniciens : plan de reprise d'activité", EPAS,
                (*AGENDA_T, "Plan de reprise d'activité"),
                "La sensibilisation au hameçonnage a eu lieu dans les trois établissements."
                "\n\nLes plans de reprise d'activité datent de plusieurs années : chaque "
                "technicien met à jour celui de son établissement.",
                (Point("Mettre à jour les plans de reprise d'activité avant la fin de "
                       "l'année."),),
                (Act("Documenter la procédure de bascule des lignes téléphoniques.",
                     "tech:E", 45),
                 Act("Mettre à jour le plan de reprise d'activité du Centre Jean-Marie "
                     "Larrieu.", "tech:L", 150, stays_open=True))),
    DemoMeeting(0, (5, 20), D, "Réunion annuelle des directions", LARRIEU,
                ("Bilan annuel {prev}", "Plafonds {year}", "Questions diverses"),
                "Le bilan annuel {prev} est approuvé. L'EHPAD d'Argelès-Gazost approche "
                "de son plafond d'heures facturables : les directions en sont informées.",
                (Point("Approbation du bilan annuel {prev}."),),
                (Act("Préparer le calendrier des réunions {next}.", "coord", 150),)),
    DemoMeeting(0, "recent", T, "Réunion des techniciens : bilan de l'année", ARGELES,
                (*AGENDA_T, "Plans de reprise d'activité : avancement",
                 "Préparation du bilan annuel"),
                "Tour de table fait. À compléter : avancement des plans de reprise "
                "d'activité, points pour le bilan annuel.", excused=("tech:A",),
                outcome="draft"),
    DemoMeeting(0, "upcoming", T, "Réunion des techniciens : calendrier {next}", VISIO,
                (*AGENDA_T, "Plans de reprise d'activité", "Calendrier des réunions {next}"),
                outcome="planned"),
)

GCSMS_MEETINGS = (
    DemoMeeting(-1, (6, 16), D, "Réunion des directions : renouvellement de la convention",
                "MAS Les Tilleuls, salle du conseil",
                ("Renouvellement de la convention", "Questions diverses"),
                "Les trois directions se prononcent sur le renouvellement de la convention.",
                (Point("Renouvellement de la convention pour 3 ans, au taux de 30,00 € de "
                       "l'heure.", unanimity=True),),
                (Act("Faire signer l'avenant par les trois directions.", "coord", 30),)),
    DemoMeeting(0, (3, 17), T, "Réunion des techniciens", "FAM du Val d'Adour, bureau 2",
                ("Tour de table", "Licences antivirus"),
                "Les licences antivirus arrivent à échéance dans les trois établissements.",
                (Point("Regrouper l'achat des licences antivirus."),),
                (Act("Recenser les postes de chaque établissement.", "tech:T", 30),)),
)

MEETINGS = {"GIC 65": GIC65_MEETINGS, "GCSMS Démo": GCSMS_MEETINGS}
BILANS_YEARS_AGO = {"GIC 65": (2, 1), "GCSMS Démo": (1,)}  # published bilans
START = {T: time(14, 0), D: time(10, 0)}


def tuesday_or_thursday(day: date, step: int = 1) -> date:
    """The nearest Tuesday or Thursday from ``day`` (forward, or backward with -1)."""
    while day.weekday() not in (1, 3):
        day += timedelta(days=step)
    return day


class MeetingsBuilder:
    """Plays one demo groupement's meetings through the services, then backdates them."""

    def __init__(self, builder: DemoContext) -> None:
        self.b = builder
        self.coordinator: User = builder.coordinator
        self.keep_open = {a.text for m in MEETINGS.get(builder.demo.name, ())
                          for a in m.actions if a.stays_open}

    # --- dates ------------------------------------------------------------------

    def dated(self) -> list[tuple[date, DemoMeeting]]:
        """Each meeting with its day; this year's are skipped when too few days have gone."""
        today = self.b.today
        recent = tuesday_or_thursday(today - timedelta(days=RECENT_DAYS), -1)
        result = []
        for m in MEETINGS.get(self.b.demo.name, ()):
            if m.when == "recent":
                day = recent
            elif m.when == "upcoming":
                day = tuesday_or_thursday(today + timedelta(days=UPCOMING_DAYS))
            else:
                year = today.year + m.year
                offset = (date(2001, *m.when) - date(2001, 1, 1)).days
                if m.year == 0:  # squeezed before the recent meeting, three weeks apart
                    window = (recent - timedelta(days=21) - date(year, 1, 1)).days
                    if window < 30:
                        self.b.result.skipped.append(
                            f"{self.b.demo.name} : « {m.title} » (pas assez de jours passés "
                            "cette année)")
                        continue
                    offset = offset * window // 365
                day = tuesday_or_thursday(date(year, 1, 1) + timedelta(days=offset))
            result.append((day, m))
        return result

    def _person(self, key: str) -> User:
        if key == "coord":
            return self.coordinator
        role, place = key.split(":")
        return (self.b.technicians if role == "tech" else self.b.directors)[place]

    # --- one meeting ------------------------------------------------------------

    def hold(self, m: DemoMeeting, day: date) -> None:
        """Plan the meeting, then as its outcome says: cancel it, or hold it and write
        the minutes (finalised, or left as a draft)."""
        years = {"year": day.year, "prev": day.year - 1, "next": day.year + 1}
        invitees = [u.id for u in default_invitees(self.b.groupement.id, m.kind)]
        place, video = ("", m.place) if m.place.startswith("https://") else (m.place, "")
        meeting = plan_meeting(
            self.coordinator, kind=m.kind, title=m.title.format(**years), day=day,
            start=START[m.kind], duration_minutes=120, place=place, video_url=video,
            invitee_ids=[*invitees, self.coordinator.id],
            agenda=[item.format(**years) for item in m.agenda])
        stamps = {"meeting.plan": self.b.at(day - timedelta(days=21), 9, 30)}
        if m.outcome == "cancelled":
            set_status(meeting, self.coordinator, MeetingStatus.CANCELLED)
            stamps["meeting.status"] = self.b.at(day - timedelta(days=2), 16, 0)
        elif m.outcome != "planned":
            set_status(meeting, self.coordinator, MeetingStatus.HELD)
            stamps["meeting.status"] = self.b.at(day, 17, 30)
            self._write_minutes(meeting, m, day, years)
        self._backdate(meeting, day, stamps)

    def _write_minutes(self, meeting: Meeting, m: DemoMeeting, day: date, years: dict) -> None:
        coordinator = self.coordinator
        minutes = writing.start_minutes(meeting, coordinator)
        if m.outcome == "final":  # what was decided last time has been done, mostly
            for action in list(minutes.actions):
                if action.carried_from_id and action.text not in self.keep_open:
                    writing.set_action_done(minutes, coordinator, action.id, True)
        excused = {self._person(key).id for key in m.excused}
        writing.set_presences(minutes, coordinator, {
            a.id: "excused" for a in minutes.attendance if a.user_id in excused})
        writing.update_summary(minutes, coordinator, m.summary.format(**years))
        for point in m.decisions:
            decision = writing.add_decision(minutes, coordinator, text=point.text.format(**years),
                                            needs_unanimity=point.unanimity)
            if point.unanimity:
                for director in self.b.directors.values():
                    cast_vote(decision, director, choice=VoteChoice.FOR)
        for act in m.actions:
            writing.add_action(minutes, coordinator, text=act.text.format(**years),
                               owner_id=self._person(act.owner).id,
                               due_date=day + timedelta(days=act.due_days))
        if m.outcome == "final":
            writing.finalise(minutes, coordinator)

    # --- backdating -------------------------------------------------------------

    def _backdate(self, meeting: Meeting, day: date, stamps: dict[str, datetime]) -> None:
        """Move the meeting's, its minutes' and votes' timestamps, their audit entries
        and notifications to the days around the meeting."""
        b = self.b
        for action, at in stamps.items():
            b.audit_at("Meeting", meeting.id, action, at)
        edited = b.at(day + timedelta(days=2), 10, 0)
        final = b.at(day + timedelta(days=9), 16, 0)
        for minutes in meeting.minutes:
            db.session.execute(update(AuditEntry).where(
                AuditEntry.object_type == "Minutes", AuditEntry.object_id == minutes.id,
                AuditEntry.action != "minutes.finalise").values(at=edited))
            b.audit_at("Minutes", minutes.id, "minutes.finalise", final)
            db.session.execute(update(Minutes).where(Minutes.id == minutes.id).values(
                created_at=edited, finalised_at=final if minutes.is_final else None))
            votes = [v for d in minutes.decisions for v in d.votes]
            for n, vote in enumerate(votes):
                at = b.at(day + timedelta(days=3), 9 + n, 15)
                db.session.execute(update(Vote).where(Vote.id == vote.id).values(cast_at=at))
                b.audit_at("Vote", vote.id, "minutes.vote", at)
            stamps[f"minutes:{meeting.id}:{minutes.version}"] = final
        last = max(stamps.values())
        db.session.execute(update(Meeting).where(Meeting.id == meeting.id).values(
            created_at=stamps["meeting.plan"], updated_at=last))
        self._notified_at(f"meeting:{meeting.id}:invite", stamps["meeting.plan"])
        self._notified_at(f"minutes:{meeting.id}:1", final)
        db.session.commit()

    def _notified_at(self, key: str, at: datetime) -> None:
        """Backdate the notifications of ``key``; those older than a week are read."""
        read = at + timedelta(days=1)
        old = read < datetime.combine(self.b.today - timedelta(days=7), time())
        db.session.execute(update(Notification).where(
            Notification.groupement_id == self.b.groupement.id, Notification.key == key)
            .values(created_at=at, read_at=read if old else None))

    # --- bilans -----------------------------------------------------------------

    def publish_bilans(self) -> None:
        """The coordinator publishes the bilans of past years (drafted on 1 January)."""
        gid = self.b.groupement.id
        for years_ago in sorted(BILANS_YEARS_AGO.get(self.b.demo.name, ()), reverse=True):
            year = self.b.today.year - years_ago
            generate_draft(gid, year)
            version = publish(self.coordinator, year)
            drafted = self.b.at(date(year + 1, 1, 1), 6, 0)
            published = self.b.at(min(date(year + 1, 1, 22), self.b.today), 11, 0)
            db.session.execute(update(BilanVersion).where(BilanVersion.id == version.id).values(
                created_at=drafted, computed_at=drafted, published_at=published))
            self.b.audit_at("BilanVersion", version.id, "bilan.publish", published)
            self._notified_at(f"bilan:{gid}:{year}:{version.version}", published)
            db.session.commit()
