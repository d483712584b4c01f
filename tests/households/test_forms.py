"""households.forms: good and bad input, and each message on the field it concerns."""

import datetime

import pytest
from django import forms
from django.forms import inlineformset_factory

from households.forms import HouseholdForm, MemberForm, MemberInlineFormSet
from households.models import Household, Member
from tests.factories import make_household, make_member, make_region_tree

pytestmark = pytest.mark.django_db

# DOMAIN.md §14.1 vectors: 11010519491231002X is a woman born 1949-12-31,
# 360426199101010071 a man born 1991-01-01.
WOMAN_ID = "11010519491231002X"
MAN_ID = "360426199101010071"
# Digits 1–17 "11010519491231001": S = 165, 165 mod 11 = 0 → check "1"; a man (17th digit 1).
SECOND_MAN_ID = "110105194912310011"


@pytest.fixture
def tree():
    return make_region_tree()


# --- HouseholdForm --------------------------------------------------------------------------


def household_data(village, **changes) -> dict:
    data = {
        "household_number": "620502100201-0001",
        "village": village.code,
        "system_version": "2014",
        "identification_standard": "1",
        "attribute": "1",
        "identified_year": "2014",
        "main_cause": "01",
        "other_causes": ["02", "08"],
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_household_form_saves_valid_input(tree):
    form = HouseholdForm(data=household_data(tree.village, phone="138 0013 8000"))

    assert form.is_valid(), form.errors
    household = form.save()
    make_member(household, relation="01")  # the head trigger checks at the test's end
    household.refresh_from_db()
    assert household.village_id == tree.village.code
    assert household.other_causes == ["02", "08"]
    assert household.phone == "13800138000"
    assert household.registered_village_code == tree.village.code


def test_household_form_accepts_a_c_or_d_dangerous_house(tree):
    form = HouseholdForm(
        data=household_data(tree.village, is_dangerous_house="on", house_grade="D")
    )

    assert form.is_valid(), form.errors


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"other_causes": ["02", "03", "04"]}, "other_causes", "其他致贫原因最多2项"),
        ({"other_causes": ["01"]}, "other_causes", "其他致贫原因不得与主要致贫原因重复"),
        (
            {"main_cause": "03", "other_causes": ["02", "03"]},
            "other_causes",
            "其他致贫原因不得与主要致贫原因重复",
        ),
        ({"is_dangerous_house": "on"}, "house_grade", "危房户的危房级别应为C级或D级"),
        (
            {"is_dangerous_house": "on", "house_grade": "B"},
            "house_grade",
            "危房户的危房级别应为C级或D级",
        ),
        ({"household_number": "6205 0001"}, "household_number", "户编号只能包含数字、字母和连字符"),
        ({"household_number": "贫困户1号"}, "household_number", "户编号只能包含数字、字母和连字符"),
        ({"phone": "12345"}, "phone", "联系电话不是有效的11位手机号码或带区号的固定电话"),
    ],
)
def test_household_form_refuses(tree, changes, field, message):
    form = HouseholdForm(data=household_data(tree.village, **changes))

    assert not form.is_valid()
    assert form.errors[field] == [message]
    assert set(form.errors) == {field}


@pytest.mark.parametrize(
    ("level", "message"),
    [
        ("township", "所在村必须是村级区划，当前选择的是乡镇级区划测试镇（620502100000）"),
        ("county", "所在村必须是村级区划，当前选择的是县级区划秦州区（620502000000）"),
    ],
)
def test_household_form_refuses_a_region_that_is_not_a_village(tree, level, message):
    region = getattr(tree, level)

    form = HouseholdForm(data=household_data(region))

    assert not form.is_valid()
    assert form.errors["village"] == [message]


def test_household_form_refuses_an_unknown_village_code(tree):
    form = HouseholdForm(data={**household_data(tree.village), "village": "620502100299"})

    assert not form.is_valid()
    assert list(form.errors) == ["village"]


def test_household_form_missing_main_cause_is_reported_once(tree):
    form = HouseholdForm(data=household_data(tree.village, main_cause=""))

    assert not form.is_valid()
    assert len(form.errors["main_cause"]) == 1


def test_household_form_refuses_a_duplicate_household_number(tree):
    existing = make_household(tree.village)

    form = HouseholdForm(
        data=household_data(tree.village, household_number=existing.household_number)
    )

    assert not form.is_valid()
    assert list(form.errors) == ["household_number"]


def test_household_form_does_not_edit_status_or_deletion(tree):
    form = HouseholdForm()

    assert {"status", "exit_year", "is_deleted", "deleted_reason", "version"}.isdisjoint(
        form.fields
    )


# --- MemberForm -----------------------------------------------------------------------------


def member_data(household, **changes) -> dict:
    data = {
        "household": household.pk,
        "name": "李梅",
        "id_type": "1",
        "id_number": WOMAN_ID,
        "relation": "02",
        "ethnicity": "01",
        "political_status": "13",
        "school_status": "01",
        "health": "01",
        "labour_ability": "01",
        "work_status": "00",
        "work_months": "0",
        "dibao": "0",
        "tekun": "0",
        "is_active": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_member_form_fills_birth_date_and_sex_from_the_id(tree):
    household = make_household(tree.village)

    form = MemberForm(data=member_data(household))

    assert form.is_valid(), form.errors
    member = form.save()
    member.refresh_from_db()
    assert member.id_number == WOMAN_ID
    assert member.birth_date == datetime.date(1949, 12, 31)
    assert member.sex == "2"
    assert member.division_code == tree.village.code


@pytest.mark.parametrize(
    "raw",
    [
        "11010519491231002x",
        " 110105 19491231 002X ",
        "１１０１０５１９４９１２３１００２Ｘ",
        "'11010519491231002X",
        "\u00a011010519491231002X\u3000",
    ],
)
def test_member_form_stores_the_normalised_number(tree, raw):
    household = make_household(tree.village)

    form = MemberForm(data=member_data(household, id_number=raw))

    assert form.is_valid(), form.errors
    assert form.save().id_number == WOMAN_ID


def test_member_form_upgrades_a_fifteen_digit_number_with_a_note(tree):
    household = make_household(tree.village)

    form = MemberForm(data=member_data(household, id_number="110105491231002"))

    assert form.is_valid(), form.errors
    member = form.save()
    assert member.id_number == "11010519491231002X"
    assert member.id_note == "15位旧号码 110105491231002 已升级为18位 11010519491231002X"


def test_member_form_keeps_a_users_note_beside_the_upgrade_note(tree):
    household = make_household(tree.village)

    form = MemberForm(
        data=member_data(household, id_number="110105491231002", id_note="户口簿为旧号")
    )

    assert form.is_valid(), form.errors
    assert form.save().id_note == (
        "户口簿为旧号；15位旧号码 110105491231002 已升级为18位 11010519491231002X"
    )


def test_member_form_accepts_matching_birth_date_and_sex(tree):
    household = make_household(tree.village)

    form = MemberForm(data=member_data(household, sex="2", birth_date="1949-12-31"))

    assert form.is_valid(), form.errors


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"id_number": "110105194912310021"},
            "id_number",
            "公民身份号码校验位错误：最后一位应为 X",
        ),
        (
            {"id_number": "999999197001010011"},
            "id_number",
            "证件号码为无证占位号（999999开头），请补录",
        ),
        ({"id_number": ""}, "id_number", str(forms.Field.default_error_messages["required"])),
        (
            {"sex": "1"},
            "sex",
            "性别与证件号码不一致（证件号码第17位表示女性）",
        ),
        (
            {"birth_date": "1949-12-30"},
            "birth_date",
            "出生日期与证件号码不一致（证件号码中为 1949-12-31）",
        ),
        (
            {"has_resident_medical_insurance": "on", "has_employee_medical_insurance": "on"},
            "has_employee_medical_insurance",
            "不能同时参加城乡居民医保和城镇职工医保",
        ),
        (
            {"is_active": None, "change_reason": ""},
            "change_reason",
            "成员迁出或注销必须填写人员变更原因",
        ),
        ({"phone": "1380013800"}, "phone", "联系电话不是有效的11位手机号码或带区号的固定电话"),
    ],
)
def test_member_form_refuses(tree, changes, field, message):
    household = make_household(tree.village)

    form = MemberForm(data=member_data(household, **changes))

    assert not form.is_valid()
    assert form.errors[field] == [message]
    assert set(form.errors) == {field}


def test_member_form_refuses_an_id_active_in_another_household(tree):
    other = make_household(tree.other_village, members=[{"relation": "01", "id_number": MAN_ID}])
    household = make_household(tree.village)

    form = MemberForm(data=member_data(household, id_number=MAN_ID, relation="03", name="赵刚"))

    assert not form.is_valid()
    assert form.errors["id_number"] == [f"证件号码重复，该人员已登记在户{other.household_number}"]
    assert set(form.errors) == {"id_number"}


def test_member_form_refuses_an_id_already_active_in_the_same_household(tree):
    household = make_household(
        tree.village, members=[{"relation": "01", "id_number": MAN_ID, "name": "赵刚"}]
    )

    form = MemberForm(data=member_data(household, id_number=MAN_ID, relation="03"))

    assert not form.is_valid()
    assert form.errors["id_number"] == ["证件号码在本户中重复（与赵刚相同）"]


def test_member_form_accepts_an_id_whose_other_membership_has_ended(tree):
    other = make_household(
        tree.other_village,
        members=[
            {"relation": "01"},
            {"relation": "04", "id_number": WOMAN_ID, "birth_date": datetime.date(1949, 12, 31)},
        ],
    )
    other.members.filter(id_number=WOMAN_ID).update(is_active=False, change_reason="02")
    household = make_household(tree.village)

    form = MemberForm(data=member_data(household, relation="05", change_reason="05"))

    assert form.is_valid(), form.errors


def test_member_form_edits_an_existing_member_without_tripping_over_itself(tree):
    household = make_household(tree.village, members=[{"relation": "01", "id_number": MAN_ID}])
    head = household.members.get()

    form = MemberForm(
        instance=head,
        data=member_data(household, id_number=MAN_ID, relation="01", name="新名字"),
    )

    assert form.is_valid(), form.errors
    assert form.save().name == "新名字"


def test_member_form_alone_refuses_to_demote_the_only_head(tree):
    household = make_household(tree.village, members=[{"relation": "01", "id_number": MAN_ID}])
    head = household.members.get()

    form = MemberForm(instance=head, data=member_data(household, id_number=MAN_ID, relation="03"))

    assert not form.is_valid()
    assert form.non_field_errors() == ["每户必须有且只有一名户主"]


def test_member_form_alone_refuses_a_second_head(tree):
    household = make_household(tree.village)

    form = MemberForm(data=member_data(household, relation="01"))

    assert not form.is_valid()
    assert form.errors == {"relation": ["每户必须有且只有一名户主"]}


def test_member_form_alone_refuses_a_relation_implying_the_other_sex(tree):
    household = make_household(tree.village)

    form = MemberForm(data=member_data(household, relation="03"))  # 之子 with a woman's ID

    assert not form.is_valid()
    assert form.errors == {"relation": ["与户主关系与性别不符：之子应为男性"]}


def test_member_form_alone_refuses_a_spouse_of_the_heads_sex(tree):
    household = make_household(tree.village)  # the factory's head is a man

    form = MemberForm(data=member_data(household, id_number=MAN_ID, relation="02"))

    assert not form.is_valid()
    assert form.errors == {"relation": ["配偶性别与户主性别相同"]}


def test_member_form_alone_refuses_to_move_a_head_out_of_its_household(tree):
    household = make_household(tree.village, members=[{"relation": "01", "id_number": MAN_ID}])
    other = make_household(tree.other_village)
    head = household.members.get()

    form = MemberForm(instance=head, data=member_data(other, id_number=MAN_ID, relation="03"))

    assert not form.is_valid()
    assert form.errors == {
        "household": ["该成员是原户的户主，请先为原户指定新户主，再把该成员移到其他户"]
    }


def test_member_form_alone_accepts_a_member_leaving_with_a_reason(tree):
    household = make_household(tree.village, members=[{"relation": "01"}, {"relation": "03"}])
    son = household.members.get(relation="03")

    form = MemberForm(
        instance=son,
        data=member_data(
            household,
            id_number=son.id_number,
            relation="03",
            name=son.name,
            is_active=None,
            change_reason="04",
            changed_on="2019-05-01",
        ),
    )

    assert form.is_valid(), form.errors
    assert form.save().is_active is False


# --- MemberInlineFormSet --------------------------------------------------------------------

FORMSET_FIELDS = [
    "name",
    "id_number",
    "sex",
    "birth_date",
    "relation",
    "is_active",
    "change_reason",
]
MemberFormSet = inlineformset_factory(
    Household,
    Member,
    form=MemberForm,
    formset=MemberInlineFormSet,
    fields=FORMSET_FIELDS,
    extra=0,
)


def formset_data(rows: list[dict], *, initial: int = 0) -> dict:
    """POST data for the formset: ``rows`` in order, the first ``initial`` of them existing."""
    data = {
        "members-TOTAL_FORMS": str(len(rows)),
        "members-INITIAL_FORMS": str(initial),
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            if value is True:
                value = "on"
            if value is not False and value is not None:
                data[f"members-{index}-{key}"] = value
    return data


def row(name, id_number, relation, **extra) -> dict:
    return {"name": name, "id_number": id_number, "relation": relation, "is_active": True, **extra}


def existing_row(member: Member, **changes) -> dict:
    values = {
        "id": member.pk,
        "household": member.household_id,
        "name": member.name,
        "id_number": member.id_number,
        "sex": member.sex,
        "birth_date": member.birth_date.isoformat(),
        "relation": member.relation,
        "is_active": member.is_active,
        "change_reason": member.change_reason,
    }
    values.update(changes)
    return values


def new_household(tree) -> Household:
    return Household(
        household_number="620502100201-0099",
        village=tree.village,
        attribute="1",
        identified_year=2014,
        main_cause="01",
    )


def test_formset_saves_a_new_household_with_head_and_spouse(tree):
    household = new_household(tree)
    formset = MemberFormSet(
        data=formset_data([row("赵刚", MAN_ID, "01"), row("李梅", WOMAN_ID, "02")]),
        instance=household,
    )

    assert formset.is_valid(), (formset.errors, formset.non_form_errors())
    household.save()
    formset.save()
    members = {m.relation: m for m in household.members.all()}
    assert (members["01"].sex, members["02"].sex) == ("1", "2")
    assert {m.division_code for m in members.values()} == {tree.village.code}


def test_formset_without_head_is_refused_as_a_whole(tree):
    formset = MemberFormSet(
        data=formset_data([row("李梅", WOMAN_ID, "02")]), instance=new_household(tree)
    )

    assert not formset.is_valid()
    assert formset.non_form_errors() == ["每户必须有且只有一名户主"]


def test_formset_with_no_members_is_refused(tree):
    formset = MemberFormSet(data=formset_data([]), instance=new_household(tree))

    assert not formset.is_valid()
    assert formset.non_form_errors() == ["每户必须有且只有一名户主"]


def test_formset_refuses_a_second_head_on_its_relation(tree):
    formset = MemberFormSet(
        data=formset_data([row("赵刚", MAN_ID, "01"), row("李梅", WOMAN_ID, "01")]),
        instance=new_household(tree),
    )

    assert not formset.is_valid()
    assert formset.errors == [{}, {"relation": ["每户必须有且只有一名户主"]}]


def test_formset_refuses_a_spouse_of_the_heads_sex(tree):
    # Two men: as 配偶 of a male head the second breaks FAM-02.
    formset = MemberFormSet(
        data=formset_data([row("张三", MAN_ID, "01"), row("赵刚", SECOND_MAN_ID, "02")]),
        instance=new_household(tree),
    )

    assert not formset.is_valid()
    assert formset.errors[1]["relation"] == ["配偶性别与户主性别相同"]


def test_formset_refuses_a_relation_implying_the_other_sex(tree):
    # 之女 (daughter) with a man's ID number.
    formset = MemberFormSet(
        data=formset_data([row("李梅", WOMAN_ID, "01"), row("赵刚", MAN_ID, "04")]),
        instance=new_household(tree),
    )

    assert not formset.is_valid()
    assert formset.errors == [{}, {"relation": ["与户主关系与性别不符：之女应为女性"]}]


def test_formset_refuses_the_same_id_twice(tree):
    formset = MemberFormSet(
        data=formset_data([row("李梅", WOMAN_ID, "01"), row("李梅二", "11010519491231002x", "04")]),
        instance=new_household(tree),
    )

    assert not formset.is_valid()
    assert formset.errors == [{}, {"id_number": ["证件号码在本户中重复（与李梅相同）"]}]


def test_formset_refuses_an_id_active_in_another_household(tree):
    other = make_household(tree.other_village, members=[{"relation": "01", "id_number": MAN_ID}])
    formset = MemberFormSet(
        data=formset_data([row("李梅", WOMAN_ID, "01"), row("赵刚", MAN_ID, "03")]),
        instance=new_household(tree),
    )

    assert not formset.is_valid()
    assert formset.errors == [
        {},
        {"id_number": [f"证件号码重复，该人员已登记在户{other.household_number}"]},
    ]


def test_formset_ignores_members_marked_for_deletion(tree):
    household = make_household(tree.village, members=[{"relation": "01"}, {"relation": "02"}])
    head, spouse = household.members.get(relation="01"), household.members.get(relation="02")
    DeletableFormSet = inlineformset_factory(
        Household,
        Member,
        form=MemberForm,
        formset=MemberInlineFormSet,
        fields=FORMSET_FIELDS,
        extra=0,
        can_delete=True,
    )
    data = formset_data(
        [existing_row(head, DELETE=True), existing_row(spouse, relation="01")], initial=2
    )

    formset = DeletableFormSet(data=data, instance=household)

    assert formset.is_valid(), (formset.errors, formset.non_form_errors())
    formset.save()
    assert list(household.members.values_list("relation", flat=True)) == ["01"]


def test_formset_changes_the_head_by_swapping_relations(tree):
    household = make_household(tree.village, members=[{"relation": "01"}, {"relation": "02"}])
    head, spouse = household.members.get(relation="01"), household.members.get(relation="02")
    data = formset_data(
        [existing_row(head, relation="02"), existing_row(spouse, relation="01")], initial=2
    )

    formset = MemberFormSet(data=data, instance=household)

    assert formset.is_valid(), (formset.errors, formset.non_form_errors())
    formset.save()  # the old head is demoted before the new one is promoted
    head.refresh_from_db()
    spouse.refresh_from_db()
    assert (head.relation, spouse.relation) == ("02", "01")


def test_formset_new_head_after_the_old_one_died(tree):
    household = make_household(tree.village, members=[{"relation": "01"}, {"relation": "02"}])
    head, spouse = household.members.get(relation="01"), household.members.get(relation="02")
    data = formset_data(
        [
            existing_row(head, is_active=False, change_reason="01"),
            existing_row(spouse, relation="01"),
        ],
        initial=2,
    )

    formset = MemberFormSet(data=data, instance=household)

    assert formset.is_valid(), (formset.errors, formset.non_form_errors())
    formset.save()
    assert household.members.get(relation="01", is_active=True) == spouse
