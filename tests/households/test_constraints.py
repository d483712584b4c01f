"""Invariants the database itself enforces, whatever writes the row (admin, import, SQL).

Each test writes with the ORM directly, past every form and service, and expects the
database to refuse. Refusals inside ordinary tests are wrapped in ``transaction.atomic()`` so
the test's own transaction survives them.
"""

import datetime
from contextlib import contextmanager

import pytest
from django.db import IntegrityError, transaction

from households.models import Household, Member
from tests.factories import citizen_id, make_household, make_member, make_region_tree

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    return make_region_tree()


@contextmanager
def refused(constraint: str):
    """Expect the database to refuse with ``constraint``, inside a savepoint."""
    with pytest.raises(IntegrityError, match=constraint):
        with transaction.atomic():
            yield


def assert_head_trigger(error: IntegrityError) -> None:
    """The refusal came from the deferred head trigger (households migration 0002).

    Read from psycopg2's diagnostics: the str() of an error raised by COMMIT has its
    non-ASCII text replaced by U+FFFD (psycopg2 2.9), while ``diag`` holds it intact.
    """
    diag = error.__cause__.diag
    assert diag.constraint_name == "households_member_exactly_one_head"
    assert diag.sqlstate == "23514"
    assert diag.message_primary.startswith("每户必须有且只有一名户主")


# --- one person, one active household (ID-09) ------------------------------------------------


def test_same_id_active_in_two_households_is_refused(tree):
    first = make_household(tree.village)
    head_id = first.members.get().id_number
    second = make_household(tree.other_village)

    with refused("households_member_one_active_per_id"):
        make_member(second, relation="03", id_number=head_id, sex="1")


def test_same_id_allowed_once_the_first_membership_is_inactive_with_a_reason(tree):
    first = make_household(tree.village, members=[{"relation": "01"}, {"relation": "04"}])
    daughter = first.members.get(relation="04")
    daughter.is_active = False
    daughter.change_reason = "02"  # 嫁出 (married out)
    daughter.save()
    second = make_household(tree.other_village)

    joined = make_member(
        second,
        relation="05",  # 之儿媳
        id_number=daughter.id_number,
        sex=daughter.sex,
        birth_date=daughter.birth_date,
        change_reason="05",  # 嫁入 (married in)
    )

    assert Member.objects.filter(id_number=daughter.id_number).count() == 2
    assert list(Member.objects.filter(id_number=daughter.id_number, is_active=True)) == [joined]


# --- head (户主): at most one (partial unique index), at least one (deferred trigger) --------


def test_second_active_head_is_refused_at_once(tree):
    household = make_household(tree.village)

    with refused("households_member_one_head"):
        make_member(household, relation="01")


def test_second_head_allowed_when_the_first_is_inactive(tree):
    household = make_household(tree.village)
    old = household.members.get()
    old.is_active = False
    old.change_reason = "01"  # 死亡
    old.save()

    make_member(household, relation="01")

    assert household.members.filter(relation="01", is_active=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_household_without_head_fails_at_commit_and_nothing_is_saved():
    tree = make_region_tree()

    with pytest.raises(IntegrityError) as info:
        with transaction.atomic():
            household = make_household(tree.village, members=[{"relation": "02"}])
            # Inside the transaction the rows exist: the check waits for the commit.
            assert Member.objects.filter(household=household).count() == 1

    assert_head_trigger(info.value)
    assert not Household.objects.exists()
    assert not Member.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_household_with_one_head_commits():
    tree = make_region_tree()

    with transaction.atomic():
        household = make_household(tree.village, members=[{"relation": "01"}, {"relation": "02"}])

    assert Household.objects.filter(pk=household.pk).exists()
    assert Member.objects.filter(household=household).count() == 2


@pytest.mark.django_db(transaction=True)
def test_removing_the_only_head_fails_at_commit():
    tree = make_region_tree()
    with transaction.atomic():
        household = make_household(tree.village, members=[{"relation": "01"}, {"relation": "02"}])
    head = household.members.get(relation="01")

    with pytest.raises(IntegrityError) as info:
        with transaction.atomic():
            head.is_active = False
            head.change_reason = "01"
            head.save()

    assert_head_trigger(info.value)
    head.refresh_from_db()
    assert head.is_active


@pytest.mark.django_db(transaction=True)
def test_changing_the_head_in_one_transaction_commits():
    tree = make_region_tree()
    with transaction.atomic():
        household = make_household(tree.village, members=[{"relation": "01"}, {"relation": "02"}])
    head = household.members.get(relation="01")
    spouse = household.members.get(relation="02")

    with transaction.atomic():
        head.is_active = False
        head.change_reason = "01"
        head.save()
        spouse.relation = "01"
        spouse.save()

    assert household.members.get(relation="01", is_active=True) == spouse


@pytest.mark.django_db(transaction=True)
def test_soft_deleted_household_needs_no_head():
    tree = make_region_tree()
    with transaction.atomic():
        household = make_household(tree.village)

    with transaction.atomic():
        Household.objects.filter(pk=household.pk).update(is_deleted=True, deleted_reason="重复建档")
        household.members.update(is_active=False, change_reason="08")

    assert not household.members.filter(is_active=True).exists()


# --- household check constraints -------------------------------------------------------------


def test_other_cause_equal_to_main_cause_is_refused(tree):
    with refused("households_household_other_cause_not_main"):
        make_household(tree.village, main_cause="01", other_causes=["02", "01"])


def test_more_than_two_other_causes_is_refused(tree):
    with refused("households_household_other_causes_max_2"):
        make_household(tree.village, main_cause="01", other_causes=["02", "03", "04"])


def test_two_other_causes_different_from_main_are_accepted(tree):
    household = make_household(tree.village, main_cause="01", other_causes=["02", "08"])

    household.refresh_from_db()
    assert household.other_causes == ["02", "08"]


@pytest.mark.parametrize("grade", ["", "A", "B"])
def test_dangerous_house_without_grade_c_or_d_is_refused(tree, grade):
    with refused("households_household_dangerous_house_grade"):
        make_household(tree.village, is_dangerous_house=True, house_grade=grade)


@pytest.mark.parametrize("grade", ["C", "D"])
def test_dangerous_house_graded_c_or_d_is_accepted(tree, grade):
    household = make_household(tree.village, is_dangerous_house=True, house_grade=grade)

    assert household.pk is not None


def test_soft_delete_without_reason_is_refused(tree):
    household = make_household(tree.village)

    with refused("households_household_deleted_has_reason"):
        Household.objects.filter(pk=household.pk).update(is_deleted=True, deleted_reason="")


def test_soft_delete_with_reason_is_accepted(tree):
    household = make_household(tree.village)

    Household.objects.filter(pk=household.pk).update(is_deleted=True, deleted_reason="识别错误")

    household.refresh_from_db()
    assert household.is_deleted


def test_household_number_format_is_enforced(tree):
    with refused("households_household_number_format"):
        make_household(tree.village, household_number="户 0001")


# --- member check constraints ----------------------------------------------------------------


def test_both_medical_schemes_are_refused(tree):
    household = make_household(tree.village)

    with refused("households_member_one_medical_scheme"):
        make_member(
            household,
            relation="03",
            has_resident_medical_insurance=True,
            has_employee_medical_insurance=True,
        )


@pytest.mark.parametrize(("resident", "employee"), [(True, False), (False, True), (False, False)])
def test_one_medical_scheme_or_none_is_accepted(tree, resident, employee):
    household = make_household(tree.village)

    member = make_member(
        household,
        relation="03",
        has_resident_medical_insurance=resident,
        has_employee_medical_insurance=employee,
    )

    assert member.pk is not None


def test_inactive_member_without_reason_is_refused(tree):
    household = make_household(tree.village, members=[{"relation": "01"}, {"relation": "03"}])
    son = household.members.get(relation="03")

    with refused("households_member_inactive_has_reason"):
        Member.objects.filter(pk=son.pk).update(is_active=False, change_reason="")


@pytest.mark.parametrize(
    "id_number",
    [
        "11010519491231002x",  # lower-case x (Member.save upper-cases it; the raw SQL would not)
        "1101051949123100",  # 16 characters
        "11010519491231002X1",  # 19
        "110105491231002",  # 15-digit legacy: upgraded before saving, never stored as is
        "11010519491231002A",
        "X10105194912310021",
        "",
    ],
)
def test_malformed_member_id_is_refused(tree, id_number):
    household = make_household(tree.village)
    head = household.members.get()

    with refused("households_member_id_number_format"):
        Member.objects.filter(pk=head.pk).update(id_number=id_number)


@pytest.mark.parametrize(
    "id_number",
    ["11010519491231002X", "360426199101010071", "11010519491231002X42", "11010519491231002X0101"],
)
def test_well_formed_member_ids_are_accepted(tree, id_number):
    household = make_household(tree.village, members=[{"relation": "01", "id_number": id_number}])

    assert household.members.get().id_number == id_number


def test_factory_ids_are_valid_citizen_ids(tree):
    # The helpers everyone's tests rely on must produce IDs the parser accepts.
    from households.validators import id_number_parse

    household = make_household(
        tree.village, members=[{"relation": "01"}, {"relation": "02"}, {"relation": "04"}]
    )

    for member in household.members.all():
        parsed = id_number_parse(member.id_number)
        assert (parsed.sex, parsed.birth_date) == (member.sex, member.birth_date)
    # Sequence 100 gives digits 15–17 "002" for a woman: the DOMAIN.md §14.1 vector.
    assert citizen_id("110105", datetime.date(1949, 12, 31), "2", sequence=100) == (
        "11010519491231002X"
    )
