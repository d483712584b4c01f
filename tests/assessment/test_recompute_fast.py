"""The household pass of the recomputation shares verdicts between household-years with the same
inputs (assessment.recompute._batch_compute); its rows must be exactly those of the plain rule
functions, judged one household-year at a time."""

import csv
import io
import random
from decimal import Decimal as D
from itertools import groupby
from operator import itemgetter

from assessment.recompute import (
    _batch_compute,
    _Context,
    _household_facts,
    _json,
    _reasons_json,
    reason_set_id,
)
from assessment.rules import StandardRow, StandardSet, household_assess
from assessment.rules.household_exit import household_checklist_needed
from tests.assessment.standards_fixture import CHECKLIST, ROWS

EXTRA = [
    # a province testing exits against the working line (line_key in the reasons)
    StandardRow("exit_uses_working_line", D("1"), scope_code="52", evidence="U"),
    StandardRow("exit_working_line", D("3300"), scope_code="52", year_from=2016, evidence="U"),
    # a disposable-income line (income_measure_differs)
    StandardRow("poverty_line", D("4100"), scope_code="53", year_from=2020, year_to=2020,
                evidence="U", measure="disposable"),
]  # fmt: skip

PLACES = ["510101001001", "450101001001", "610101001001", "620502100201", "520101001001",
          "530101001001", "110101001001"]  # fmt: skip
LINES = ["2952", "2995", "3218", "3300", "3747", "4000", "4100", "6000"]
STATES = ["met", "not_met", "unknown", "not_applicable", ""]


def _income(rng: random.Random) -> str:
    pick = rng.random()
    if pick < 0.1:
        return ""
    if pick < 0.6:  # on, just below or just above a line
        return str(D(rng.choice(LINES)) + rng.choice([D("0"), D("0.01"), D("-0.01"), D("1")]))
    return str(D(rng.randint(0, 900000)) / 100)


def _household(rng: random.Random, household_id: int) -> tuple[list[list[str]], list[tuple]]:
    code = rng.choice(PLACES)
    first = rng.randint(2014, 2020)
    identified = rng.choice(["", str(first), str(first + 1)])
    exit_year = rng.choice(["", "", str(rng.randint(first, 2021))])
    status = rng.choice(["poor", "exited", "monitored"])
    grade = rng.choice(["", "A", "B", "C", "d"])
    flags = [rng.choice(["t", "f", ""]) for _ in range(4)]
    all_met = rng.random() < 0.5
    rows = []
    for year in range(first, 2022):
        if rng.random() < 0.15:
            continue  # a year without records
        if all_met or rng.random() < 0.3:
            states = ["met"] * 6
        elif rng.random() < 0.1:
            states = [""] * 6  # no guarantee record
        else:
            states = [rng.choice(STATES[:4]) for _ in range(6)]
        water = [rng.choice(["", "35", "40", "60.5"]), rng.choice(["t", "f", ""]), "", ""]
        size = rng.choice(["", "1", "4", "7"])
        rows.append(
            [str(household_id), code, identified, exit_year, status, grade, *flags, str(year),
             _income(rng), _income(rng), *states, *water, size]
        )  # fmt: skip
    members = [
        (rng.randint(1940, 2018), rng.choice(["01", "02", "03", None]), rng.choice([True, False, None]))
        for _ in range(rng.randint(0, 5))
    ]  # fmt: skip
    return rows, members


def _plain(ctx, members, text, only_year):
    """The previous household pass: household_assess on every household-year."""
    readiness, flags = [], []
    cache = {}
    for household_id, group in groupby(csv.reader(io.StringIO(text)), itemgetter(0)):
        rows = list(group)
        previous = None
        for index, row in enumerate(rows):
            year = int(row[10])
            if only_year is None or year == only_year:
                view = ctx.view(row[1], year)
                facts = _household_facts(
                    row, previous, members.get(int(household_id), ()), index == len(rows) - 1,
                    household_checklist_needed(view),
                )  # fmt: skip
                verdict = household_assess(facts, view)
                line = verdict.figures["line"]
                readiness.append(
                    [household_id, row[1], str(year), row[11], "t" if verdict.monitor else "f",
                     "t" if verdict.eligible else "f", verdict.outcome,
                     "" if line is None else str(line),
                     _reasons_json(verdict.reasons, cache) if verdict.reasons else "[]",
                     row[23],  # the household size of the income record
                     "t" if all(s in ("met", "not_applicable") for s in row[13:19]) else "f"]
                )  # fmt: skip
                for flag in verdict.monitor_flags:
                    flags.append(
                        [household_id, row[1], str(year), flag.code, flag.item,
                         "t" if flag.unconfirmed else "f", _json(dict(flag.params or {}))]
                    )  # fmt: skip
            previous = row
    return readiness, flags


def _twin(rng: random.Random, household_id: int, rows, members):
    """The previous household again with one member fact changed (school, insurance or a year
    of age): shared verdicts must not ignore what tells the two apart."""
    rows = [[str(household_id), *row[1:]] for row in rows]
    members = list(members) or [(2010, "01", True)]
    index = rng.randrange(len(members))
    birth_year, school, insured = members[index]
    change = rng.choice(["school", "insured", "age"])
    if change == "school":
        school = "02" if school == "01" else "01"
    elif change == "insured":
        insured = rng.choice([v for v in (True, False, None) if v is not insured])
    else:
        birth_year += rng.choice([-1, 1])
    members[index] = (birth_year, school, insured)
    return rows, members


def _cases(seed: int, households: int):
    rng = random.Random(seed)
    members, rows = {}, []
    household_rows = household_members = None
    for household_id in range(1, households + 1):
        if household_rows and rng.random() < 0.3:
            household_rows, household_members = _twin(
                rng, household_id, household_rows, household_members
            )
        else:
            household_rows, household_members = _household(rng, household_id)
        rows += household_rows
        members[household_id] = household_members
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return members, buffer.getvalue(), len(rows)


def _with_set_ids(rows: list[list[str]]) -> list[list[str]]:
    """The expected readiness rows as written: the reasons' JSON replaced by its set id."""
    return [[*row[:8], str(reason_set_id(row[8])), *row[9:]] for row in rows]


def _context():
    classes = {"51": "west", "45": "west", "61": "west", "62": "west", "52": "west"}
    return _Context(standards=StandardSet(ROWS + EXTRA, CHECKLIST), classes=classes)


def test_the_shared_verdicts_are_those_of_the_plain_rule_functions():
    members, text, count = _cases(7, 600)
    assert count > 2000
    expected = _plain(_context(), members, text, None)
    ctx = _context()
    for run in range(2):  # cold and warm memos
        readiness, flags = _batch_compute(ctx, members, io.StringIO(text), None)
        assert list(csv.reader(io.StringIO("".join(readiness)))) == _with_set_ids(expected[0])
        assert list(csv.reader(io.StringIO("".join(flags)))) == expected[1]
        # the reason sets to write: each distinct list once, on the first pass only
        unsaved = ctx.take_unsaved_reason_sets()
        texts = {row[8] for row in expected[0]}
        assert unsaved == ({reason_set_id(t): t for t in texts} if run == 0 else {})
    # every kind of row was met
    outcomes = {row[6] for row in expected[0]}
    assert outcomes == {"eligible", "not_eligible", "incomplete"}
    reasons = "".join(row[8] for row in expected[0])
    for code in ("income_not_above_line", "income_below_line", "income_missing", "line_key",
                 "income_measure_differs", "veto_identified_this_year", "veto_dangerous_house",
                 "veto_child_out_of_school", "veto_member_uninsured", "follow_up_year_required",
                 "sc_h_power", "water_not_met"):  # fmt: skip
        assert code in reasons, code
    assert {row[3] for row in expected[1]} >= {
        "below_monitoring_line",
        "income_sharp_drop",
        "guarantee_lost",
    }


def test_one_year_only():
    members, text, _count = _cases(11, 200)
    expected = _plain(_context(), members, text, 2019)
    readiness, flags = _batch_compute(_context(), members, io.StringIO(text), 2019)
    assert list(csv.reader(io.StringIO("".join(readiness)))) == _with_set_ids(expected[0])
    assert list(csv.reader(io.StringIO("".join(flags)))) == expected[1]
