"""The password detector of the technical files (SPEC §7: no passwords in them), as a
table of what must and must not trigger the warning, and the text it reads in
attached files (no app needed)."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest

from gic.errors import InvalidField
from gic.techfiles.demo_content import Place, recovery_update, sections
from gic.techfiles.passwords import find_passwords, product_code, random_looking
from gic.techfiles.uploads import check_upload, scanned_text
from tests.helpers import docx_file, odt_file

MUST_WARN = [
    # « mot de passe », « mdp » and their English forms, with ':' or '='
    "mot de passe : Xk9!pL2q",
    "mdp: admin123",
    "MDP wifi = Bienvenue2024",
    "password=Summer2024",
    "PASSWORD: hunter2",
    "pwd : toto",
    "passwd=secret",
    "mot-de-passe=abc",
    "Mots de passe : Bienvenue2024",
    "M0t de passe : Bienvenue2024",
    "p@ssword: Xk9!pL2q",
    "P@ssw0rd = Bienvenue2024",
    "Passw0rd : Summer2024",
    "pa$$word: Summer2024",
    "passphrase : « correct horse battery staple »",
    "Digicode 1988#",
    "passcode: 847261",
    "pw: Summer2024",
    "Admin password = Xk9!pL2q",
    "WiFi password: Bienvenue2024",
    "Default password for the NAS: admin",
    # Wi-Fi, PIN, door codes
    "code wifi : Bienvenue2024",
    "Code Wi-Fi = Bienvenue2024",
    "code du wifi : Bienvenue2024",
    "clé wifi : Bienvenue2024",
    "Clef WiFi invités : Bienvenue2024",
    "Clé de sécurité du réseau : Bienvenue2024",
    "Clé WPA2 : Bienvenue2024",
    "WPA key: Bienvenue2024",
    "Wi-Fi key = Bienvenue2024",
    "PIN : 4521",
    "PIN=0000",
    "code PIN : 1234",
    "code PIN 4521",
    "Digicode de la salle serveur : 4521",
    "digicode 4521B",
    "Code d'accès de la porte : 1988",
    # identifiants: user and password
    "login / pass : admin / admin",
    "user: admin / pass: P@ssw0rd",
    "Identifiant : admin, mot de passe : azerty",
    "identifiants : admin / admin",
    "Identifiants NAS = admin / Adm1n2024!",
    "credentials: root / toor",
    # no separator: the password word, then the password
    "MDP NAS Adm1n2024!",
    "mdp wifi Bienvenue2024",
    "mot de passe du NAS Adm1n2024!",
    "Password root Tr0ub4dor&3",
    "mdp admin123",
    # « est », « is »
    "le mot de passe est Xk9!pL2q",
    "Le mot de passe est « azerty »",
    "the password is hunter2",
    # the value on the next line (after a blank line, in a list, in bold, in a code block)
    "mot de passe :\nAdm1n2024!",
    "Mot de passe :\n\nazerty",
    "**Mot de passe :**\n`Adm1n2024!`",
    "- Mot de passe :\n  - Adm1n2024!",
    "Password:\nSummer2024",
    "MDP wifi =\nBienvenue2024",
    "Mot de passe du NAS\nAdm1n2024!",
    "Identifiants :\nadmin / Adm1n2024!",
    "Code wifi :\n```\nBienvenue2024\n```",
    # other shapes
    "mot de passe du compte admin : admin (à changer)",
    "  - Mot de passe root : `Tr0ub4dor&3`",
    "Jeton d'API : Xk9!pL2qZ7#wR4",
    "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    "Sauvegarde vers ftp://backup:Adm1n2024@nas.epas65.local/veeam",
    "| Serveur | Compte | Mot de passe |\n|---|---|---|\n| srv-ad01 | admin | Passw0rd! |",
    "| Réseau | Code wifi |\n|---|---|\n| Invités | Bienvenue2024 |",
]

MUST_NOT_WARN = [
    # a rule about passwords, not a password
    "changer le mot de passe tous les 90 jours",
    "Changer le mot de passe tous les 90 jours.",
    "Le mot de passe est changé tous les 90 jours",
    "Le mot de passe doit contenir 12 caractères dont 1 chiffre",
    "Les mots de passe sont stockés dans KeePass.",
    "mot de passe : voir le coffre-fort KeePass",
    "mdp : (voir coffre)",
    "Mot de passe :",
    "## Mot de passe",
    "## Mots de passe\n\nLes mots de passe sont dans le coffre-fort KeePass du service.",
    "Mot de passe :\n- voir le coffre-fort",
    "Mot de passe :\nKeePass",
    "Mot de passe :\n14 caractères minimum",
    "Identifiants :\n- utilisateur : admin\n- mot de passe : voir KeePass",
    "Politique de mots de passe : 12 caractères minimum",
    "Politique de mots de passe :\nANSSI",
    "Mot de passe : 14 caractères minimum, complexité activée (GPO)",
    "Mot de passe administrateur local : géré par LAPS",
    "mot de passe : à demander au responsable informatique",
    "Réinitialisation du mot de passe : via l'outil ADSelfService",
    "Le mot de passe : personnel, changé tous les 90 jours",
    "Le code pin est communiqué par la direction",
    "Code PIN : à demander à l'accueil",
    "Mot de passe oublié ? Utiliser le portail de réinitialisation.",
    "Mots de passe Windows 11 : 12 caractères, changés tous les 90 jours",
    "Le mot de passe WiFi suit la norme WPA2",
    "Clé wifi : affichée à l'accueil",
    "The password policy requires 12 characters",
    "Password reset: use the self-service portal",
    # addresses: the link says where, not what
    "mot de passe : https://coffre.epas65.fr/passwords/vpn",
    "Réinitialisation du mdp : https://passwordreset.microsoftonline.com",
    "Accès https://vpn.epas65.fr/Portal?id=Xk9pL2",
    "https://admin@nas.epas65.local:5001/",
    "ssh admin@10.0.0.5 -p 2222 ; numéro de série 5CD1234XYZ",
    "Partage \\\\SRV-FIC01\\Commun$",
    # product codes, serial numbers, versions
    "Poste Win10-Pro-x64",
    "Image de déploiement : Win10-Pro-x64",
    "Licence Win10-Pro-x64 (OEM), Win11-Pro-x64 prévue",
    "Mot de passe de l'image Win10-Pro-x64 : voir KeePass",
    "Serveur WindowsServer2019 sur VMware ESXi 7.0U3",
    "Pare-feu FortiGate-60F, adresse 192.168.10.254/24",
    "NAS Synology DS920+ (DSM 7.2), onduleur APC SMT1500RMI2U",
    "N° de série : 5CD1234XYZ",
    "S/N: C02XK1ABJG5H",
    "Numéro de série PF2ABCDE, Service Tag 7XK2M3J",
    "Clé de licence Office : voir le portail Microsoft 365",
    "MAC 00:1A:2B:3C:4D:5E, GUID 123e4567-e89b-12d3-a456-426614174000",
    "srv-ad01.epas65.local, Veeam_Backup_Replication_v12, SharePoint2019",
    "Mise à jour KB5034441 sur Windows Server 2022",
    # words that contain or resemble a password word
    "taper pwd pour afficher le répertoire courant",
    "Le flux passe par le pare-feu",
    "Le câble passe par la gaine technique",
    "Utilisateur : Administrateur du domaine",
    "Connecteur : pin 3 à la masse",
    "Compte de service svc_veeam01 (sauvegardes)",
    "| Serveur | Compte | Mot de passe |\n|---|---|---|\n| srv-ad01 | admin | voir KeePass |",
]


@pytest.mark.parametrize("text", MUST_WARN)
def test_password_detector_warns(text):
    findings = find_passwords("Introduction\n" + text)
    assert findings, text
    assert findings[0].line >= 2
    for secret in ("Xk9!pL2q", "Adm1n2024", "Bienvenue2024", "4521"):
        assert secret not in findings[0].excerpt  # the warning masks what it found


@pytest.mark.parametrize("text", MUST_NOT_WARN)
def test_password_detector_leaves_ordinary_it_prose_alone(text):
    assert find_passwords(text) == []


def test_the_value_on_the_next_line_is_the_line_reported():
    findings = find_passwords("Accès au NAS\nMot de passe :\n\nAdm1n2024!\nFin")
    assert [(f.line, f.excerpt) for f in findings] == [(4, "•••")]


@pytest.mark.parametrize("token", ["Win10-Pro-x64", "FortiGate-60F", "Veeam_Backup_v12",
                                   "en-US", "SRV-AD01"])
def test_product_codes_are_not_random_strings(token):
    assert product_code(token) or not random_looking(token)
    assert not random_looking(token)


@pytest.mark.parametrize("token", ["Xk9-pL2q-Z7w", "Xk9-Ab3-Zq7e",
                                   "sk_live_4eC39HqLyjWDarjtT1zdp7dc"])
def test_random_strings_with_dashes_are_still_random(token):
    assert not product_code(token)
    assert random_looking(token)


def test_the_demo_texts_hold_no_password():
    place = Place("EHPAD Test", "test", "test.fr", 12, "Mme Directrice", "sous-sol", "aile")
    texts = sections(place, date(2025, 3, 1), complete=True)
    for text in [*texts.values(), recovery_update(texts["recovery"], date(2025, 10, 1))]:
        assert find_passwords(text) == []


# --- The text of attached files ----------------------------------------------------------

def _checked(name: str, data: bytes):
    return check_upload(name, data)


def test_the_text_of_a_text_file_is_read_as_is():
    text = scanned_text(_checked("notes.txt", "\ufeffAccès NAS\r\nMDP NAS Adm1n2024!\r\n".encode()))
    assert [f.line for f in find_passwords(text)] == [2]


def test_a_docx_gives_its_paragraphs_then_its_table_rows():
    data = docx_file(["Accès au NAS", "Mot de passe :", "Adm1n2024!"],
                     table=[["Serveur", "Mot de passe"], ["srv-ad01", "Passw0rd!"]])
    text = scanned_text(_checked("acces.docx", data))
    assert text.splitlines() == ["Accès au NAS", "Mot de passe :", "Adm1n2024!",
                                 "| Serveur | Mot de passe |", "| srv-ad01 | Passw0rd! |"]
    assert [f.line for f in find_passwords(text)] == [3, 5]


def test_an_odt_gives_its_headings_paragraphs_lists_and_table_rows():
    body = ('<text:h>Wi-Fi</text:h><text:p>code<text:s text:c="3"/>wifi :'
            '<text:span> Bienvenue2024</text:span></text:p>'
            '<text:list><text:list-item><text:p>Poste Win10-Pro-x64</text:p></text:list-item>'
            '</text:list><table:table><table:table-row><table:table-cell><text:p>Compte</text:p>'
            '</table:table-cell><table:table-cell><text:p>MDP</text:p></table:table-cell>'
            '</table:table-row><table:table-row><table:table-cell><text:p>admin</text:p>'
            '</table:table-cell><table:table-cell><text:p>azerty</text:p></table:table-cell>'
            '</table:table-row></table:table>')
    text = scanned_text(_checked("wifi.odt", odt_file(body)))
    assert text.splitlines() == ["Wi-Fi", "code   wifi : Bienvenue2024", "Poste Win10-Pro-x64",
                                 "| Compte | MDP |", "| admin | azerty |"]
    assert [f.line for f in find_passwords(text)] == [2, 5]


def test_pdfs_and_images_are_not_read():
    assert scanned_text(_checked("plan.pdf", b"%PDF-1.4 mot de passe : x")) is None


def test_a_document_whose_text_is_too_large_is_refused(monkeypatch):
    monkeypatch.setattr("gic.techfiles.uploads.MAX_SCANNED_XML", 2000)
    data = docx_file(["x" * 3000])  # compressed, the archive itself stays small
    with pytest.raises(InvalidField, match="trop de texte pour être vérifié") as refused:
        scanned_text(_checked("long.docx", data))
    assert refused.value.field == "file"


def _announced_size(data: bytes, size: int) -> bytes:
    """The archive with every central directory entry announcing ``size`` bytes."""
    out = bytearray(data)
    start = 0
    while (at := out.find(b"PK\x01\x02", start)) != -1:
        out[at + 24:at + 28] = size.to_bytes(4, "little")
        start = at + 4
    return bytes(out)


def test_a_size_announced_larger_or_smaller_than_the_text_is_not_trusted(monkeypatch):
    """Only what is read counts: reading stops at the limit; a size that lies to get
    past the limit makes the archive unreadable, and it is refused."""
    monkeypatch.setattr("gic.techfiles.uploads.MAX_SCANNED_XML", 2000)
    data = odt_file("<text:p>" + "x" * 3000 + "</text:p>")
    with pytest.raises(InvalidField, match="fichier refusé"):
        scanned_text(_checked("bombe.odt", _announced_size(data, 100)))


@pytest.mark.parametrize("xml", [
    '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]><text:p>&a;</text:p>',
    "<text:p>pas fermé",
])
def test_a_document_whose_text_cannot_be_read_safely_is_refused(xml):
    with pytest.raises(InvalidField, match="fichier refusé"):
        scanned_text(_checked("piege.odt", odt_file(xml)))


def _with_part(data: bytes, part: str, xml: bytes, *, encrypted: bool = False) -> bytes:
    """``data`` (a real DOCX or ODT) with ``part`` replaced by ``xml``; ``encrypted``
    sets the part's « encrypted » flag, as a password-protected archive does."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, xml if item.filename == part else source.read(item))
    result = bytearray(out.getvalue())
    if encrypted:  # bit 0 of the flags, in every local header and directory entry
        for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            start = 0
            while (at := result.find(signature, start)) != -1:
                result[at + offset] |= 0x1
                start = at + 4
    return bytes(result)


def test_an_entity_declaration_is_refused_whatever_the_encoding():
    """A DTD in UTF-16 escapes a search for « <!DOCTYPE » in the bytes: the parser
    itself refuses it (a 4 KB file could otherwise expand to gigabytes)."""
    xml = ('<?xml version="1.0" encoding="UTF-16"?>'
           '<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
           '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/'
           'main"><w:body><w:p><w:r><w:t>&b;</w:t></w:r></w:p></w:body></w:document>')
    data = _with_part(docx_file(["x"]), "word/document.xml", xml.encode("utf-16"))
    with pytest.raises(InvalidField, match="n'est pas un document valide"):
        scanned_text(_checked("bombe.docx", data))


def test_a_plain_utf16_document_is_still_read():
    xml = ('<?xml version="1.0" encoding="UTF-16"?>'
           '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/'
           'main"><w:body><w:p><w:r><w:t>mot de passe : Tr0ub4dor&amp;3</w:t></w:r></w:p>'
           '</w:body></w:document>')
    data = _with_part(docx_file(["x"]), "word/document.xml", xml.encode("utf-16"))
    assert scanned_text(_checked("utf16.docx", data)) == "mot de passe : Tr0ub4dor&3"


@pytest.mark.parametrize("case", ["deep", "encrypted"])
def test_an_odd_but_valid_archive_is_refused_with_a_message_not_a_crash(case):
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    depth = 5000 if case == "deep" else 1
    xml = (f'<w:document {w}><w:body>' + "<w:sdt>" * depth + "<w:p><w:r><w:t>texte</w:t>"
           "</w:r></w:p>" + "</w:sdt>" * depth + "</w:body></w:document>").encode()
    data = _with_part(docx_file(["x"]), "word/document.xml", xml,
                      encrypted=case == "encrypted")
    with pytest.raises(InvalidField, match="fichier refusé"):
        scanned_text(_checked("bizarre.docx", data))
