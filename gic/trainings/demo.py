"""Demo data of the common trainings: a few trainings a year, organised by the
coordinator or a director, attended by the demo people and by staff without an
account; one training planned in the coming weeks.

Recorded through :mod:`gic.trainings.services`, then backdated (the day before
each training) with :func:`gic.equipment.demo.backdate`.
"""

from __future__ import annotations

from datetime import time, timedelta
from typing import NamedTuple

from gic.demo_context import DemoContext
from gic.equipment.demo import backdate, story_day
from gic.trainings import services
from gic.trainings.models import Training


class Course(NamedTuple):
    """One training: ``years_ago`` None means « in three weeks » (planned)."""

    years_ago: int | None
    when: tuple[int, int]
    topic: str
    title: str
    trainer: str
    minutes: int
    organiser: str  # "coordinator" or a place key (its director organises)
    place: str
    who: str  # "technicians", "directors" or "all": the demo people who attend
    guests: tuple[tuple[str, int], ...] = ()
    start: time | None = time(14, 0)
    notes: str = ""


COURSES: dict[str, tuple[Course, ...]] = {
    "GIC 65": (
        Course(2, (3, 24), "security", "Sensibilisation à l'hameçonnage",
               "Cyber-Occitanie (Mme Pujol)", 180, "coordinator", "EPAS 65, salle du conseil",
               "all", (("E", 6), ("L", 4), ("A", 5)), notes="Reconnaître un courriel "
               "frauduleux, signaler, réagir ; exercice sur de vrais exemples."),
        Course(2, (10, 6), "hardware", "Diagnostic et remplacement des disques de serveur",
               "Julien Castagné (EPAS 65)", 240, "E", "EPAS 65, salle informatique",
               "technicians", start=time(9, 0)),
        Course(1, (2, 17), "software", "Prise en main de la messagerie régionale",
               "GRADeS Occitanie", 120, "coordinator", "Visioconférence", "all",
               (("E", 3), ("L", 2), ("A", 2))),
        Course(1, (6, 9), "network", "Segmentation du réseau et Wi-Fi invités",
               "Nadia Sarrat (Centre Jean-Marie Larrieu)", 210, "L",
               "Centre Jean-Marie Larrieu", "technicians", start=time(9, 30)),
        Course(1, (11, 18), "security", "Plan de reprise d'activité : exercice de restauration",
               "Thomas Lanne (EHPAD d'Argelès-Gazost)", 180, "A", "EHPAD d'Argelès-Gazost",
               "all"),
        Course(0, (4, 7), "security", "Mots de passe et double authentification",
               "Cyber-Occitanie (M. Rivière)", 150, "coordinator", "EPAS 65, salle du conseil",
               "all", (("E", 8), ("L", 5), ("A", 6))),
        Course(0, (9, 22), "software", "Dossier de soins informatisé : paramétrage avancé",
               "Éditeur du logiciel (formation à distance)", 240, "A", "Visioconférence",
               "technicians", (("A", 2),), start=time(9, 0)),
        Course(None, (0, 0), "hardware", "Sauvegardes : nouvelles bandes LTO et rotation",
               "Julien Castagné (EPAS 65)", 120, "E", "EPAS 65, salle informatique",
               "technicians"),
    ),
    "GCSMS Démo": (
        Course(2, (5, 19), "security", "Les bons réflexes face aux rançongiciels",
               "CERT Santé", 120, "coordinator", "MAS Les Tilleuls", "all",
               (("T", 4), ("V", 3), ("J", 5))),
        Course(1, (3, 14), "network", "Administration du pare-feu Stormshield",
               "Kévin Dabadie (MAS Les Tilleuls)", 180, "T", "MAS Les Tilleuls",
               "technicians", start=time(9, 0)),
        Course(1, (10, 10), "software", "Messagerie sécurisée de santé", "GRADeS Occitanie",
               90, "coordinator", "Visioconférence", "all", (("V", 2), ("J", 3))),
        Course(0, (5, 26), "hardware", "Déploiement et maintenance des tablettes",
               "Hugo Laffitte (EHPAD Saint-Jacques)", 150, "J", "EHPAD Saint-Jacques",
               "technicians"),
    ),
}


def load_demo(builder: DemoContext) -> None:
    """The trainings of the groupement being built."""
    for course in COURSES.get(builder.demo.name, ()):
        if course.years_ago is None:
            day = builder.today + timedelta(days=21)
        else:
            day = story_day(builder, course.years_ago, course.when)
        organiser = (builder.coordinator if course.organiser == "coordinator"
                     else builder.directors[course.organiser])
        people = {"technicians": builder.technicians, "directors": builder.directors,
                  "all": {**{f"d{k}": u for k, u in builder.directors.items()},
                          **builder.technicians}}[course.who]
        t = services.create_training(
            organiser, topic=course.topic, title=course.title, day=day,
            start_time=course.start, duration_minutes=course.minutes, trainer=course.trainer,
            place=course.place, notes=course.notes,
            attendee_ids=[] if course.years_ago is None else [u.id for u in people.values()],
            guests={builder.places[key].id: count for key, count in course.guests
                    if course.years_ago is not None})
        created = builder.at(min(day, builder.today) - timedelta(days=10), 11, 0)
        backdate(Training, t.id, created, {"training.create": created})
