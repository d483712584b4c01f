"""A full recomputation judges each distinct set of inputs once, with keys that PostgreSQL works
out per household-year (assessment.recompute._households_set_based). Every stored row must be
exactly what the plain rule functions give for that household-year, judged one at a time: a key
that leaves out something a rule reads would give some household-year the verdict of another
(the random registry has "twin" households that differ from the previous one in one member
fact, and households across provinces with and without checklists)."""

import csv
import io
import json
from decimal import Decimal as D

import pytest
from django.db import connection, transaction

from assessment.recompute import _batch_read, _Context, households_recompute
from households.models import Member
from tests.access import build_world
from tests.assessment.scenario import guarantees, income
from tests.assessment.test_recompute_fast import _cases, _plain, _with_set_ids

# villages in provinces with different standards (checklists, same-year exits, follow-up year),
# as test_recompute_fast.PLACES (their parent: a township of the world, which nothing here reads)
PLACES = ["510101001001", "450101001001", "610101001001", "620502100201", "520101001001",
          "530101001001", "110101001001"]  # fmt: skip


def _columns(cursor, table: str) -> list[str]:
    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
        "AND column_name <> 'id' ORDER BY ordinal_position",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


def _clone(cursor, table: str, template_id: int, values: dict) -> None:
    """A copy of one row with some columns replaced."""
    columns = _columns(cursor, table)
    select = ", ".join(f"%({c})s" if c in values else c for c in columns)
    cursor.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {select} FROM {table} "
        "WHERE id = %(template)s",
        {**values, "template": template_id},
    )


def _value(text: str):
    return None if text == "" else text


def _registry(seed: int, households: int) -> int:
    """The random households of test_recompute_fast as a registry (what the schema allows:
    an identified year, numbers where a record exists, a school status and an insurance answer
    for every member); returns the number of household-years."""
    world = build_world()
    template = world.counties["a"].households[0]
    income(template, 2018, 6000)
    guarantees(template, 2018, housing="not_met")
    head = Member.objects.filter(household=template, relation="01", is_active=True).first()
    other = Member.objects.filter(household=template, is_active=True).exclude(relation="01")[0]
    members, text, _count = _cases(seed, households)
    rows_by_household: dict[str, list[list[str]]] = {}
    for row in csv.reader(io.StringIO(text)):
        rows_by_household.setdefault(row[0], []).append(row)
    years = 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM households_annualincome WHERE household_id = %s", [template.pk]
        )
        income_template = cursor.fetchone()[0]
        cursor.execute(
            "SELECT id FROM households_guaranteestatus WHERE household_id = %s", [template.pk]
        )
        guarantee_template = cursor.fetchone()[0]
        village = template.village_id
        for code in PLACES:
            _clone_region(cursor, village, code)
        for number, (case_id, rows) in enumerate(rows_by_household.items()):
            _household(cursor, seed, number, rows, members[int(case_id)], template, head, other,
                       income_template, guarantee_template)  # fmt: skip
            years += sum(bool(row[11] or row[13]) for row in rows)
    return years


def _household(cursor, seed, number, rows, people, template, head, other, income_template,
               guarantee_template) -> None:  # fmt: skip
    """One household of the random cases with its members and records (one transaction: a
    household needs its head)."""
    with transaction.atomic():
        first = rows[0]
        identified = first[2] or first[10]
        _clone(cursor, "households_household", template.pk, {
            "household_number": f"T{seed}-{number}", "village_code": first[1],
            "registered_village_code": first[1], "identified_year": int(identified),
            "exit_year": max(int(first[3]), int(identified)) if first[3] else None, "status": first[4], "house_grade": first[5],
            "has_living_power": _value(first[6]), "has_broadcast_tv": _value(first[7]),
            "has_production_power": _value(first[8]),
            "has_sanitary_toilet": _value(first[9]),
        })  # fmt: skip
        cursor.execute("SELECT max(id) FROM households_household")
        household_id = cursor.fetchone()[0]
        # (every household has a head: an insured adult where the case has no members)
        people = people or [(1960, "01", True)]
        for index, (birth_year, school, insured) in enumerate(people):
            _clone(cursor, "households_member", (head if index == 0 else other).pk, {
                "household_id": household_id, "birth_date": f"{birth_year}-06-30",
                "school_status": school or "", "id_number": f"{43 * 10**16 + household_id * 10 + index:018d}",
                "has_resident_medical_insurance": bool(insured),
                "has_employee_medical_insurance": False, "division_code": first[1],
            })  # fmt: skip
        for row in rows:
            year, pc, net = int(row[10]), row[11], row[12]
            states = row[13:19]
            if pc:
                _clone(cursor, "households_annualincome", income_template, {
                    "household_id": household_id, "year": year,
                    "per_capita_net_income": pc, "net_income": net or pc,
                    "household_size": int(row[23] or 3),
                })  # fmt: skip
            if states[0]:
                _clone(cursor, "households_guaranteestatus", guarantee_template, {
                    "household_id": household_id, "year": year,
                    **dict(zip(("food", "clothing", "education", "medical", "housing",
                                "water"), states, strict=True)),
                    "water_litres_per_day": _value(row[19]),
                    "water_quality_ok": _value(row[20]),
                })  # fmt: skip


def _clone_region(cursor, template: str, code: str) -> None:
    columns = _columns(cursor, "villages_region")
    values = {"code": code}
    select = ", ".join(f"%({c})s" if c in values else c for c in columns)
    cursor.execute(
        f"INSERT INTO villages_region ({', '.join(columns)}) SELECT {select} "
        "FROM villages_region WHERE code = %(template)s",
        {**values, "template": template},
    )


def _numbers(rows) -> list[list]:
    """Rows with the income and the line as numbers (the table keeps two decimals of a line
    given with four)."""
    return [
        [*row[:3], D(row[3]) if row[3] else None, *row[4:7], D(row[7]) if row[7] else None,
         *row[8:]]
        for row in rows
    ]  # fmt: skip


def _stored() -> tuple[list[list[str]], list[tuple]]:
    """The readiness rows as CSV (the text the batch path writes) and the flags."""
    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        cursor.copy_expert(
            "COPY (SELECT household_id, division_code, year, per_capita_net_income, monitor, "
            "eligible, outcome, income_line, reason_set_id, household_size, guarantees_met "
            "FROM assessment_householdreadiness ORDER BY household_id, year) "
            "TO STDOUT WITH (FORMAT csv)",
            buffer,
        )
        cursor.execute(
            "SELECT household_id, division_code, year, code, item, unconfirmed, params::text "
            "FROM assessment_monitoringflag"
        )
        flags = cursor.fetchall()
    readiness = _numbers(csv.reader(io.StringIO(buffer.getvalue().decode())))
    return readiness, sorted(
        (str(h), d, str(y), c, i, "t" if u else "f", json.loads(p)) for h, d, y, c, i, u, p in flags
    )


def _expected() -> tuple[list[list[str]], list[tuple]]:
    """household_assess on every household-year, one at a time (test_recompute_fast._plain)."""
    members, stream, _households = _batch_read({"lo": 0, "hi": 10**12}, "")
    readiness, flags = _plain(_Context(), members, "".join(stream), None)
    return _numbers(_with_set_ids(readiness)), sorted(
        (*flag[:6], json.loads(flag[6])) for flag in flags
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("seed", [3, 8, 21])
def test_every_stored_verdict_is_that_of_the_rule_functions(seed):
    years = _registry(seed, 300)
    assert years > 1000

    result = households_recompute(workers=1, set_based=True)  # every household: set-based

    readiness, flags = _stored()
    expected_readiness, expected_flags = _expected()
    assert result.household_years == len(readiness) == len(expected_readiness)
    assert readiness == expected_readiness
    assert flags == expected_flags
    assert result.flags == len(flags)
    # the registry has what the keys must tell apart
    assert {row[6] for row in readiness} == {"eligible", "not_eligible", "incomplete"}
    assert {flag[3] for flag in flags} >= {"below_monitoring_line", "income_sharp_drop"}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT string_agg(s.reasons::text, ' ') FROM assessment_reasonset s "
            "WHERE s.id IN (SELECT reason_set_id FROM assessment_householdreadiness)"
        )
        reasons = cursor.fetchone()[0]
    for code in ("income_not_above_line", "income_below_line", "income_missing",
                 "veto_identified_this_year", "veto_dangerous_house", "veto_child_out_of_school",
                 "veto_member_uninsured", "follow_up_year_required", "checklist_not_met",
                 "water_not_met"):  # fmt: skip
        assert code in reasons, code


@pytest.mark.django_db(transaction=True)
def test_income_drops_at_the_limit_are_judged_one_by_one():
    """An exited household whose income fell by exactly the sharp-drop limit (30%) is flagged,
    one just under it is not: the rows that may raise an income flag must all reach the rule
    function, however close to the limit (the margin of _SB_ROWS_SQL)."""
    from households.models import Household

    world = build_world()
    county = world.counties["a"]
    for household, wages in (
        (county.households[0], (60000, 42000, 42000)),  # per capita 20,000 → 14,000: 30.0%
        (county.households[1], (60000, 42003, 29400)),  # 29.995%, then 30.0%
        (county.households[2], (60000, 41997, 60000)),  # 30.005%
    ):
        Household.objects.filter(pk=household.pk).update(
            exit_year=2018, status="exited", identified_year=2016
        )
        for year, wage in zip((2018, 2019, 2020), wages, strict=True):
            income(household, year, wage)
            guarantees(household, year)

    households_recompute(workers=1, set_based=True)

    readiness, flags = _stored()
    assert (readiness, flags) == _expected()
    drops = {(flag[0], flag[2]) for flag in flags if flag[3] == "income_sharp_drop"}
    ids = [str(h.pk) for h in county.households[:3]]
    assert drops == {(ids[0], "2019"), (ids[1], "2020"), (ids[2], "2019")}


@pytest.mark.django_db(transaction=True)
def test_a_set_based_full_run_adds_up_the_same_village_statistics_as_the_sql_pass(settings):
    from assessment.recompute import recompute, statistics_recompute
    from tests.assessment.test_recompute_statistics import (
        _parts_table_exists,
        _richer_registry,
        _statistics,
    )

    settings.ASSESSMENT_RECOMPUTE_SET_BASED = True
    _richer_registry()

    result = recompute(workers=1)

    assert result.village_parts and result.analyzed and not _parts_table_exists()
    from_the_pass = _statistics()
    assert any(row[14] for row in from_the_pass) and any(row[13] for row in from_the_pass)
    statistics_recompute()  # the SQL pass over the readiness rows
    assert _statistics() == from_the_pass
