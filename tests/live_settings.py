"""Settings for the live servers of the slow tests: the project's, plus the database
middleware if the project does not list it yet (``urbangrid/common/middleware_db.py``)."""

from config.settings import *  # noqa: F403
from config.settings import MIDDLEWARE

_DB_MIDDLEWARE = "urbangrid.common.middleware_db.DatabaseUnavailableMiddleware"
if _DB_MIDDLEWARE not in MIDDLEWARE:
    MIDDLEWARE = [MIDDLEWARE[0], _DB_MIDDLEWARE, *MIDDLEWARE[1:]]
