"""The demo groupements of SPEC §9 as data: people, establishments and the
stories of their requests (loaded by :mod:`gic.demo` through the services).

FINESS numbers look real (department 65 and 32) but are made up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from gic.interventions.models import State

PASSWORD = "gic-demo"  # every demo account


@dataclass(frozen=True)
class Place:
    """An establishment of a demo groupement, with its director and technician."""

    key: str
    name: str
    finess: str
    director: tuple[str, str]  # e-mail, name
    technician: tuple[str, str]


@dataclass(frozen=True)
class Work:
    """One session: which day of the intervention (0, 1…), hours, mode, notes."""

    day: int
    start: str
    end: str
    mode: str = "onsite"
    notes: str = ""


def full_day(day: int, notes: str) -> tuple[Work, Work]:
    """A 7 h 30 day on site: 08:30–12:30 and 13:30–17:00."""
    return (Work(day, "08:30", "12:30", notes=notes), Work(day, "13:30", "17:00", notes=notes))


@dataclass(frozen=True)
class Story:
    """One request and how far it went. ``year`` is relative to today's (0, -1, -2);
    ``when`` is a nominal (month, day), squeezed into the elapsed part of the
    current year."""

    year: int
    when: tuple[int, int]
    provider: str
    beneficiary: str
    axis: int
    nature: str
    description: str
    state: State
    work: tuple[Work, ...] = ()
    onsite: int = 0  # estimated minutes
    remote: int = 0
    urgency: str = "normal"
    by_director: bool = False
    report: str = "Intervention réalisée, fonctionnement vérifié avec l'équipe sur place."
    reason: str = ""


@dataclass(frozen=True)
class DemoGroupement:
    """A groupement to create: convention, people, establishments, stories."""

    name: str
    start: date
    rate: str
    coordinator: tuple[str, str]
    accountant: tuple[str, str] | None
    places: tuple[Place, ...]
    stories: tuple[Story, ...]
    close_years_ago: tuple[int, ...] = ()


S = State
GIC65 = DemoGroupement(
    name="GIC 65", start=date(2019, 9, 30), rate="25.00",
    coordinator=("coordination@gic65.test", "Sophie Lacaze"),
    accountant=("compta@gic65.test", "Marc Abadie"),
    places=(
        Place("E", "EPAS 65", "650000417", ("directeur@epas65.test", "Hélène Fourcade"),
              ("tech@epas65.test", "Julien Castagné")),
        Place("L", "Centre Jean-Marie Larrieu", "650780281",
              ("directeur@larrieu.test", "Pierre Duffau"), ("tech@larrieu.test", "Nadia Sarrat")),
        Place("A", "EHPAD d'Argelès-Gazost", "650000755",
              ("directeur@ehpad-argeles.test", "Claire Soulé"),
              ("tech@ehpad-argeles.test", "Thomas Lanne")),
    ),
    close_years_ago=(2,),
    stories=(
        # --- two years ago: everything settled, the year is closed ---------
        Story(-2, (3, 14), "E", "A", 2, "deployment",
              "Remplacement du serveur de fichiers (fin de garantie) : installation, migration "
              "des partages et des droits.", S.VALIDATED, onsite=720, remote=60, work=(
                  Work(0, "14:00", "15:00", "remote", "Préparation de la migration à distance."),
                  *full_day(1, "Installation du serveur, copie des données."),
                  Work(2, "08:30", "12:30", notes="Bascule des partages, contrôle des droits."))),
        Story(-2, (5, 20), "L", "E", 3, "incident",
              "Panne du commutateur cœur de réseau : plus d'accès au dossier de soins.",
              S.VALIDATED, onsite=300, urgency="urgent", work=(
                  Work(0, "07:45", "12:45", notes="Remplacement du commutateur par le spare."),)),
        Story(-2, (6, 17), "E", "L", 2, "deployment",
              "Mise en place de la sauvegarde externalisée (NAS et réplication hors site).",
              S.VALIDATED, onsite=420, remote=180, work=(
                  Work(0, "09:00", "12:00", "remote", "Préparation de la configuration."),
                  Work(1, "08:30", "12:00", notes="Installation du NAS en baie."),
                  Work(1, "13:00", "16:30", notes="Réplication et test de restauration."))),
        Story(-2, (7, 8), "A", "L", 2, "occasional_work",
              "Pare-feu : ouverture d'un accès VPN pour l'éditeur du logiciel de soins.",
              S.DECLINED, onsite=240, reason="Aucun technicien disponible sur la période "
              "(congés d'été). Merci de renouveler la demande en septembre."),
        Story(-2, (10, 7), "E", "L", 3, "incident",
              "Remplacement du technicien en arrêt maladie (3 jours).", S.VALIDATED,
              onsite=1350, work=(*full_day(0, "Tickets en attente, sauvegardes."),
                                 *full_day(1, "Postes des soignants, imprimantes."),
                                 *full_day(2, "Mises à jour du serveur, passation."))),
        Story(-2, (11, 18), "A", "E", 2, "occasional_work",
              "Inventaire du parc et étiquetage des postes.", S.VALIDATED, onsite=360, work=(
                  Work(0, "09:00", "12:00", notes="Bâtiment principal."),
                  Work(0, "13:30", "16:30", notes="Annexe et secrétariat."),
                  Work(1, "10:00", "11:00", "remote", "Mise à jour de l'inventaire."))),
        # --- last year: everything validated, the year is ready to close ------
        Story(-1, (2, 10), "E", "A", 3, "incident",
              "Bascule vers la fibre : nouveau routeur et reconfiguration du pare-feu.",
              S.VALIDATED, onsite=420, remote=60, urgency="urgent", work=(
                  Work(0, "08:00", "12:00", notes="Pose du routeur, bascule de l'accès."),
                  Work(0, "13:00", "16:00", notes="Règles du pare-feu, VPN des médecins."),
                  Work(1, "10:00", "11:00", "remote", "Contrôle des journaux."))),
        Story(-1, (3, 3), "L", "E", 2, "occasional_work",
              "Remplacement de l'écran d'affichage de l'accueil.", S.CANCELLED, onsite=120),
        Story(-1, (4, 14), "L", "A", 2, "deployment",
              "Réseau Wi-Fi : ajout de quatre bornes dans les unités de vie.", S.VALIDATED,
              onsite=480, work=(Work(0, "08:30", "12:30", notes="Bornes du rez-de-chaussée."),
                                Work(1, "08:30", "12:30", notes="Bornes de l'étage."))),
        Story(-1, (6, 9), "E", "L", 3, "incident",
              "Remplacement du technicien en arrêt maladie.", S.VALIDATED, onsite=1350,
              work=(*full_day(0, "Support aux services, sauvegardes."),
                    *full_day(1, "Dépannage de la téléphonie."),
                    *full_day(2, "Mises à jour, passation."))),
        Story(-1, (9, 15), "L", "E", 2, "deployment",
              "Téléphonie IP : paramétrage des postes du nouveau bâtiment.", S.VALIDATED,
              onsite=180, remote=150, work=(
                  Work(0, "14:00", "16:30", "remote", "Paramétrage de l'autocommutateur."),
                  Work(1, "09:00", "12:00", notes="Pose et test des postes."))),
        Story(-1, (10, 20), "A", "E", 2, "occasional_work",
              "Déménagement du secrétariat : câblage et reconnexion des postes.", S.VALIDATED,
              onsite=420, work=(Work(0, "08:00", "12:00", notes="Câblage."),
                                Work(0, "13:00", "16:20", notes="Reconnexion et tests."))),
        Story(-1, (11, 24), "E", "A", 3, "incident",
              "Messagerie : les agendas partagés ne se synchronisent plus.", S.VALIDATED,
              remote=60, work=(Work(0, "10:00", "11:00", "remote", "Profils réparés."),)),
        # --- this year -------------------------------------------------------
        Story(0, (2, 9), "E", "A", 2, "deployment",
              "Bascule de la téléphonie vers la téléphonie IP.", S.VALIDATED,
              onsite=900, remote=90, work=(
                  Work(0, "09:00", "10:30", "remote", "Plan de numérotation."),
                  *full_day(1, "Pose des postes, bascule des lignes."),
                  *full_day(2, "Messageries vocales, formation de l'accueil au standard."))),
        Story(0, (3, 16), "A", "E", 2, "occasional_work",
              "Renfort pour le déploiement de 12 postes de travail.", S.VALIDATED, onsite=420,
              work=(Work(0, "08:30", "12:00", notes="Masterisation, six postes."),
                    Work(0, "13:00", "16:30", notes="Six postes, comptes utilisateurs."))),
        Story(0, (4, 20), "L", "E", 3, "incident",
              "Serveur de fichiers : remplacement d'un disque et reconstruction du RAID.",
              S.VALIDATED, onsite=180, urgency="urgent",
              work=(Work(0, "14:00", "17:00", notes="Disque remplacé, RAID reconstruit."),)),
        Story(0, (5, 18), "E", "L", 3, "incident",
              "Panne de la baie de stockage : restauration des sauvegardes.", S.VALIDATED,
              onsite=510, remote=120, urgency="urgent", work=(
                  Work(0, "18:00", "20:00", "remote", "Diagnostic à distance."),
                  Work(1, "08:00", "12:00", notes="Remplacement du contrôleur."),
                  Work(1, "13:00", "17:30", notes="Restauration et contrôle des données."))),
        Story(0, (9, 7), "L", "A", 3, "incident",
              "Remplacement du technicien en arrêt maladie (deux semaines).", S.COMPLETED,
              onsite=1020, work=(*full_day(0, "Support aux équipes, sauvegardes."),
                                 *full_day(1, "Postes de soins, imprimantes."),
                                 Work(2, "08:30", "10:30", notes="Passation."))),
        Story(0, (10, 20), "A", "E", 2, "occasional_work",
              "Pare-feu du site annexe : revue des règles.", S.DECLINED, onsite=240,
              reason="Pas de disponibilité avant la fin de l'année : merci de reformuler "
                     "la demande en janvier."),
        Story(0, (11, 2), "E", "A", 2, "occasional_work",
              "Réseau Wi-Fi : coupures dans l'unité Alzheimer, diagnostic et remplacement "
              "d'une borne.", S.ACCEPTED, onsite=180, remote=60, work=(
                  Work(0, "10:00", "11:00", "remote", "Analyse des journaux du contrôleur."),
                  Work(1, "13:30", "16:00", notes="Borne remplacée, mesures de couverture."))),
        Story(0, (11, 20), "E", "L", 3, "incident",
              "Dépannage de l'autocommutateur.", S.CANCELLED, onsite=120, by_director=True),
        Story(0, (12, 1), "E", "L", 2, "deployment",
              "Sauvegarde : réplication vers le NAS de secours.", S.ACCEPTED,
              onsite=480, remote=120),
        Story(0, (12, 10), "E", "L", 2, "deployment",
              "Câblage et brassage de la nouvelle baie de l'aile B.", S.ACTIVE, onsite=360,
              by_director=True),
        Story(0, (12, 20), "L", "A", 2, "deployment",
              "Migration de la messagerie vers la plateforme régionale.", S.DRAFT,
              onsite=480, remote=240),
    ),
)

GCSMS = DemoGroupement(
    name="GCSMS Démo", start=date(2021, 1, 4), rate="30.00",
    coordinator=("coordination@gcsms-demo.test", "Anne Marrast"), accountant=None,
    places=(
        Place("T", "MAS Les Tilleuls", "320002741",
              ("directeur.tilleuls@gcsms-demo.test", "Bernard Lagarde"),
              ("tech.tilleuls@gcsms-demo.test", "Kévin Dabadie")),
        Place("V", "FAM du Val d'Adour", "320781226",
              ("directeur.valdadour@gcsms-demo.test", "Martine Sempé"),
              ("tech.valdadour@gcsms-demo.test", "Lucas Barrère")),
        Place("J", "EHPAD Saint-Jacques", "320000961",
              ("directeur.saint-jacques@gcsms-demo.test", "Élodie Castets"),
              ("tech.saint-jacques@gcsms-demo.test", "Hugo Laffitte")),
    ),
    stories=(
        Story(-2, (4, 12), "T", "V", 3, "incident", "Remplacement du pare-feu en panne.",
              S.VALIDATED, onsite=450, work=full_day(0, "Pare-feu remplacé, règles reprises.")),
        Story(-1, (3, 21), "V", "J", 2, "deployment", "Migration du serveur de messagerie.",
              S.VALIDATED, onsite=420, work=(Work(0, "08:00", "12:00"),
                                             Work(0, "13:00", "16:00"))),
        Story(-1, (9, 5), "J", "T", 2, "occasional_work", "Mise à jour de l'antivirus du parc.",
              S.VALIDATED, remote=120, work=(Work(0, "09:00", "11:00", "remote"),)),
        Story(0, (3, 2), "T", "V", 2, "occasional_work", "Réseau Wi-Fi de l'internat.",
              S.VALIDATED, onsite=180, work=(Work(0, "13:30", "16:30"),)),
        Story(0, (6, 8), "T", "J", 2, "deployment",
              "Renfort pour l'installation du dossier de soins informatisé.", S.COMPLETED,
              onsite=480, work=(Work(0, "08:30", "12:30"), Work(1, "08:30", "12:30"))),
        Story(0, (10, 12), "V", "T", 3, "incident", "Serveur d'impression bloqué.",
              S.ACCEPTED, remote=60, work=(Work(0, "15:00", "16:00", "remote"),)),
        Story(0, (12, 1), "J", "V", 2, "deployment", "Déploiement de tablettes en unité.",
              S.DRAFT, onsite=300),
    ),
)

DEMOS = (GIC65, GCSMS)


def account_emails() -> list[str]:
    """Every demo account's e-mail, in the order of SPEC §9."""
    emails = []
    for demo in DEMOS:
        emails.append(demo.coordinator[0])
        if demo.accountant:
            emails.append(demo.accountant[0])
        for place in demo.places:
            emails += [place.director[0], place.technician[0]]
    return emails
