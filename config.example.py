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

# Time zone in which session start/end times are entered and durations
# computed (a session over a DST change counts its real minutes).
GIC_TIMEZONE = "Europe/Paris"

# Language of the interface when the user has not chosen one: "fr" or "en".
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

# Cookies: HttpOnly and SameSite=Lax always; Secure when served over HTTPS.
SESSION_COOKIE_SECURE = False

# Login protection: after this many failed attempts for one e-mail or one
# address within LOGIN_WINDOW_MINUTES, further attempts are refused for that
# window (same answer whether or not the e-mail exists).
LOGIN_MAX_FAILURES = 5
LOGIN_WINDOW_MINUTES = 15

# Scheduled jobs (APScheduler) are started only by `flask --app gic scheduler`,
# never by the web workers, so exactly one scheduler runs.
