"""Shared fixtures. Tests run against real PostgreSQL (a server named by DATABASE_URL, or the
embedded one) and, for integration tests, a real Celery worker on the configured broker."""

import pytest


@pytest.fixture
def regions(db):
    """The founding regions (provinces down to townships) from the shipped division file."""
    from django.conf import settings
    from django.core.management import call_command

    call_command("import_regions", str(settings.POVERTY_REGION_SEED_FILE), verbosity=0)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hashing with PBKDF2 costs ~0.3 s per user; tests do not test the hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
