# Shared by scripts/run and scripts/test (sourced, not executed).
# Creates .venv with python3 if missing and installs the project in it at the
# versions of requirements.lock (scripts/lock), only when pyproject.toml, the lock
# or the requested extras changed since the last install.

as_root() {
    # Run a command as root: directly when we are root, through sudo otherwise.
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_system_libraries() {
    # WeasyPrint (PDF of the bilan and minutes) needs Pango and a font from Debian;
    # the tests read PDFs back with pdftotext (poppler-utils).
    if ! ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0" \
            || ! ls /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf >/dev/null 2>&1 \
            || ! command -v pdftotext >/dev/null 2>&1; then
        echo "==> Installation de Pango, des polices DejaVu et de poppler-utils (apt-get), pour les PDF"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
            libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core poppler-utils
    fi
}

ensure_chromium() {
    # The browser journeys (tests/e2e) drive Debian's Chromium through Playwright:
    # the browser comes from Debian's packages, never from `playwright install`.
    # Not fatal here: without it the journeys fail in CI (CI=true) with the reason.
    if [ ! -x /usr/bin/chromium ]; then
        echo "==> Installation de Chromium (apt-get), pour les parcours navigateur"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q \
            && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium \
            || echo "Avertissement : Chromium n'a pas pu être installé (tests/e2e)." >&2
    fi
}

ensure_test_tools() {
    # Tools the tests read the app's output with, from Debian's packages: khal, a
    # calendar client, reads the iCalendar feed (tests/views/test_calendar_feed.py).
    # Not fatal here: without it that test fails in CI (CI=true) with the reason.
    if ! command -v khal >/dev/null 2>&1; then
        echo "==> Installation de khal (apt-get), pour lire le flux calendrier"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q \
            && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q khal \
            || echo "Avertissement : khal n'a pas pu être installé (flux calendrier)." >&2
    fi
}

ensure_venv() {
    # ensure_venv SPEC, e.g. ensure_venv "." or ensure_venv ".[test]"
    local spec="$1"
    local python="${PYTHON:-python3}"
    if [ ! -x .venv/bin/python ]; then
        echo "==> Création de l'environnement virtuel .venv ($("$python" --version 2>&1))"
        if ! "$python" -m venv .venv 2>/dev/null; then
            # Debian's python3 ships venv/ensurepip in a separate package.
            rm -rf .venv
            echo "==> python3 -m venv indisponible : installation de python3-venv (apt-get)"
            as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
            as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv
            "$python" -m venv .venv
        fi
    fi
    local stamp=.venv/.gic-install-stamp
    local wanted
    wanted="$spec $(cksum < pyproject.toml) $(cksum < requirements.lock)"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
        echo "==> Installation des dépendances ($spec, versions de requirements.lock)"
        .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
        .venv/bin/python -m pip install -q --disable-pip-version-check \
            -c requirements.lock -e "$spec"
        echo "$wanted" > "$stamp"
    fi
}
