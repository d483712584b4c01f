"""The project's PostgreSQL backend (poverty/db/base.py): a connection that was healthy at the
end of a request less than DATABASE_HEALTH_CHECK_AFTER_IDLE seconds ago is not probed with
SELECT 1 at the start of the next; one idle for longer is (and one that had an error is
probed at the end of that request, as Django does)."""

import pytest
from django.db import connections

pytestmark = pytest.mark.django_db


def _request(wrapper):
    """What a request does to a connection: check at the start, one query, check at the end."""
    wrapper.close_if_unusable_or_obsolete()
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT 1")
    wrapper.close_if_unusable_or_obsolete()


def test_busy_connections_skip_the_probe_idle_ones_do_not(settings):
    assert connections["default"].settings_dict["ENGINE"] == "poverty.db"
    assert connections["default"].settings_dict["CONN_HEALTH_CHECKS"] is True
    wrapper = connections.create_connection("default")  # outside the test's transaction
    probes = []
    real_is_usable = wrapper.is_usable
    wrapper.is_usable = lambda: probes.append(1) or real_is_usable()
    try:
        settings.DATABASE_HEALTH_CHECK_AFTER_IDLE = 60
        wrapper.ensure_connection()
        _request(wrapper)  # a connection never seen healthy at a request's end: probed
        assert len(probes) == 1
        _request(wrapper)
        _request(wrapper)
        assert len(probes) == 1  # busy: trusted
        settings.DATABASE_HEALTH_CHECK_AFTER_IDLE = 0  # everything counts as idle
        _request(wrapper)
        assert len(probes) == 2
        settings.DATABASE_HEALTH_CHECK_AFTER_IDLE = 60
        wrapper.errors_occurred = True  # a request that failed on the connection
        wrapper.close_if_unusable_or_obsolete()  # its end: probed (by Django), found usable
        assert len(probes) == 3
        _request(wrapper)
        assert len(probes) == 3  # so the next request trusts it
    finally:
        wrapper.close()
