"""The demo groupements of SPEC §9 as data: people, establishments and the
stories of their requests (loaded by :mod:`gic.demo` through the services).

FINESS numbers look real (department 65 and 32) but are made up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from gic.convention.constants import DEFAULT_HOURLY_RATE, DEFAULT_THRESHOLD_MINUTES
from gic.interventions.models import State

PASSWORD = "gic-demo"  # every demo account


@dataclass(frozen=True)
class Place:
    """An establishment of a demo groupement, with its director and technician."""

    key: str
    name: str
    finess: str
    director: tuple[str, str]  # e-mail, name
    technician: tuple[str, str] | None
    # "member" (votes) or "user" (« utilisateur »: orders and consumes hours, never
    # votes), in the ordered-hours model (issue 16).
    participation: str = "member"


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
    # The convention model (issue 16): "per_intervention" (threshold, cap) or
    # "ordered_hours" (hours ordered per establishment and year, see ``orders``).
    model: str = "per_intervention"
    threshold_minutes: int = DEFAULT_THRESHOLD_MINUTES
    overrun_allowed: bool = False
    # Hours ordered: (year relative to today's: -1, 0, 1; establishment key; hours).
    orders: tuple[tuple[int, str, int], ...] = ()


S = State
GIC65 = DemoGroupement(
    name="GIC 65", start=date(2019, 9, 30), rate=str(DEFAULT_HOURLY_RATE),
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


def _isi_place(key: str, name: str, finess: str, slug: str, director: str,
               technician: str | None = None, participation: str = "member") -> Place:
    """A participant of GCSMS ISI Démo: its director, and a technician for the
    three members that employ the groupement's resource persons."""
    return Place(key, name, finess, (f"direction.{slug}@isi-demo.test", director),
                 (f"tech.{slug}@isi-demo.test", technician) if technician else None,
                 participation)


# Issue 16: a GCSMS ISI-like groupement (seed 002) in the ordered-hours model. Its
# members and users ordered this year's hours (Σ hours × rate is the budget, voted
# last December), were called provisionally (gic/ordered/demo.py), and every session
# of the year counts against the beneficiary's order (no free threshold; going over
# is allowed and regularised at close); next year's orders are being collected. Its
# 8 member and 6 user associations are there; of its 12 resource persons, three
# technicians (employed by ADAGES, UNAPEI 34 and APEAI Ouest Hérault). Its stories
# are of the current year only.
ISI = DemoGroupement(
    name="GCSMS ISI Démo", start=date(2022, 1, 3), rate="45.00",
    coordinator=("administration@isi-demo.test", "Sylvie Roustan"),
    accountant=("compta@isi-demo.test", "Patrick Vidal"),
    model="ordered_hours", threshold_minutes=0, overrun_allowed=True,
    places=(
        _isi_place("AD", "ADAGES", "340780477", "adages", "Jean-Luc Fabre", "Mathieu Coste"),
        _isi_place("GA", "GAMMES", "340011295", "gammes", "Isabelle Marty"),
        _isi_place("AP", "APEAI Ouest Hérault", "340780642", "apeai-oh", "Christine Bonnet",
                   "Karim Benali"),
        _isi_place("UN", "UNAPEI 34", "340785161", "unapei34", "Frédéric Roux",
                   "Léa Granier"),
        _isi_place("FA", "FAF-LR", "340023456", "faf-lr", "Nathalie Combes"),
        _isi_place("PI", "La Pinède", "340780915", "pinede", "Alain Pélissier"),
        _isi_place("CM", "Les Compagnons de Maguelone", "340012871", "maguelone",
                   "Dominique Arnal"),
        _isi_place("GI", "GIHP Occitanie LR", "340019873", "gihp", "Sandrine Molinier"),
        _isi_place("FH", "Face Hérault", "340031207", "face34", "Yasmine Haddad",
                   participation="user"),
        _isi_place("RO", "Réso Occitanie", "340033518", "reso", "Thierry Camus",
                   participation="user"),
        _isi_place("AR", "ARML Occitanie", "340035129", "arml", "Céline Fournier",
                   participation="user"),
        _isi_place("CI", "Cigalières", "340036730", "cigalieres", "Bruno Delmas",
                   participation="user"),
        _isi_place("SI", "SIAO 34", "340038341", "siao34", "Hélène Guiraud",
                   participation="user"),
        _isi_place("CO", "Communauté360 Hérault", "340039952", "c360", "Olivia Cazals",
                   participation="user"),
    ),
    orders=(
        *((0, key, hours) for key, hours in (
            ("AD", 120), ("GA", 60), ("AP", 80), ("UN", 100), ("FA", 40), ("PI", 16),
            ("CM", 30), ("GI", 24), ("FH", 12), ("RO", 8), ("AR", 10), ("CI", 8), ("SI", 6),
            ("CO", 6))),
        # Next year's orders, being collected before the budget's vote.
        *((1, key, hours) for key, hours in (
            ("AD", 130), ("GA", 60), ("AP", 80), ("UN", 110), ("PI", 24), ("CI", 12))),
    ),
    stories=(
        # --- this year ------------------------------------------------------------
        Story(0, (2, 3), "AD", "PI", 2, "deployment",
              "Renouvellement du parc : 20 postes de travail et imprimantes.", S.VALIDATED,
              onsite=840, work=(*full_day(0, "Masterisation et installation de 10 postes."),
                                Work(1, "08:30", "12:30", notes="Dix postes de plus."),
                                Work(1, "13:30", "16:00", notes="Imprimantes, contrôle."))),
        Story(0, (3, 10), "UN", "CI", 3, "incident",
              "Rançongiciel sur un poste de l'accueil : isolement et restauration.",
              S.VALIDATED, onsite=450, remote=90, urgency="urgent", work=(
                  *full_day(0, "Poste isolé, analyse, restauration des sauvegardes."),
                  Work(1, "09:00", "10:30", "remote", "Contrôle des journaux et des comptes."))),
        Story(0, (4, 7), "AP", "GA", 2, "occasional_work",
              "Câblage de la salle de réunion et vidéoprojection.", S.VALIDATED, onsite=360,
              work=(Work(0, "09:00", "12:00"), Work(0, "13:00", "16:00"))),
        Story(0, (5, 12), "AD", "UN", 2, "deployment",
              "Mise en place de l'authentification à deux facteurs.", S.VALIDATED,
              onsite=240, remote=180, work=(
                  Work(0, "09:00", "12:00", "remote", "Configuration du service."),
                  Work(1, "08:30", "12:30", notes="Enrôlement des cadres."))),
        Story(0, (6, 2), "UN", "AD", 2, "deployment",
              "Migration du serveur de messagerie vers la plateforme régionale.",
              S.VALIDATED, onsite=900, work=(*full_day(0, "Préparation, migration des boîtes."),
                                             *full_day(1, "Bascule, postes des services."))),
        Story(0, (6, 20), "AP", "FH", 2, "occasional_work",
              "Paramétrage du VPN des travailleurs sociaux.", S.VALIDATED, remote=120,
              work=(Work(0, "14:00", "16:00", "remote", "Profils VPN distribués."),)),
        Story(0, (9, 15), "AD", "SI", 3, "incident",
              "Standard téléphonique du 115 : coupures répétées.", S.COMPLETED, onsite=180,
              urgency="urgent", work=(Work(0, "13:30", "16:30",
                                           notes="Carte de l'autocommutateur remplacée."),)),
        Story(0, (10, 6), "UN", "PI", 2, "deployment",
              "Wi-Fi du foyer : étude et pose de deux bornes.", S.ACCEPTED,
              onsite=240, remote=60, work=(Work(0, "14:00", "15:00", "remote",
                                                "Étude de couverture sur plan."),)),
        Story(0, (11, 3), "AP", "CM", 2, "occasional_work",
              "Sauvegardes : mise en place d'une rotation hors site.", S.ACTIVE, onsite=240,
              by_director=True),
        Story(0, (12, 1), "AD", "RO", 2, "deployment",
              "Déploiement de tablettes pour les équipes mobiles.", S.DRAFT, onsite=300,
              by_director=True),
    ),
)

DEMOS = (GIC65, GCSMS, ISI)


def account_emails() -> list[str]:
    """Every demo account's e-mail, in the order of SPEC §9."""
    emails = []
    for demo in DEMOS:
        emails.append(demo.coordinator[0])
        if demo.accountant:
            emails.append(demo.accountant[0])
        for place in demo.places:
            emails.append(place.director[0])
            if place.technician:
                emails.append(place.technician[0])
    return emails
