"""The procedure transition rules as plain functions (assessment.procedures): tables of cases."""

import datetime

import pytest

from assessment.procedures import (
    PROCEDURES,
    ProcedureKind,
    StepKind,
    TakenStep,
    next_step,
    notice_in_progress,
    notice_last_day,
    objection_roles,
    procedure_def,
    step_problems,
)
from poverty.roles import Role

D = datetime.date
EXIT = procedure_def(ProcedureKind.HOUSEHOLD_EXIT)
V, T, C, A = Role.VILLAGE_TEAM, Role.TOWNSHIP_OFFICE, Role.COUNTY_OFFICE, Role.ADMIN


def taken(*codes, notice_end=None):
    steps = []
    for code in codes:
        if EXIT.step(code).kind == StepKind.NOTICE_OPEN:
            steps.append(TakenStep(code, notice_start=D(2019, 11, 1), notice_end=notice_end))
        else:
            steps.append(TakenStep(code))
    return steps


BEFORE_NOTICE = ("proposal", "appraisal", "verification", "agreement")
IN_NOTICE = (*BEFORE_NOTICE, "notice")
AFTER_NOTICE = (*IN_NOTICE, "notice_end")
ALL_STEPS = tuple(s.code for s in EXIT.steps)

# (case, steps taken, step asked, role, today, open objections, evidence, expected codes)
CASES = [
    ("first step by its owner", (), "proposal", V, D(2019, 10, 1), 0, False, []),
    ("wrong role: township proposes", (), "proposal", T, D(2019, 10, 1), 0, False, ["wrong_role"]),
    ("wrong role: no role", (), "proposal", None, D(2019, 10, 1), 0, False, ["wrong_role"]),
    ("wrong order: skip appraisal", ("proposal",), "verification", V, D(2019, 10, 1), 0, False,
     ["wrong_order"]),
    ("wrong order: step again", ("proposal",), "proposal", V, D(2019, 10, 1), 0, False,
     ["wrong_order"]),
    ("unknown step", (), "nonsense", V, D(2019, 10, 1), 0, False, ["wrong_order"]),
    ("agreement without the signed scan", BEFORE_NOTICE[:3], "agreement", V, D(2019, 10, 1), 0,
     False, ["evidence_required"]),
    ("agreement with the scan", BEFORE_NOTICE[:3], "agreement", V, D(2019, 10, 1), 0, True, []),
    ("notice not ended: last day", IN_NOTICE, "notice_end", V, D(2019, 11, 7), 0, False,
     ["notice_not_ended"]),
    ("notice ended: day after", IN_NOTICE, "notice_end", V, D(2019, 11, 8), 0, False, []),
    ("objection open at notice end", IN_NOTICE, "notice_end", V, D(2019, 11, 8), 1, False,
     ["objection_open"]),
    ("notice running and objection open", IN_NOTICE, "notice_end", V, D(2019, 11, 3), 2, False,
     ["notice_not_ended", "objection_open"]),
    ("objection open blocks approval", (*AFTER_NOTICE, "township_review"), "approval", C,
     D(2019, 11, 20), 1, False, ["objection_open"]),
    ("approval by the county office", (*AFTER_NOTICE, "township_review"), "approval", C,
     D(2019, 11, 20), 0, False, []),
    ("approval by the township: wrong role", (*AFTER_NOTICE, "township_review"), "approval", T,
     D(2019, 11, 20), 0, False, ["wrong_role"]),
    ("approval before the township review", AFTER_NOTICE, "approval", C, D(2019, 11, 20), 0, False,
     ["wrong_order"]),
    ("marking last", ALL_STEPS[:-1], "marking", C, D(2019, 12, 1), 0, False, []),
    ("nothing after the last step", ALL_STEPS, "marking", C, D(2019, 12, 1), 0, False, ["closed"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "steps", "step", "role", "today", "objections", "evidence", "expected"),
    CASES,
    ids=[c[0] for c in CASES],
)
def test_household_exit_transitions(case, steps, step, role, today, objections, evidence, expected):
    problems = step_problems(
        EXIT,
        taken(*steps, notice_end=D(2019, 11, 7)),
        step,
        role,
        today=today,
        open_objections=objections,
        has_evidence=evidence,
    )
    assert [p.code for p in problems] == expected


def test_a_closed_procedure_takes_no_step():
    problems = step_problems(EXIT, [], "proposal", V, today=D(2019, 1, 1), is_open=False)
    assert [p.code for p in problems] == ["closed"]


def test_messages_say_who_and_what_in_chinese():
    [wrong_role] = step_problems(EXIT, [], "proposal", T, today=D(2019, 1, 1))
    assert wrong_role.message == "“村两委对象初选”须由驻村工作队/村两委办理"
    [wrong_order] = step_problems(EXIT, taken("proposal"), "verification", V, today=D(2019, 1, 1))
    assert wrong_order.message == "当前应办理“民主评议”，不能办理“村两委和驻村工作队核实”"
    [not_ended] = step_problems(
        EXIT, taken(*IN_NOTICE, notice_end=D(2019, 11, 7)), "notice_end", V, today=D(2019, 11, 7)
    )
    assert not_ended.message == "公示期至 2019-11-07 结束，2019-11-07 之后才能办理“公示结束”"
    [objection] = step_problems(
        EXIT,
        taken(*IN_NOTICE, notice_end=D(2019, 11, 7)),
        "notice_end",
        V,
        today=D(2019, 11, 8),
        open_objections=1,
    )
    assert objection.message == "公示期间有 1 条异议尚未处理完毕，不能办理“公示结束”"
    [evidence] = step_problems(EXIT, taken(*BEFORE_NOTICE[:3]), "agreement", V, today=D(2019, 1, 1))
    assert evidence.message == "“户主签字确认”须上传退出确认书的扫描件"


@pytest.mark.parametrize(
    ("start", "days", "working", "last"),
    [
        (D(2019, 11, 1), 7, False, D(2019, 11, 7)),  # household exit: ≥ 7 days, inclusive
        (D(2019, 12, 28), 7, False, D(2020, 1, 3)),  # across the year end
        (D(2021, 3, 1), 5, False, D(2021, 3, 5)),  # monitoring: ≥ 5 days
        (D(2020, 2, 17), 5, True, D(2020, 2, 21)),  # 甘肃 county exit: Mon 17 – Fri 21 Feb 2020
        (D(2020, 2, 20), 5, True, D(2020, 2, 26)),  # Thursday start skips the weekend
        (D(2020, 2, 15), 5, True, D(2020, 2, 21)),  # Saturday start begins on Monday
        (D(2020, 2, 17), 0, False, D(2020, 2, 17)),  # a zero period still lasts its first day
    ],
)
def test_notice_last_day(start, days, working, last):
    assert notice_last_day(start, days, working_days=working) == last


def test_every_procedure_has_its_steps_owned_and_ends_with_marking():
    assert set(PROCEDURES) == set(ProcedureKind.values)
    for definition in PROCEDURES.values():
        codes = [s.code for s in definition.steps]
        assert len(codes) == len(set(codes)), definition.kind
        assert definition.steps[-1].kind == StepKind.MARKING
        assert all(s.role in Role.values for s in definition.steps)
        for index, step in enumerate(definition.steps):
            if step.kind == StepKind.NOTICE_OPEN:
                assert step.notice_key.startswith("notice_days.")
                assert definition.steps[index + 1].kind == StepKind.NOTICE_CLOSE
        assert any(s.kind == StepKind.NOTICE_OPEN for s in definition.steps), definition.kind


def test_identification_has_two_notices_and_exit_needs_the_signed_agreement():
    identification = procedure_def(ProcedureKind.HOUSEHOLD_IDENTIFICATION)
    notices = [s.notice_key for s in identification.steps if s.kind == StepKind.NOTICE_OPEN]
    assert notices == ["notice_days.identification_first", "notice_days.identification_second"]
    assert EXIT.step("agreement").evidence_required
    monitoring = procedure_def(ProcedureKind.MONITORING_IDENTIFICATION)
    assert monitoring.step("agreement").evidence_required  # 承诺授权书
    assert procedure_def(ProcedureKind.COUNTY_EXIT).step("notice").role == A


def test_next_step_notice_in_progress_and_objection_roles():
    assert next_step(EXIT, []).code == "proposal"
    assert next_step(EXIT, taken(*ALL_STEPS)) is None
    assert notice_in_progress(EXIT, taken(*IN_NOTICE)).code == "notice"
    assert notice_in_progress(EXIT, taken(*AFTER_NOTICE)) is None
    assert objection_roles(EXIT) == {V, T, C}
    assert objection_roles(procedure_def(ProcedureKind.COUNTY_EXIT)) == {A}


AUG31, SEP1 = D(2019, 8, 31), D(2019, 9, 1)
MONITORED = {"monitored_since": D(2019, 3, 1), "min_months_monitored": 6}


@pytest.mark.parametrize(
    ("kind", "today", "facts", "expected"),
    [
        (ProcedureKind.HOUSEHOLD_EXIT, AUG31, {"identified_year": 2019}, []),
        (
            ProcedureKind.HOUSEHOLD_EXIT,
            AUG31,
            {"identified_year": 2019, "new_household_can_exit": False},
            ["new_household_exit"],
        ),
        (
            ProcedureKind.HOUSEHOLD_EXIT,
            AUG31,
            {"identified_year": 2018, "new_household_can_exit": False},
            [],
        ),
        # 1 March → 31 August is 5 whole months; → 1 September is 6
        (ProcedureKind.RISK_ELIMINATION, AUG31, MONITORED, ["monitored_too_short"]),
        (ProcedureKind.RISK_ELIMINATION, SEP1, MONITORED, []),
        (ProcedureKind.RISK_ELIMINATION, AUG31, {**MONITORED, "monitored_since": None}, []),
    ],
)
def test_start_problems(kind, today, facts, expected):
    from assessment.procedures import start_problems

    assert [p.code for p in start_problems(kind, year=2019, today=today, **facts)] == expected
