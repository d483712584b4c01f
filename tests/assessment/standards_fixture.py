"""A hand-written standards table for rule tests, values copied from DOMAIN.md (not from the
seed migration), so the rules are tested against the documents, not against themselves."""

from decimal import Decimal as D

from assessment.rules import ChecklistRow, StandardRow, StandardSet

U, V, V2, F = "U", "V", "V2", "F"

ROWS = [
    # §8.1 national lines: 2016–2017 [U], 2019 [V2], 2020 [V]
    StandardRow("poverty_line", D("2952"), year_from=2016, year_to=2017, evidence=U, measure="net"),
    StandardRow("poverty_line", D("2995"), year_from=2018, year_to=2018, evidence=U, measure="net"),
    StandardRow("poverty_line", D("3218"), year_from=2019, year_to=2019, evidence=V2, measure="net"),
    StandardRow("poverty_line", D("4000"), year_from=2020, year_to=2020, evidence=V, measure="net"),
    StandardRow("exit_working_line", D("3747"), year_from=2019, year_to=2019, evidence=U),
    StandardRow("exit_uses_working_line", D("0"), evidence=U),
    # §8.2 monitoring lines
    StandardRow("monitoring_line", D("6000"), year_from=2020, year_to=2020, evidence=V2,
                measure="disposable"),
    StandardRow("monitoring_line", D("6000"), year_from=2021, year_to=2021, evidence=U, measure="net"),
    StandardRow("monitoring_line", D("7100"), year_from=2023, year_to=2023, evidence=U, measure="net"),
    StandardRow("monitoring_line", D("7300"), scope_code="52", year_from=2023, year_to=2023,
                evidence=V2, measure="net"),
    StandardRow("monitoring_income_drop_ratio", D("0.3"), evidence=U),
    # §7.1 thresholds
    StandardRow("village_exit_incidence_max", D("0.02"), region_class="central", evidence=V),
    StandardRow("village_exit_incidence_max", D("0.03"), region_class="west", evidence=V),
    StandardRow("county_exit_incidence_max", D("0.02"), region_class="central", evidence=V),
    StandardRow("county_exit_incidence_max", D("0.03"), region_class="west", evidence=V),
    StandardRow("county_wrong_exit_rate_max", D("0.02"), evidence=V2),
    StandardRow("county_missed_rate_max", D("0.02"), evidence=V2),
    StandardRow("county_approval_min", D("0.90"), evidence=V2),
    StandardRow("internal_rate_warning", D("0.01"), evidence=U),
    # §6.3 / §10 province switches
    StandardRow("new_household_can_exit_same_year", D("1"), evidence=U),
    StandardRow("new_household_can_exit_same_year", D("0"), scope_code="61", evidence=V2),
    StandardRow("follow_up_year_before_removal", D("0"), evidence=U),
    StandardRow("follow_up_year_before_removal", D("1"), scope_code="45", evidence=V2),
    # §9.2 compulsory-school age 6–15
    StandardRow("compulsory_school_age_min", D("6"), evidence=V2),
    StandardRow("compulsory_school_age_max", D("15"), evidence=V2),
    # §7.1: water an explicit check from about 2019 [U]
    StandardRow("water_check_required", D("0"), year_from=2014, year_to=2018, evidence=U),
    StandardRow("water_check_required", D("1"), year_from=2019, evidence=U),
]  # fmt: skip

CHECKLIST = [
    # §7.3 四川 household "一超六有" (items beyond the national core)
    ChecklistRow("sc_h_water_litres", "household", "安全饮用水水量", "water_litres_per_day",
                 operator="gte", threshold=D("40"), unit="升/人·日", checklist_name="四川“一超六有”",
                 scope_code="51", evidence=V2, sort_order=1),
    ChecklistRow("sc_h_power", "household", "有生活用电", "has_living_power",
                 checklist_name="四川“一超六有”", scope_code="51", evidence=V2, sort_order=2),
    ChecklistRow("sc_h_tv", "household", "有广播电视", "has_broadcast_tv",
                 checklist_name="四川“一超六有”", scope_code="51", evidence=V2, sort_order=3),
    # §7.3 四川 village "一低五有": incidence < 3% [U] + 五有
    ChecklistRow("sc_v_incidence", "village", "贫困发生率", "incidence", operator="lt",
                 threshold=D("0.03"), unit="比例", checklist_name="四川“一低五有”", scope_code="51",
                 evidence=U, sort_order=1),
    ChecklistRow("sc_v_collective_income", "village", "有集体经济收入", "collective_income",
                 checklist_name="四川“一低五有”", scope_code="51", evidence=V2, sort_order=2),
    ChecklistRow("sc_v_road", "village", "有硬化路", "hardened_road",
                 checklist_name="四川“一低五有”", scope_code="51", evidence=V2, sort_order=3),
    # a non-veto village item: only warns
    ChecklistRow("gx_v_tv", "village", "有电视看", "has_tv", veto=False,
                 checklist_name="广西“十一有一低于”", scope_code="45", evidence=V2),
    # §7.3 陕西 county: rural income ≥ 70% of the provincial average
    ChecklistRow("sn_c_income_ratio", "county", "农村居民人均可支配收入占全省平均比例",
                 "rural_income_ratio", operator="gte", threshold=D("0.70"), unit="比例",
                 checklist_name="陕西贫困县退出指标", scope_code="61", evidence=V2),
]  # fmt: skip


def standard_set() -> StandardSet:
    return StandardSet(ROWS, CHECKLIST)
