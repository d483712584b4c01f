"""`manage.py seed_demo`: the demo data set is complete, consistent and deterministic."""

from __future__ import annotations

import io
from collections import Counter, defaultdict

import pytest
from django.core.management import call_command
from django.db import connection

from assistance.models import AidUnitVillage, Cadre, CadrePairing, WorkTeam
from households.choices import RELATION_IMPLIED_SEX
from households.models import (
    AnnualIncome,
    GuaranteeStatus,
    Household,
    HouseholdStatusChange,
    Member,
)
from households.rules import INCOME_COMPONENTS, income_account
from households.validators import id_number_parse
from poverty.demo import DEMO_HOUSEHOLD_PREFIX, POVERTY_LINES
from villages.models import Region

HOUSEHOLDS = 60
SEED = 7


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **{"households": HOUSEHOLDS, "seed": SEED, **options})
    return out.getvalue()


@pytest.fixture
def seeded(db):
    return seed()


def status_by_year(years=range(2014, 2021)) -> dict[int, dict[int, str]]:
    """Each household's status at the end of each year, replayed from its status changes."""
    changes = defaultdict(list)
    for change in HouseholdStatusChange.objects.order_by("changed_on", "id"):
        changes[change.household_id].append(change)
    result = {}
    for household_id, rows in changes.items():
        status, per_year = "", {}
        for year in years:
            for change in rows:
                if change.year == year:
                    status = change.to_status
            per_year[year] = status
        result[household_id] = per_year
    return result


def test_creates_the_requested_households_with_the_regions_it_needs(seeded):
    assert "60 户" in seeded
    assert Household.objects.count() == HOUSEHOLDS
    assert all(
        h.household_number.startswith(DEMO_HOUSEHOLD_PREFIX) for h in Household.objects.all()
    )
    # the shipped regions were loaded because the test database had none
    assert Region.objects.filter(code="431200000000", name="怀化市").exists()
    prefixes = {h.village_id[:4] for h in Household.objects.all()}
    assert {p[:2] for p in prefixes} == {"22", "43", "51", "62", "63"}


def test_every_household_has_exactly_one_active_head(seeded):
    heads = Counter(
        Member.objects.filter(relation="01", is_active=True).values_list("household_id", flat=True)
    )
    assert set(heads) == set(Household.objects.values_list("id", flat=True))
    assert set(heads.values()) == {1}


def test_member_ids_are_valid_unique_and_agree_with_sex_and_birth_date(seeded):
    members = list(Member.objects.select_related("household"))
    numbers = [m.id_number for m in members]
    assert len(numbers) == len(set(numbers))
    for member in members:
        parsed = id_number_parse(member.id_number)
        assert parsed.sex == member.sex, member.id_number
        assert parsed.birth_date == member.birth_date, member.id_number
        assert member.id_number[:6] == member.household.village_id[:6]
        assert member.division_code == member.household.village_id
        if member.disability_cert_number:
            assert member.disability_cert_number[:18] == member.id_number
            assert (
                id_number_parse(member.disability_cert_number).number
                == member.disability_cert_number
            )


def test_families_are_plausible(seeded):
    households = {h.id: h for h in Household.objects.all()}
    by_household = defaultdict(list)
    for member in Member.objects.all():
        by_household[member.household_id].append(member)
    sizes = [len(members) for members in by_household.values()]
    assert min(sizes) >= 1
    assert max(sizes) <= 7
    assert 2.8 <= sum(sizes) / len(sizes) <= 4.2
    for household_id, members in by_household.items():
        head = next(m for m in members if m.relation == "01")
        for member in members:
            assert 2 <= len(member.name) <= 5
            if member.relation == "02":
                assert member.sex != head.sex
            implied = RELATION_IMPLIED_SEX.get(member.relation)
            if implied:
                assert member.sex == implied
        household = households[household_id]
        assert household.main_cause not in household.other_causes
        assert len(household.other_causes) <= 2
        assert len(set(household.other_causes)) == len(household.other_causes)


def test_main_causes_have_illness_first(seeded):
    causes = Counter(Household.objects.values_list("main_cause", flat=True))
    assert causes.most_common(1)[0][0] == "01"


def test_per_capita_income_is_income_accounts_result_and_matches_the_status(seeded):
    statuses = status_by_year()
    incomes = list(AnnualIncome.objects.all())
    assert incomes
    sizes = Counter(Member.objects.values_list("household_id", flat=True))
    for income in incomes:
        account = income_account(
            {name: getattr(income, name) for name in INCOME_COMPONENTS},
            business_costs=income.business_costs,
            household_size=income.household_size,
        )
        assert income.household_size == sizes[income.household_id]
        assert (income.gross_income, income.net_income) == (account.gross, account.net)
        assert income.per_capita_net_income == account.per_capita_net
        line = POVERTY_LINES[income.year]
        if statuses[income.household_id][income.year] in ("poor", "returned", "pre_exit"):
            assert income.per_capita_net_income < line
        else:
            assert income.per_capita_net_income > line


def test_incomes_and_guarantees_cover_identification_to_the_last_year(seeded):
    for household in Household.objects.all():
        expected = list(range(household.identified_year, 2021))
        years = list(household.incomes.order_by("year").values_list("year", flat=True))
        assert years == expected
        years = list(household.guarantees.order_by("year").values_list("year", flat=True))
        assert years == expected


def test_guarantees_have_gaps_only_while_poor_and_water_from_2019(seeded):
    statuses = status_by_year()
    items = ("food", "clothing", "education", "medical", "housing", "water")
    gaps_while_poor = 0
    for row in GuaranteeStatus.objects.all():
        values = [getattr(row, item) for item in items]
        poor = statuses[row.household_id][row.year] in ("poor", "returned", "pre_exit")
        if not poor:
            assert "not_met" not in values
        gaps_while_poor += poor and "not_met" in values
        if row.year < 2019:
            assert row.water == "not_applicable"
        else:
            assert row.water in ("met", "not_met")
            assert row.water_litres_per_day is not None
        assert row.checked_by_name
    assert gaps_while_poor > 0


def test_poverty_incidence_falls_every_year_and_is_zero_by_2020(seeded):
    statuses = status_by_year()
    sizes = Counter(Member.objects.values_list("household_id", flat=True))
    rural = sum(Region.objects.filter(level="village").values_list("rural_population", flat=True))
    poor_people = [
        sum(
            sizes[h]
            for h, per_year in statuses.items()
            if per_year[year] in ("poor", "returned", "pre_exit")
        )
        for year in range(2014, 2021)
    ]
    incidence = [people / rural for people in poor_people]
    assert all(a > b for a, b in zip(incidence, incidence[1:], strict=False)), incidence
    assert incidence[0] > 0.05
    assert incidence[-1] == 0
    assert not Household.objects.exclude(status="exited").exists()
    assert Household.objects.filter(identified_year=2014).count() > HOUSEHOLDS * 0.8


def test_status_changes_record_identification_and_exit(seeded):
    for household in Household.objects.all():
        changes = list(household.status_changes.order_by("changed_on", "id"))
        assert changes[0].from_status == "" and changes[0].to_status == "poor"
        assert changes[0].year == household.identified_year
        assert changes[-1].to_status == "exited"
        assert changes[-1].year == household.exit_year
        assert household.status_changed_on == changes[-1].changed_on


def test_every_household_has_one_current_pairing_with_a_local_cadre(seeded):
    current = Counter(
        CadrePairing.objects.filter(end_date__isnull=True).values_list("household_id", flat=True)
    )
    assert set(current) == set(Household.objects.values_list("id", flat=True))
    assert set(current.values()) == {1}
    for pairing in CadrePairing.objects.select_related("cadre", "household"):
        assert pairing.cadre.division_code[:6] == pairing.household.village_id[:6]
        if pairing.end_date:
            assert pairing.end_reason
            later = pairing.household.pairings.get(end_date__isnull=True)
            assert later.start_date > pairing.end_date
    assert Cadre.objects.exclude(unit_name="").count() == Cadre.objects.count()


def test_poor_villages_have_a_helping_unit_and_a_work_team_with_a_first_secretary(seeded):
    villages = Region.objects.filter(level="village")
    assert villages.filter(is_poor_village=True).exists()
    assert villages.filter(is_poor_village=False).exists()
    for village in villages:
        assert village.code[9:] >= "200" and village.code[9:] <= "399"
        assert village.rural_population and village.rural_population > 0
        assert village.parent.level == "township"
        teams = WorkTeam.objects.filter(village=village)
        if village.is_poor_village:
            assert AidUnitVillage.objects.filter(village=village).count() == 1
            team = teams.get()
            roles = sorted(team.members.values_list("role", flat=True))
            assert roles == ["first_secretary", "member", "member"]
        else:
            assert not teams.exists()
    assert Region.objects.filter(level="county", is_key_county=True).exists()


def test_load_leaves_indexes_constraints_and_triggers_in_place(seeded):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'households_member' ORDER BY 1"
        )
        indexes = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'households_annualincome'::regclass"
        )
        constraints = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT tgname, tgenabled FROM pg_trigger WHERE tgname IN "
            "('households_member_one_head', 'households_household_one_head')"
        )
        triggers = dict(cursor.fetchall())
    assert {
        "member_division_prefix",
        "member_id_number_prefix",
        "member_name_prefix",
        "households_member_one_active_per_id",
        "households_member_one_head",
    } <= indexes
    assert "households_annualincome_one_per_year" in constraints
    assert any("fk" in name for name in constraints)
    assert triggers == {"households_member_one_head": "O", "households_household_one_head": "O"}


def test_same_seed_gives_the_same_households_and_ids_after_reset(db):
    seed()
    first = (
        sorted(Household.objects.values_list("household_number", flat=True)),
        sorted(Member.objects.values_list("id_number", "name")),
    )

    output = seed(reset=True)

    assert "已删除原有演示数据：60 户" in output
    again = (
        sorted(Household.objects.values_list("household_number", flat=True)),
        sorted(Member.objects.values_list("id_number", "name")),
    )
    assert again == first
    assert Household.objects.count() == HOUSEHOLDS
    seed(reset=True, seed=SEED + 1)
    other = sorted(Member.objects.values_list("id_number", "name"))
    assert other != first[1]


def test_second_run_without_reset_creates_nothing(seeded):
    tables = [Household, Member, AnnualIncome, GuaranteeStatus, CadrePairing, Cadre, Region]
    before = {model: model.objects.count() for model in tables}

    output = seed(households=500)

    assert "演示数据已存在（60 户）" in output
    assert {model: model.objects.count() for model in tables} == before


def test_reset_removes_every_demo_row(seeded):
    from poverty.demo import demo_reset

    demo_reset()

    assert not Household.objects.exists()
    assert not Member.objects.exists()
    assert not Cadre.objects.exists()
    assert not WorkTeam.objects.exists()
    assert not Region.objects.filter(level="village").exists()
    assert Region.objects.filter(level="township").exists()  # shipped regions stay


def test_years_option_stops_the_data_early(db):
    seed(years="2014-2017")

    assert AnnualIncome.objects.order_by("-year").values_list("year", flat=True)[0] == 2017
    assert Household.objects.exclude(status="exited").exists()
    assert Household.objects.filter(status="pre_exit").exists()
    assert not Household.objects.filter(exit_year__gt=2017).exists()
