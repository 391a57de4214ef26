"""Demo data of the exchanges and advice log: about a dozen pieces of advice a
year between the demo establishments, given by their technicians and directors.

Logged through :mod:`gic.exchanges.services` (seeded random choices, so the demo
is the same each time), then backdated with :func:`gic.equipment.demo.backdate`.
"""

from __future__ import annotations

from gic.demo_context import DemoContext
from gic.equipment.demo import backdate, story_day
from gic.exchanges import services
from gic.exchanges.models import Exchange

TOPICS = (
    ("Paramétrage du pare-feu pour le nouveau logiciel de paie",
     "Ports à ouvrir et règle temporaire ; à revoir après la mise à jour."),
    ("Choix d'un NAS pour les sauvegardes", "Comparé deux modèles, conseillé le RAID 6."),
    ("Certificat du serveur web expiré", "Renouvellement expliqué pas à pas."),
    ("Comptes Active Directory des stagiaires", "Modèle de compte et expiration automatique."),
    ("Imprimante en réseau introuvable", "Adresse IP fixe et pilote universel."),
    ("Téléphonie IP : écho sur les appels", "Qualité de service sur le commutateur."),
    ("Mise à jour Windows bloquée sur un poste", "Réparation des composants de mise à jour."),
    ("Politique de mots de passe", "Partage de notre charte et de la GPO."),
    ("Antivirus : fausses alertes sur le logiciel de soins", "Exclusions à ajouter."),
    ("Wi-Fi invités pour les familles", "Portail captif et isolement du réseau interne."),
    ("Archivage des messageries des départs", "Export et conservation sur le NAS."),
    ("Câblage d'une nouvelle salle de soins", "Nombre de prises et baie de brassage."),
    ("Licences bureautiques", "Comparaison des offres pour associations."),
    ("Sauvegarde hors site", "Rotation des disques et chiffrement."),
    ("Tablettes des soignants", "Gestion de flotte et verrouillage."),
)
PER_YEAR = {"GIC 65": 12, "GCSMS Démo": 10}
MINUTES = (15, 20, 30, 30, 45, 45, 60, 90)


def load_demo(builder: DemoContext) -> None:
    """About a dozen exchanges a year (this year: as many as the days gone allow),
    spread over the months."""
    rng, keys = builder.rng, list(builder.places)
    per_year = PER_YEAR.get(builder.demo.name, 0)
    if not per_year:  # a groupement without exchanges in the demo
        return
    elapsed = (builder.today - builder.today.replace(month=1, day=1)).days
    for years_ago in (2, 1, 0):
        count = per_year if years_ago else max(1, per_year * elapsed // 365)
        for n in range(count):
            month, day = 1 + n * 12 // count, rng.randrange(1, 28)
            when = story_day(builder, years_ago, (month, day))
            giver_key, recipient_key = rng.sample(keys, 2)
            giver = (builder.technicians if rng.random() < 0.75 else builder.directors)[giver_key]
            topic, notes = rng.choice(TOPICS)
            e = services.log_exchange(giver, recipient_id=builder.places[recipient_key].id,
                                      day=when, topic=topic, minutes=rng.choice(MINUTES),
                                      notes=notes)
            at = builder.at(when, rng.randrange(9, 17), rng.randrange(60))
            backdate(Exchange, e.id, at, {"exchange.create": at})
