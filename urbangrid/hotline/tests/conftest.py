"""The hotline tests use the intake tests' city, personas, photo builders and client."""

from urbangrid.intake.tests.conftest import *  # noqa: F403 - fixtures and builders re-exported
from urbangrid.intake.tests.conftest import EMAIL, NAME, PHONE, jpeg, png  # noqa: F401
