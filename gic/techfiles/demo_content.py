"""Texts and a drawing of the demo technical files: lifelike, and without any password
(the demo goes through :func:`gic.techfiles.services.save_section`, whose detector
would refuse them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from gic.techfiles.models import SectionKind


@dataclass(frozen=True)
class Place:
    """What the texts of one establishment's file are made from."""

    name: str
    prefix: str  # server names: epas-ad01…
    domain: str  # e-mail domain of its people
    network: int  # 10.<network>.x.x
    director: str
    room: str
    wing: str


def sections(place: Place, tested_on: date, *, complete: bool) -> dict[SectionKind, str]:
    """The first version of each section (an incomplete file lacks rooms and PRA)."""
    p, n = place.prefix, place.network
    texts = {
        SectionKind.REMOTE_ACCESS: f"""## Accès à distance au réseau de {place.name}

1. Demander l'ouverture de l'accès à la direction ({place.director}) : il est ouvert pour la durée de l'intervention, puis refermé.
2. Se connecter au VPN SSL du pare-feu : `https://vpn.{place.domain}` avec le compte nominatif créé pour l'intervenant.
3. Ouvrir une session de bureau à distance sur le serveur de rebond `{p}-rebond01` (réseau d'administration uniquement).

Les identifiants ne figurent **jamais** dans ce dossier : la direction les remet à l'intervenant et ils sont conservés dans le coffre-fort de mots de passe (KeePassXC) de l'établissement.

| Outil | Usage | Qui l'ouvre |
|---|---|---|
| VPN SSL (FortiClient) | réseau d'administration | direction |
| Assistance à distance (licence de l'établissement) | postes des utilisateurs | secrétariat, à la demande de l'utilisateur |
""",
        SectionKind.SERVERS: f"""## Serveurs

| Nom | Rôle | Système | Hébergé sur |
|---|---|---|---|
| {p}-hv01 | hôte de virtualisation (Hyper-V) | Windows Server 2022 | baie B1 |
| {p}-ad01 | contrôleur de domaine, DNS, DHCP | Windows Server 2022 | {p}-hv01 |
| {p}-fic01 | fichiers et impressions | Windows Server 2019 | {p}-hv01 |
| {p}-app01 | logiciel de soins et dossier de l'usager | Windows Server 2019 | {p}-hv01 |
| {p}-nas01 | sauvegardes | NAS Synology, 4 disques en RAID 5 | local technique |

Réseau des serveurs : `10.{n}.10.0/24` ; postes : `10.{n}.20.0/24` ; téléphonie : `10.{n}.30.0/24` ; Wi-Fi des résidents et des visiteurs isolé du reste.

### Sauvegardes
- chaque nuit à 22 h, sauvegarde complète des machines virtuelles vers `{p}-nas01` ;
- chaque vendredi, copie sur un disque externe rangé dans le coffre du bureau de la direction ;
- un test de restauration par trimestre, consigné dans le plan de reprise d'activité.
""",
        SectionKind.ROOMS: f"""## Salle serveur
- Emplacement : {place.room}. Accès par badge ; clé de secours à l'accueil, inscrite au registre des clés.
- Climatisation dédiée ; alarme de température reliée à l'astreinte technique.
- Onduleur de 3 000 VA : environ 25 minutes d'autonomie, puis arrêt automatique des serveurs.

## Baies de brassage

| Baie | Emplacement | Contenu |
|---|---|---|
| B1 | salle serveur | pare-feu, cœur de réseau, hôte de virtualisation, onduleur |
| B2 | {place.wing} | commutateurs d'étage, bornes Wi-Fi, téléphonie |

Chaque prise murale porte le numéro de son port sur le panneau de brassage (par exemple `B2-P14`). Le plan de la baie B1 est en pièce jointe.
""",
        SectionKind.PROCEDURES: f"""## Arrivée d'un salarié
1. La direction envoie la fiche d'arrivée (nom, service, date d'arrivée).
2. Création du compte dans l'annuaire, dans l'unité de son service, et de sa boîte aux lettres.
3. Le mot de passe provisoire est remis en main propre et changé à la première connexion.

## Départ d'un salarié
- compte désactivé le jour du départ ; boîte aux lettres archivée après trois mois.

## Postes de travail
- installation à partir de l'image de référence ; chiffrement du disque activé ;
- mises à jour Windows déployées le mardi soir, redémarrage la nuit.

## Imprimantes
- copieurs multifonctions en location : incidents signalés au prestataire depuis le portail du contrat ;
- file d'impression sur `{p}-fic01`.
""",
        SectionKind.RECOVERY: f"""## Priorités de redémarrage
1. Alimentation, climatisation et onduleur de la salle serveur.
2. Pare-feu et cœur de réseau (baie B1).
3. Contrôleur de domaine `{p}-ad01`.
4. Logiciel de soins `{p}-app01` : plans de soins et transmissions, indispensables à la continuité des soins.
5. Serveur de fichiers, puis messagerie.

## Restauration
- machines virtuelles restaurées depuis `{p}-nas01` : environ deux heures par serveur ;
- si le NAS est perdu : repartir de la copie hebdomadaire hors site.

## Mode dégradé
- les plans de soins du jour sont imprimés chaque matin à 6 h 30 ;
- l'annuaire d'urgence est affiché à l'infirmerie.

Dernier test de restauration : {tested_on.strftime('%d/%m/%Y')}, réussi.
""",
        SectionKind.OTHER: """## Contrats et fournisseurs
- maintenance du pare-feu et des licences : contrat annuel, renouvelé en septembre ;
- téléphonie : contrat de location, fin en 2027 ;
- logiciel de soins : support de l'éditeur du lundi au vendredi, 8 h 30 – 18 h.
""",
    }
    if not complete:
        del texts[SectionKind.ROOMS], texts[SectionKind.RECOVERY]
    return texts


def recovery_update(text: str, tested_on: date) -> str:
    """The PRA after a later restoration test (a second version in the history)."""
    head = text.rsplit("Dernier test de restauration", 1)[0]
    return (head + f"Dernier test de restauration : {tested_on.strftime('%d/%m/%Y')}, réussi "
            "(contrôleur de domaine restauré en 1 h 40).\n")


# --- A one-page PDF drawn by hand: the elevation of rack B1 ------------------------------

RACK = [("Panneau de brassage 24 ports", 1), ("Pare-feu", 1), ("Cœur de réseau 48 ports", 1),
        ("Panneau de brassage 48 ports", 2), ("Hôte de virtualisation", 2), ("(libre)", 3),
        ("Onduleur 3 000 VA", 3)]


def _pdf_text(text: str) -> str:
    raw = text.encode("cp1252").decode("latin-1")
    return raw.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def rack_pdf(place_name: str, prefix: str) -> bytes:
    """A small, valid, deterministic PDF: the plan of rack B1 of the server room."""
    ops = ["BT /F2 16 Tf 60 780 Td (" + _pdf_text(f"Baie B1 — salle serveur — {place_name}")
           + ") Tj ET",
           "BT /F1 10 Tf 60 762 Td (" + _pdf_text("Vue de face, du haut vers le bas ; une "
                                                  "unité = 1 U.") + ") Tj ET",
           f"1 w 0 0 0 RG 150 {740 - 30 * sum(u for _, u in RACK)} 240 "
           f"{30 * sum(u for _, u in RACK)} re S"]
    y = 740
    for label, units in RACK:
        height = units * 30
        y -= height
        name = label if label != "Hôte de virtualisation" else f"{label} {prefix}-hv01"
        ops.append(f"0.85 0.9 0.95 rg 152 {y + 2} 236 {height - 4} re f")
        ops.append(f"BT 0 0 0 rg /F1 9 Tf 160 {y + height // 2 - 3} Td ({_pdf_text(name)}) Tj ET")
        ops.append(f"BT 0 0 0 rg /F1 8 Tf 400 {y + height // 2 - 3} Td ({units} U) Tj ET")
    legend = "Repérage : chaque prise murale porte le numéro de son port (ex. B2-P14)."
    ops.append(f"BT /F1 9 Tf 60 {y - 30} Td ({_pdf_text(legend)}) Tj ET")
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold "
        b"/Encoding /WinAnsiEncoding >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream
        + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
            .encode())
    return bytes(out)
