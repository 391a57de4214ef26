"""GIC settings. Copy to instance/config.py and adapt; every key is optional.

Environment variables (DATABASE_URL, SECRET_KEY, GIC_ENV) override nothing here:
they are read first, and instance/config.py wins over them.
"""

# Signs session cookies and CSRF tokens. REQUIRED in production: the app refuses
# to start with GIC_ENV=production and no real key. Generate one with
#   python -c "import secrets; print(secrets.token_hex(32))"
SECRET_KEY = "change-me"

# SQLAlchemy URL of the database. Default: SQLite file instance/gic.sqlite3.
# PostgreSQL (regional instance):
#   SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://gic:secret@localhost/gic"
# SQLALCHEMY_DATABASE_URI = "sqlite:////absolute/path/to/gic.sqlite3"

# Session times are entered and their minutes computed in each groupement's
# own time zone (Groupement.timezone, Europe/Paris by default): a session over
# a DST change counts its real minutes.

# Locale of dates and amounts (« 14 mars 2025 », « 183,33 € »). The interface
# is written in French; no other translation ships yet.
BABEL_DEFAULT_LOCALE = "fr"
BABEL_DEFAULT_TIMEZONE = "Europe/Paris"

# Outgoing mail (notifications). With MAIL_SERVER empty, e-mails are written
# as .eml files to instance/outbox/ so they can be read in development.
MAIL_SERVER = ""
MAIL_PORT = 587
MAIL_USE_TLS = True
MAIL_USERNAME = ""
MAIL_PASSWORD = ""
MAIL_DEFAULT_SENDER = "GIC <no-reply@gic.invalid>"

# Where development e-mails are written when MAIL_SERVER is empty
# (default: instance/outbox/).
# MAIL_OUTBOX = "/var/lib/gic/outbox"

# Public address of the app, to put full links in e-mails and invitations
# (env. PUBLIC_URL). Default: http://$HOST:$PORT (scripts/run exports both).
# PUBLIC_URL = "https://gic.exemple.fr"
#
# Every setting of this file can also be given as an environment variable with
# a GIC_ prefix (GIC_PUBLIC_URL, GIC_LOGIN_WINDOW_MINUTES=30…), read as JSON
# where it parses; it wins over this file.

# Scheduled jobs: `flask --app gic scheduler` holds a lock so that only one
# scheduler runs (PostgreSQL advisory lock; with SQLite this file lock).
# SCHEDULER_LOCK_FILE = "/var/lib/gic/scheduler.lock"  # default instance/scheduler.lock

# Cookies: HttpOnly and SameSite=Lax always; Secure when served over HTTPS.
# Forced to True (with REMEMBER_COOKIE_SECURE) when GIC_ENV = "production" or
# PUBLIC_URL starts with https://, whatever is written here.
SESSION_COOKIE_SECURE = False

# Login protection (web login and POST /api/v1/tokens), within LOGIN_WINDOW_MINUTES:
# refused after LOGIN_MAX_FAILURES failures for one e-mail from one address,
# LOGIN_MAX_FAILURES_PER_ADDRESS from one address (same answer whether or not
# the e-mail exists), or LOGIN_MAX_FAILURES_PER_EMAIL for one e-mail from
# anywhere, but then only from addresses its owner has not logged in from in the
# last 90 days (strangers cannot lock him out of his usual addresses), and a
# password reset by e-mail lifts it.
LOGIN_MAX_FAILURES = 5
LOGIN_MAX_FAILURES_PER_EMAIL = 20
LOGIN_MAX_FAILURES_PER_ADDRESS = 50
LOGIN_WINDOW_MINUTES = 15

# A password reset link (« Mot de passe oublié », or sent by the coordinator)
# works once, for this many hours.
PASSWORD_RESET_HOURS = 24

# How new passwords are hashed (werkzeug's method string; existing hashes keep
# theirs and still verify). The default, scrypt, is werkzeug's own.
# PASSWORD_HASH_METHOD = "scrypt"

# The action links of a notification e-mail (« Activer », « Accepter et affecter… »,
# « Valider », « Refuser ») open a confirmation page for this many hours; each
# works once (the request then moves on) and only for the person it was sent to.
# EMAIL_ACTION_HOURS = 72

# Behind a reverse proxy (nginx…), the number of proxies to trust for
# X-Forwarded-For/Proto/Host, so that throttling sees the client's address and
# HTTPS is detected (HSTS). 0: not behind a proxy.
PROXY_FIX_X_FOR = 0

# A folder where compiled templates are kept, so that a new worker process does
# not compile them again (each page's templates take ~25 ms to compile); None: off.
# TEMPLATE_CACHE_DIR = "instance/template-cache"

# A session is dated at most this many days before its request was drafted (and
# never before one of its establishments joined the groupement).
# SESSION_BACKDATE_DAYS = 30
