"""Django settings for urbangrid: wiring only, every value from the environment.

``URBANGRID_ENV`` is ``development`` (default), ``test`` or ``production``. Production
refuses to start without ``SECRET_KEY`` and ``ALLOWED_HOSTS`` and never loads demo data.
``DATABASE_URL`` picks the database: SQLite (the embedded default) or PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext_lazy as _

from config.env import database_from_url, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
ENVIRONMENT = env_str("URBANGRID_ENV", "development")
if ENVIRONMENT not in {"development", "test", "production"}:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        f"URBANGRID_ENV={ENVIRONMENT!r}: use development, test or production"
    )
IS_PRODUCTION = ENVIRONMENT == "production"

VAR_DIR = Path(env_str("URBANGRID_VAR_DIR", str(BASE_DIR / "var")))

if IS_PRODUCTION:
    SECRET_KEY = env_str("SECRET_KEY")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
    if not ALLOWED_HOSTS:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production")
else:
    SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-0123456789abcdefghijklmnopqrstuvwxyz")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver", "[::1]"])

DEBUG = env_bool("DEBUG", ENVIRONMENT == "development")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks_db",
    "urbangrid.common",
    "urbangrid.geo",
    "urbangrid.calendars",
    "urbangrid.catalog",
    "urbangrid.organisations",
    "urbangrid.assets",
    "urbangrid.outbox",
    "urbangrid.cases",
    "urbangrid.open311",
    "urbangrid.evaluation",
    "urbangrid.intake",
    "urbangrid.hotline",
    "urbangrid.exchange",
    "urbangrid.api",
    "urbangrid.staff",
    "urbangrid.public",
    "urbangrid.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "urbangrid.common.middleware_db.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "urbangrid.common.middleware_input.RejectNulMiddleware",
    "urbangrid.api.middleware.MethodNotAllowedMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "urbangrid.common.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'urbangrid.sqlite3'}"), BASE_DIR
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# PostgreSQL: parameters bound by the server, and the statements a connection runs again
# and again prepared once (psycopg 3): less parsing and planning per request (about a
# fifth less CPU per intake report, bench/bench_intake.py). Behind a pooler in
# transaction mode (PgBouncer before 1.21), set PG_PREPARED_STATEMENTS=0.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "PG_PREPARED_STATEMENTS", True
):
    DATABASES["default"]["OPTIONS"].setdefault("server_side_binding", True)
    DATABASES["default"]["OPTIONS"].setdefault("prepare_threshold", 5)

AUTH_USER_MODEL = "organisations.User"
AUTHENTICATION_BACKENDS = ["urbangrid.organisations.backends.ThrottledModelBackend"]
AUTH_PASSWORD_VALIDATORS = (
    [
        {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
        {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
        {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
        {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    ]
    if IS_PRODUCTION
    else []
)
if ENVIRONMENT == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/staff/"
LOGOUT_REDIRECT_URL = "/"

# Simplified Chinese by default; Traditional Chinese and English switchable.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("zh-hant", _("繁體中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Static files are served by the application itself (WhiteNoise; ADR 0004), compressed
# and with long cache lifetimes for hashed names: no CDN, no separate web server needed.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if IS_PRODUCTION
        else "whitenoise.storage.CompressedStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not IS_PRODUCTION  # development: no collectstatic needed
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))

TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Map: a tile server is optional; without it, maps draw grids and cases from our GeoJSON.
MAP_TILE_URL = env_str("MAP_TILE_URL", "")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
if IS_PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
OPEN311_JURISDICTION_ID = env_str("OPEN311_JURISDICTION_ID", "")
# Public base URL of this platform (e.g. https://city.example), used in links that leave
# it: tracking links in SMS/e-mail, media_url in Open311 deliveries.
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "" if IS_PRODUCTION else "http://127.0.0.1:8000")
OPEN311_STUCK_MINUTES = env_int("OPEN311_STUCK_MINUTES", 30)

# Notifications. E-mail through SMTP in production (EMAIL_HOST, EMAIL_PORT, …), printed to
# the console in development. SMS through a gateway: "console", "file" or a class path.
MAILERS = {
    "default": {
        "BACKEND": env_str(
            "EMAIL_BACKEND",
            "django.core.mail.backends.smtp.EmailBackend"
            if IS_PRODUCTION
            else "django.core.mail.backends.console.EmailBackend",
        ),
        "OPTIONS": (
            {
                "host": env_str("EMAIL_HOST", "localhost"),
                "port": env_int("EMAIL_PORT", 25),
                "username": env_str("EMAIL_HOST_USER", ""),
                "password": env_str("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", False),
            }
            if IS_PRODUCTION
            else {}
        ),
    }
}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "urbangrid <noreply@localhost>")
URBANGRID_SMS_BACKEND = env_str("SMS_BACKEND", "console")

# Intake (defaults as the issues state; each configurable).
URBANGRID_DUPLICATE_RADIUS_M = env_int("DUPLICATE_RADIUS_M", 50)
URBANGRID_PUBLIC_REPORT_LIMIT = env_int("PUBLIC_REPORT_LIMIT", 10)
URBANGRID_PUBLIC_REPORT_WINDOW_S = env_int("PUBLIC_REPORT_WINDOW_S", 3600)
URBANGRID_MAX_PHOTO_BYTES = env_int("MAX_PHOTO_BYTES", 15 * 1024 * 1024)
URBANGRID_MAX_PHOTO_PIXELS = env_int("MAX_PHOTO_PIXELS", 40_000_000)
URBANGRID_CALLBACK_REOPEN = env_str("CALLBACK_REOPEN", "unsolved_and_unsatisfied")
URBANGRID_CALLBACK_ATTEMPTS = env_int("CALLBACK_ATTEMPTS", 3)  # calls before "unreachable"
URBANGRID_CALLBACK_GAP_MINUTES = env_int("CALLBACK_GAP_MINUTES", 120)  # between attempts; 0: none
if not 0 <= URBANGRID_CALLBACK_GAP_MINUTES <= 7 * 24 * 60:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("CALLBACK_GAP_MINUTES must be 0 to 10080 (a week)")
URBANGRID_BENCH_ENDPOINTS = env_bool("URBANGRID_BENCH_ENDPOINTS", False) and not IS_PRODUCTION
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
