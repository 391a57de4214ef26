"""Does a text look like it holds a password? (SPEC §7: no passwords in a technical file.)

Pure functions, no Flask, no database. The clues, line by line:

1. a password word (« mot de passe », « mdp », « password », « p@ssw0rd », « pwd »,
   « pass », « PIN », « code wifi », « clé WPA », « digicode »…) followed by ``:``
   or ``=`` (or « est ») and a value that is not prose: one word (« mdp : toto »),
   a word that looks like a password (letters with digits or symbols), a quoted
   value, or a pair « admin / admin »; a value that points elsewhere (« voir le
   coffre KeePass », « géré par LAPS », an address) or a sentence (« à demander au
   support ») is fine. The value may also be alone on the next line
   (« Mot de passe : » then « Adm1n2024! »), and « identifiants : » likewise;
2. a password word followed, without ``:``, by a word that looks like a password
   within a few words (« MDP NAS Adm1n2024! », « mdp wifi Bienvenue2024 » at the
   end of the line), or digits after « PIN » / « digicode » (« code PIN 4521 »);
3. in a Markdown table whose header has a password column, a filled cell of it;
4. a long token that looks random: both letter cases, a digit or a symbol, and
   hardly any run of four letters (words, product names and host names have some),
   which is not an address, a path, a host name, a MAC, a UUID or a product code
   made of short parts (« Win10-Pro-x64 »); an address with a password in it
   (« ftp://admin:secret@nas »).

The detector errs on the side of warning: the author may rephrase, or confirm
that the text holds no password.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gic.enums import N_

MIN_TOKEN_LENGTH = 10
MAX_WORDINESS = 0.4  # share of a token made of letter runs of 4 or more
EXCERPT_LENGTH = 80
MASK = "•••"

_WIFI = r"(?:wi-?fi|wlan|wpa2?|wpa3)"
_WORD = (r"m[o0]ts?[\s_-]*de[\s_-]*pa[s$]{2}e|p[a@4][s$]{2}(?:w[o0]rds?|wd|phrase|code)|"
         r"mdp|pwd|cl(?:[ée]|ef)s?\s+(?:de\s+s[ée]curit[ée]\s+)?(?:du\s+)?"
         rf"(?:{_WIFI}|psk|partag[ée]e|r[ée]seau)|{_WIFI}\s+(?:key|code)|psk|"
         r"secret\s+partag[ée]|digicode|"
         rf"code\s+(?:du\s+)?(?:pin|{_WIFI}|d['’]acc[èe]s|de\s+la\s+porte|alarme)")
# Short words that are a password word only right before ':' or '=' (« pass: x »).
_SHORT = r"pass|pw|pin"
# A password word, a few words of qualifier (« du compte admin »), then ':' or '='.
KEYWORD_VALUE = re.compile(
    rf"(?<![\w-])(?:{_WORD})(?![\w-])[^:=\n]{{0,30}}?\s*[:=]\s*(?P<value>.*)$"
    rf"|(?<![\w-])(?:{_SHORT})\s*[:=]\s*(?P<short>.*)$", re.IGNORECASE)
# A password word and the words after it, up to a separator (the bare form, rule 2).
KEYWORD_BARE = re.compile(rf"(?<![\w-])(?:{_WORD})(?![\w-])(?P<rest>[^:=\n]*)(?P<sep>[:=])?",
                          re.IGNORECASE)
BARE_WINDOW = 3  # words after the password word that may hold the password
PIN_DIGITS = re.compile(r"(?<![\w-])(?:digicode|(?:code\s+)?pin)(?![\w-])\s*(?:n°\s*)?"
                        r"(?P<secret>\d{4,8}[a-z#*]?)(?!\w)", re.IGNORECASE)
# A line that only names a password (« Mot de passe : », « **MDP wifi** », « Identifiants : »):
# its value may be on the next line.
LABEL_ONLY = re.compile(
    r"^\s*(?:#+\s*|[-*+]\s+|\d+[.)]\s+)?[*_]*(?:(?:le|la|les|votre|nouveau|nouvel)\s+)?"
    rf"(?P<word>{_WORD}|pin|identifiants?|credentials|login)(?![\w-])"
    r"(?:\s+[\w'’-]+){0,4}?[*_]*\s*(?P<sep>[:=])?[*_]*\s*$", re.IGNORECASE)
CREDENTIALS_WORD = re.compile(r"identifiants?|credentials|login", re.IGNORECASE)
# Any word some rule starts from (a fast first look at each line).
ANY_WORD = re.compile(rf"{_WORD}|{_SHORT}|digicode|identifiants?|credentials|login",
                      re.IGNORECASE)
FENCE = re.compile(r"^\s*(?:```|~~~)")
LIST_MARK = re.compile(r"^\s*(?:[-*+>]\s+|\d+[.)]\s+)")
PAIR = re.compile(r"^\S+\s*/\s*\S+$")
URL_WITH_PASSWORD = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s/:@]+:(?P<secret>[^\s/@]+)@",
                               re.IGNORECASE)
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
PASSWORD_HEADER = re.compile(rf"^\s*(?:{_WORD})(?![\w-])", re.IGNORECASE)
TABLE_RULE = re.compile(r"^\s*\|?[\s:|-]+\|?\s*$")
QUOTED = re.compile(r"^[«\"'“‘`]\s*\S")
PARENTHESES = re.compile(r"\([^)]*\)|\[[^\]]*\]")
STRIP = "\"'«»“”‘’()[]{}<>,;.:!?`*"

# Values that point elsewhere: an address, a path (rule 1 leaves them alone).
POINTERS = [re.compile(p, re.IGNORECASE) for p in (
    r"^[a-z][a-z0-9+.-]*://",                         # URL
    r"^www\.",
    r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$",                  # e-mail
    r"^(?:[a-z]:)?[\\/]",                             # path
    r"^\\\\",
)]
NOT_SECRETS = [*POINTERS, *(re.compile(p, re.IGNORECASE) for p in (
    r"^([a-z0-9-]+\.)+[a-z]{2,}$",                    # host name
    r"^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$",             # MAC
    r"^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$",   # UUID
    r"^[0-9a-f:.]+(/\d+)?$",                          # IP v4/v6, network
))]
# One part of a product code or a version (« Win10 », « Pro », « x64 », « 7.0U3 », « 60F »):
# letters of one case (or capitalised), digits, then letters of one case.
CODE_PART = re.compile(r"^(?:[A-Z]?[a-z]+|[A-Z]+)?[\d.]*(?:[a-z]+|[A-Z]+)?$")
SYMBOLS = set("!@#$%^&*?~+=§£€<>|;,")


@dataclass(frozen=True)
class Finding:
    """A line that seems to hold a password: its number (from 1), a masked excerpt and
    why (in French, marked for the catalogue: translated where it is shown)."""

    line: int
    excerpt: str
    reason: str


def find_passwords(text: str) -> list[Finding]:
    """The lines of ``text`` that seem to hold a password (empty list: none found)."""
    findings = []
    columns: set[int] = set()  # password columns of the current Markdown table
    label: re.Match | None = None  # a line naming a password, its value maybe next
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
        if not found and label is not None and line.strip() and not FENCE.match(line):
            found = _check_next_line(label, line)
        if found:
            reason, secret = found
            findings.append(Finding(number, _excerpt(line, secret), reason))
        if not line.strip() or FENCE.match(line):
            continue  # the value may come after a blank line or a code fence
        label = LABEL_ONLY.match(line) if not found and cells is None else None
    return findings


def _check_line(line: str) -> tuple[str, str] | None:
    """(reason, the suspicious part) for a line that seems to hold a password."""
    if ANY_WORD.search(line):  # most lines name no password: one search decides
        found = _check_keywords(line)
        if found:
            return found
    match = URL_WITH_PASSWORD.search(line) if "://" in line else None
    if match:
        return N_("un mot de passe semble y être écrit dans une adresse"), match.group("secret")
    for token in line.split():
        if random_looking(token):
            return N_("une chaîne qui ressemble à un mot de passe ou à une clé y figure"), \
                token.strip(STRIP)
    return None


def _check_keywords(line: str) -> tuple[str, str] | None:
    """Rules 1 and 2 on a line that holds a password word."""
    for match in KEYWORD_VALUE.finditer(line):
        value = match.group("value") if match.group("value") is not None else match.group("short")
        if _is_secret_value(value or "", strict=False):
            return N_("un mot de passe semble y être écrit"), value.strip()
    for match in KEYWORD_IS.finditer(line):
        if _is_secret_value(match.group("value"), strict=True):
            return N_("un mot de passe semble y être écrit"), match.group("value").strip()
    match = CREDENTIAL_PAIR.search(line)
    if match:
        return N_("des identifiants (utilisateur / mot de passe) semblent y être écrits"), \
            match.group(0).split(":", 1)[-1].split("=", 1)[-1].strip()
    for match in KEYWORD_BARE.finditer(line):
        secret = _bare_secret(match.group("rest"), ends_line=match.group("sep") is None)
        if secret:
            return N_("un mot de passe semble y être écrit"), secret
    match = PIN_DIGITS.search(line)
    if match:
        return N_("un code semble y être écrit"), match.group("secret")
    return None


def _check_next_line(label: re.Match, line: str) -> tuple[str, str] | None:
    """The line after « Mot de passe : » (or « Identifiants : »): is it the value?"""
    value = LIST_MARK.sub("", line).strip()
    if CREDENTIALS_WORD.fullmatch(label.group("word")):
        if PAIR.match(value) and not any(p.search(value) for p in POINTERS):
            return N_("des identifiants (utilisateur / mot de passe) semblent y être écrits"), value
        return None
    if _is_secret_value(value, strict=label.group("sep") is None):
        return N_("un mot de passe semble y être écrit (sur la ligne qui suit son intitulé)"), value
    return None


def _bare_secret(rest: str, *, ends_line: bool) -> str | None:
    """Rule 2: after a password word without ':', the first words that look like
    a password: a strong one anywhere in the window, a weaker one ending the line."""
    words = rest.split()
    for n, word in enumerate(words[:BARE_WINDOW]):
        token = word.strip(STRIP)
        if any(p.search(token) for p in NOT_SECRETS) or product_code(token):
            continue
        lower = any(c.islower() for c in token)
        digits = any(c.isdigit() for c in token)
        symbols = any(c in SYMBOLS for c in token)
        leet = re.search(r"[A-Za-z]\d+[A-Za-z]", token) is not None
        letters = any(c.isalpha() for c in token)
        if len(token) >= 6 and lower and (symbols or (leet and digits)):
            return word
        last = ends_line and n == len(words) - 1
        if last and len(token) >= 4 and lower and letters and (digits or symbols):
            return word
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
            return N_("la colonne « mot de passe » d'un tableau est remplie"), cells[n]
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
    if any(p.search(words[0]) for p in POINTERS) and not URL_WITH_PASSWORD.search(words[0]):
        return False  # « mot de passe : https://coffre… » says where it is
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
    if len(token) < MIN_TOKEN_LENGTH:
        return False
    lower = any(c.islower() for c in token)
    upper = any(c.isupper() for c in token)
    other = any(not c.isalpha() for c in token)
    if not (lower and upper and other):
        return False
    if any(p.search(token) for p in NOT_SECRETS) or product_code(token):
        return False
    wordy = sum(len(run) for run in re.findall(r"[A-Z]?[a-z]{3,}|[A-Z]{4,}", token)
                if len(run) >= 4)
    return wordy / len(token) < MAX_WORDINESS


def product_code(token: str) -> bool:
    """A reference made of short regular parts (« Win10-Pro-x64 », « FortiGate-60F »),
    at least one of them a word: a product, a version, a licence edition."""
    parts = re.split(r"[-_]", token.strip(STRIP))
    return (len(parts) >= 2 and all(p and CODE_PART.match(p) for p in parts)
            and any(re.search(r"[A-Za-z]{3,}", p) for p in parts))


def _excerpt(line: str, secret: str) -> str:
    """The line, the suspicious part masked, shortened for the warning."""
    shown = line.replace(secret, MASK) if secret else line
    shown = " ".join(shown.split())
    if len(shown) > EXCERPT_LENGTH:
        shown = shown[:EXCERPT_LENGTH - 1] + "…"
    return shown
