"""Project-wide rules that are easy to break by accident and hard to spot in review.

Each rule scans the project's own source (never .venv or vendored assets) and names the file and
line that breaks it.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = ["poverty", "villages", "households", "assistance", "assessment"]


def app_sources():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            yield path


def offending_lines(paths, pattern: re.Pattern, *, skip=lambda path: False):
    found = []
    for path in paths:
        if skip(path):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line) and not line.lstrip().startswith("#"):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return found


def test_no_naive_clock_reads():
    """Times are stored aware and days are the local (Asia/Shanghai) day: use
    django.utils.timezone.now() / localdate(), never the machine's naive clock."""
    naive = re.compile(r"\b(datetime\.now\(\)|datetime\.utcnow\(|date\.today\(\))")
    assert offending_lines(app_sources(), naive) == []


def test_no_print_in_application_code():
    """Library code logs; only commands and the developer launcher talk to the terminal."""
    allowed = {"devstack.py", "preflight.py"}
    printing = re.compile(r"^\s*print\(")
    found = offending_lines(
        app_sources(),
        printing,
        skip=lambda path: path.name in allowed or "management" in path.parts,
    )
    assert found == []


@pytest.mark.parametrize("folder", ["templates", "static/js"])
def test_no_asset_is_loaded_from_the_internet(folder):
    """County networks are often intranets: every script, style and font is vendored."""
    remote = re.compile(r"""(src|href)\s*=\s*["']https?://|@import\s+url\(["']?https?://""")
    files = [p for p in (ROOT / folder).rglob("*") if p.is_file()]
    assert files, f"{folder} is empty"
    assert offending_lines(files, remote) == []


def test_no_serialized_rollback():
    """A transactional test flushes the database afterwards; one that does not use
    serialized_rollback re-creates content types (post_migrate) under new ids, and the next
    serialized restore collides with them. Migration-seeded rows are put back by the
    ``_migration_seeded_rows`` fixture in tests/conftest.py instead."""
    marker = re.compile(r"serialized_rollback\s*=\s*True")
    tests = [p for p in sorted((ROOT / "tests").rglob("*.py")) if p.name != "test_architecture.py"]
    assert offending_lines(tests, marker) == []
