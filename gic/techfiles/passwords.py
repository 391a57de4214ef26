"""Does a text look like it holds a password? (SPEC §7: no passwords in a technical file.)

Pure functions, no Flask, no database. Two kinds of clues, line by line:

1. a password word (« mot de passe », « mdp », « password », « passwd », « pwd »,
   « pass », « clé WPA », « digicode »…) followed by ``:`` or ``=`` (or « est »)
   and a value that is not prose: one word (« mdp : toto »), a word that looks
   like a password (letters with digits or symbols), a quoted value, or a pair
   « admin / admin »; a value that points elsewhere (« voir le coffre KeePass »,
   « géré par LAPS ») or a sentence (« à demander au support ») is fine;
2. in a Markdown table whose header has a password column, a filled cell of it;
3. a long token that looks random: both letter cases, a digit or a symbol, and
   hardly any run of four letters (words, product names and host names have some),
   which is not an address, a path, a host name, a MAC or a UUID.

The detector errs on the side of warning: the author may rephrase, or confirm
that the text holds no password.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MIN_TOKEN_LENGTH = 10
MAX_WORDINESS = 0.4  # share of a token made of letter runs of 4 or more
EXCERPT_LENGTH = 80
MASK = "•••"

_WORD = (r"mots?[\s_-]*de[\s_-]*passe|passwords?|passwd|passphrase|mdp|pwd|"
         r"cl[ée]s?\s+(?:wpa2?|wi-?fi|psk|partag[ée]e)|psk|secret\s+partag[ée]|digicode|"
         r"code\s+(?:pin|d['’]acc[èe]s|de\s+la\s+porte|alarme)")
# A password word, a few words of qualifier (« du compte admin »), then ':' or '='.
KEYWORD_VALUE = re.compile(
    rf"(?<![\w-])(?:{_WORD})(?![\w-])[^:=\n]{{0,30}}?\s*[:=]\s*(?P<value>.*)$"
    rf"|(?<![\w-])pass\s*[:=]\s*(?P<short>.*)$", re.IGNORECASE)
KEYWORD_IS = re.compile(rf"(?<![\w-])(?:{_WORD})\s+(?:est|is|reste)\s+(?P<value>.*)$",
                        re.IGNORECASE)
# « identifiants : admin / admin », « login/mdp admin / Admin2024 »
CREDENTIAL_PAIR = re.compile(
    r"(?<![\w-])(?:identifiants?|login|credentials)(?![\w-])[^:=\n]{0,20}[:=]\s*"
    r"\S+\s*/\s*\S+", re.IGNORECASE)

# A value made of these words points to where the secret is kept, or says there is none.
REFERENCES = {
    "voir", "cf", "dans", "sur", "stocké", "stockée", "stockés", "conservé", "conservée",
    "géré", "gérée", "personnel", "personnelle", "individuel", "individuelle", "confidentiel",
    "keepass", "keepassxc", "bitwarden", "vaultwarden", "vault", "coffre", "coffre-fort",
    "lastpass", "dashlane", "laps", "néant", "aucun", "aucune", "non", "n/a", "na", "vide",
    "demander", "fourni", "fournie", "transmis", "transmise", "communiqué", "communiquée",
    "inchangé", "identique", "***", "****", "*****", "******", "xxx", "xxxx", "…", "...",
}
PASSWORD_HEADER = re.compile(rf"^\s*(?:{_WORD})\b", re.IGNORECASE)
TABLE_RULE = re.compile(r"^\s*\|?[\s:|-]+\|?\s*$")
QUOTED = re.compile(r"^[«\"'“‘`]\s*\S")
PARENTHESES = re.compile(r"\([^)]*\)|\[[^\]]*\]")
STRIP = "\"'«»“”‘’()[]{}<>,;.:!?`*"

NOT_SECRETS = [re.compile(p, re.IGNORECASE) for p in (
    r"^[a-z][a-z0-9+.-]*://",                         # URL
    r"^www\.",
    r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$",                  # e-mail
    r"^(?:[a-z]:)?[\\/]",                             # path
    r"^\\\\",
    r"^([a-z0-9-]+\.)+[a-z]{2,}$",                    # host name
    r"^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$",             # MAC
    r"^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$",   # UUID
    r"^[0-9a-f:.]+(/\d+)?$",                          # IP v4/v6, network
)]


@dataclass(frozen=True)
class Finding:
    """A line that seems to hold a password: its number (from 1) and a masked excerpt."""

    line: int
    excerpt: str
    reason: str


def find_passwords(text: str) -> list[Finding]:
    """The lines of ``text`` that seem to hold a password (empty list: none found)."""
    findings = []
    columns: set[int] = set()  # password columns of the current Markdown table
    for number, line in enumerate((text or "").splitlines(), start=1):
        cells = _cells(line)
        if cells is None:
            columns = set()
        elif not columns:
            columns = {n for n, cell in enumerate(cells) if PASSWORD_HEADER.match(cell)}
            if columns:
                continue  # the header itself
        found = _check_line(line)
        if not found and cells and not TABLE_RULE.match(line):
            found = _check_cells(cells, columns)
        if found:
            reason, secret = found
            findings.append(Finding(number, _excerpt(line, secret), reason))
    return findings


def _check_line(line: str) -> tuple[str, str] | None:
    """(reason, the suspicious part) for a line that seems to hold a password."""
    for match in KEYWORD_VALUE.finditer(line):
        value = match.group("value") if match.group("value") is not None else match.group("short")
        if _is_secret_value(value or "", strict=False):
            return "un mot de passe semble y être écrit", value.strip()
    for match in KEYWORD_IS.finditer(line):
        if _is_secret_value(match.group("value"), strict=True):
            return "un mot de passe semble y être écrit", match.group("value").strip()
    match = CREDENTIAL_PAIR.search(line)
    if match:
        return "des identifiants (utilisateur / mot de passe) semblent y être écrits", \
            match.group(0).split(":", 1)[-1].split("=", 1)[-1].strip()
    for token in line.split():
        if random_looking(token):
            return "une chaîne qui ressemble à un mot de passe ou à une clé y figure", \
                token.strip(STRIP)
    return None


def _cells(line: str) -> list[str] | None:
    """The cells of a Markdown table row, None for a line outside a table."""
    if not line.lstrip().startswith("|"):
        return None
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _check_cells(cells: list[str], columns: set[int]) -> tuple[str, str] | None:
    """A filled cell under a password column header (« | Mot de passe | »)."""
    for n in columns:
        if n < len(cells) and _is_secret_value(cells[n], strict=False):
            return "la colonne « mot de passe » d'un tableau est remplie", cells[n]
    return None


def _is_secret_value(value: str, *, strict: bool) -> bool:
    """After « mot de passe : » (or « est » when ``strict``), is ``value`` a secret?"""
    value = value.strip()
    if not value:
        return False
    if QUOTED.match(value):
        return True
    words = PARENTHESES.sub(" ", value).split()
    if not words:
        return False
    first = words[0].strip(STRIP).lower()
    if not first or first in REFERENCES or words[0].lower() in REFERENCES:
        return False
    if password_like(words[0]):
        return True
    if strict:
        return False
    clause = re.split(r"[,;]| - ", PARENTHESES.sub(" ", value), maxsplit=1)[0].split()
    if len(clause) == 1:  # one word alone: « mdp : toto »
        return True
    return len(clause) == 3 and clause[1] == "/"  # « admin / admin »


def password_like(word: str) -> bool:
    """A word mixing letters with digits or symbols, or with inner capitals (« Adm1n »)."""
    word = word.strip(STRIP)
    if len(word) < 3 or not any(c.isalnum() for c in word):
        return False
    letters = any(c.isalpha() for c in word)
    digits = any(c.isdigit() for c in word)
    symbols = any(not c.isalnum() and c not in "-'’" for c in word)
    inner_capitals = any(c.isupper() for c in word[1:]) and any(c.islower() for c in word)
    return (letters and digits) or (symbols and (letters or digits)) or inner_capitals


def random_looking(token: str) -> bool:
    """A long token of mixed classes without words in it (« Xk9!pL2qZ7#w »)."""
    token = token.strip(STRIP)
    if len(token) < MIN_TOKEN_LENGTH or any(p.search(token) for p in NOT_SECRETS):
        return False
    lower = any(c.islower() for c in token)
    upper = any(c.isupper() for c in token)
    other = any(not c.isalpha() for c in token)
    if not (lower and upper and other):
        return False
    wordy = sum(len(run) for run in re.findall(r"[A-Z]?[a-z]{3,}|[A-Z]{4,}", token)
                if len(run) >= 4)
    return wordy / len(token) < MAX_WORDINESS


def _excerpt(line: str, secret: str) -> str:
    """The line, the suspicious part masked, shortened for the warning."""
    shown = line.replace(secret, MASK) if secret else line
    shown = " ".join(shown.split())
    if len(shown) > EXCERPT_LENGTH:
        shown = shown[:EXCERPT_LENGTH - 1] + "…"
    return shown
