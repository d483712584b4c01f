"""The ledgers' read-ahead (households.ledgers.exports._prefetched) outside a transaction:
batches in order, all read on one connection of the reader thread, closed at the end."""

import threading

import pytest
from django.db import connection

from households.ledgers.exports import _prefetched

pytestmark = pytest.mark.django_db(transaction=True)


def _read(chunk):
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s, pg_backend_pid()", [chunk[0]])
        value, pid = cursor.fetchone()
    return value, pid, threading.current_thread().name


def test_batches_come_in_order_from_one_reader_connection():
    batches = list(_prefetched([[1], [2], [3], [4]], _read))
    assert [value for value, _pid, _thread in batches] == [1, 2, 3, 4]
    assert len({pid for _value, pid, _thread in batches}) == 1  # one connection, not four
    assert all(thread.startswith("ledger-read") for _v, _p, thread in batches)
    assert not any(t.name.startswith("ledger-read") for t in threading.enumerate())


def test_a_caller_that_stops_early_or_a_failing_read_leaves_no_reader_behind():
    batches = _prefetched([[1], [2], [3]], _read)
    assert next(batches)[0] == 1
    batches.close()  # the caller stops after the first batch

    def failing(chunk):
        if chunk == [2]:
            raise ValueError("boom")
        return _read(chunk)

    with pytest.raises(ValueError, match="boom"):
        list(_prefetched([[1], [2], [3]], failing))
    assert not any(t.name.startswith("ledger-read") for t in threading.enumerate())


def test_batches_start_small_and_double_up_to_the_full_size():
    from households.ledgers.exports import BATCH_SIZE, FIRST_BATCH_SIZE, _chunked

    keys = list(range(12_664))
    chunks = _chunked(keys)
    assert [k for chunk in chunks for k in chunk] == keys  # every key once, in order
    sizes = [len(c) for c in chunks]
    assert sizes[0] == FIRST_BATCH_SIZE and max(sizes) == BATCH_SIZE
    assert all(b == min(2 * a, BATCH_SIZE) for a, b in zip(sizes, sizes[1:-1], strict=False))
    assert _chunked([]) == [] and _chunked([7]) == [[7]]
