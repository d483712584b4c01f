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


@pytest.fixture(autouse=True)
def _migration_seeded_rows(request):
    """Transactional tests flush the database after themselves, which also removes the rows
    that migrations seed (the policy standards of assessment 0002). Put them back before each
    transactional test with the migration's own function.

    (``serialized_rollback`` would do the same, but the flush of any transactional test that
    does not use it re-creates content types under new ids, and the next restore then collides
    with them; tests/test_architecture.py keeps it out.)
    """
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("transactional_db")
    import importlib

    from django.apps import apps

    from assessment.models import PolicyStandard

    if not PolicyStandard.objects.exists():
        importlib.import_module("assessment.migrations.0002_seed_standards").seed(apps, None)
