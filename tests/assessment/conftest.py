"""The standards come from migration 0002. A test elsewhere in the session that empties the
tables (transactional tests flush them) must not leave these tests without them."""

import importlib

import pytest


@pytest.fixture(autouse=True)
def _seeded_standards(request):
    """For database tests only: put the seed back if a flush removed it."""
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("django_db_blocker")
    from django.apps import apps

    from assessment.models import PolicyStandard

    if not PolicyStandard.objects.exists():
        importlib.import_module("assessment.migrations.0002_seed_standards").seed(apps, None)
