"""Seed the policy-standards table and the local exit checklists from DOMAIN.md §6.0, §7, §8, §10.

Every row carries its source and evidence mark; [U] rows are shown and used as "待确认" until an
administrator confirms or replaces them. Values are the documents', not the code's.
"""

from decimal import Decimal

from django.db import migrations

D = Decimal
V, V2, U, F = "V", "V2", "U", "F"

# (key, scope, region_class, year_from, year_to, value, measure, evidence, source, note)
STANDARDS = [
    # §8.1 national rural poverty line
    ("poverty_line_2010_prices", "", "", 2011, 2020, D("2300"), "net", V,
     "《中国农村扶贫开发纲要（2011—2020年）》：2010年不变价农民人均纯收入2,300元", ""),
    ("poverty_line", "", "", 2013, 2013, D("2736"), "net", U, "DOMAIN.md §8.1 现价标准（未核实）", ""),
    ("poverty_line", "", "", 2014, 2014, D("2800"), "net", U, "DOMAIN.md §8.1 现价标准（未核实）", ""),
    ("poverty_line", "", "", 2015, 2015, D("2855"), "net", U, "DOMAIN.md §8.1 现价标准（未核实）", ""),
    ("poverty_line", "", "", 2016, 2016, D("2952"), "net", U, "DOMAIN.md §8.1 现价标准（未核实）", ""),
    ("poverty_line", "", "", 2017, 2017, D("2952"), "net", U, "DOMAIN.md §8.1 现价标准（未核实）", ""),
    ("poverty_line", "", "", 2018, 2018, D("2995"), "net", U, "DOMAIN.md §8.1 现价标准（未核实）", ""),
    ("poverty_line", "", "", 2019, 2019, D("3218"), "net", V2, "DOMAIN.md §8.1：2019年现价3,218元", ""),
    ("poverty_line", "", "", 2020, 2020, D("4000"), "net", V,
     "国务院新闻办白皮书（2021-04-06）：2020年现行标准约4,000元", "约数"),
    ("poverty_line", "37", "", 2014, 2014, D("3322"), "net", V2,
     "山东省识别标准：2010年不变价3,000元，折合2014年3,322元", "省定标准高于国家标准"),
    ("exit_working_line", "", "", 2017, 2017, D("3335"), "net", U, "部分地方“工作退出线”（DOMAIN.md §8.1）", ""),
    ("exit_working_line", "", "", 2018, 2018, D("3535"), "net", U, "部分地方“工作退出线”（DOMAIN.md §8.1）", ""),
    ("exit_working_line", "", "", 2019, 2019, D("3747"), "net", U, "部分地方“工作退出线”（DOMAIN.md §8.1）", ""),
    ("exit_uses_working_line", "", "", None, None, D("0"), "", U,
     "哪一条线用于退出测算由省规定（DOMAIN.md §8.1）", "0=按扶贫标准，1=按工作退出线"),
    # §8.2 monitoring lines
    ("monitoring_line", "43", "", 2019, 2019, D("5000"), "net", V,
     "湖南2019年动态管理：边缘户、脱贫监测户人均纯收入低于5,000元且有风险", ""),
    ("monitoring_line", "", "", 2020, 2020, D("6000"), "disposable", V2,
     "国开发〔2020〕6号：人均可支配收入低于扶贫标准1.5倍左右（约6,000元）", "1.5倍为[V]，6,000为约数"),
    ("monitoring_line", "34", "", 2020, 2020, D("6000"), "disposable", V,
     "安徽2020年无脱贫任务地区农村困难群众监测标准", ""),
    ("monitoring_line", "", "", 2021, 2021, D("6000"), "net", U, "全国参考值（DOMAIN.md §8.2，未核实）", ""),
    ("monitoring_line", "", "", 2022, 2022, D("6500"), "net", U, "全国参考值（DOMAIN.md §8.2，未核实）", ""),
    ("monitoring_line", "", "", 2023, 2023, D("7100"), "net", U, "全国参考值（DOMAIN.md §8.2，未核实）", ""),
    ("monitoring_line", "52", "", 2023, 2023, D("7300"), "net", V2, "贵州2023年监测范围：人均纯收入7,300元", ""),
    ("monitoring_line", "42", "", 2023, 2023, D("7600"), "", V2, "湖北2023年监测范围7,600元", "口径未注明"),
    ("monitoring_line", "53", "", 2024, 2024, D("8700"), "", V2, "云南2024年监测范围8,700元", "口径未注明"),
    ("monitoring_income_drop_ratio", "", "", None, None, D("0.3"), "", U,
     "国开发〔2020〕6号只说“收入大幅缩减”，未给比例；30%为占位值", "须由省级确认或替换"),
    ("monitoring_share_target", "", "", 2020, None, D("0.05"), "", V2, "监测对象规模约为建档立卡人口的5%", ""),
    ("monitoring_share_max_deep", "", "", 2020, None, D("0.10"), "", V2, "深度贫困地区监测对象不超过10%", ""),
    # §7.1 exit thresholds
    ("village_exit_incidence_max", "", "central", None, None, D("0.02"), "", V,
     "厅字〔2016〕16号《关于建立贫困退出机制的意见》：贫困发生率降至2%以下（西部3%）", ""),
    ("village_exit_incidence_max", "", "west", None, None, D("0.03"), "", V,
     "厅字〔2016〕16号《关于建立贫困退出机制的意见》：西部地区降至3%以下", ""),
    ("county_exit_incidence_max", "", "central", None, None, D("0.02"), "", V,
     "厅字〔2016〕16号：贫困县贫困发生率低于2%（西部3%）", ""),
    ("county_exit_incidence_max", "", "west", None, None, D("0.03"), "", V,
     "厅字〔2016〕16号：西部地区贫困县贫困发生率低于3%", ""),
    ("county_wrong_exit_rate_max", "", "", None, None, D("0.02"), "", V2,
     "《贫困县退出专项评估检查实施办法》（国务院扶贫办，2017）：脱贫人口错退率低于2%", ""),
    ("county_missed_rate_max", "", "", None, None, D("0.02"), "", V2,
     "《贫困县退出专项评估检查实施办法》（2017）：贫困人口漏评率低于2%", ""),
    ("county_approval_min", "", "", None, None, D("0.90"), "", V2,
     "《贫困县退出专项评估检查实施办法》（2017）：群众认可度原则上达到90%", ""),
    ("internal_rate_warning", "", "", None, None, D("0.01"), "", U,
     "地方系统内部以1%作为错退率、漏评率预警线（DOMAIN.md §7.1）", "预警，不作为否决"),
    # §6.3 province switches
    ("new_household_can_exit_same_year", "", "", None, None, D("1"), "", U,
     "国家文件未作规定，默认允许", "1=可以，0=不可以"),
    ("new_household_can_exit_same_year", "61", "", 2017, None, D("0"), "", V2,
     "陕西贫困退出工作实施细则（2017）：当年新识别贫困户当年不退出", ""),
    ("follow_up_year_before_removal", "", "", None, None, D("0"), "", U, "国家文件未作规定", "1=须跟踪一年"),
    ("follow_up_year_before_removal", "45", "", None, None, D("1"), "", V2,
     "广西：脱贫后须跟踪帮扶一年方可销号（DOMAIN.md §6.3）", ""),
    ("water_check_required", "", "", 2014, 2018, D("0"), "", U,
     "饮水安全约自2019年起作为明确的退出检查项（DOMAIN.md §7.1）", "1=必查"),
    ("water_check_required", "", "", 2019, None, D("1"), "", U,
     "2021年官方总结列入饮水安全[V]；作为明确检查项的起始年度待确认", "1=必查"),
    ("compulsory_school_age_min", "", "", None, None, D("6"), "", V2, "义务教育适龄6–15周岁（省按学籍年龄）", ""),
    ("compulsory_school_age_max", "", "", None, None, D("15"), "", V2, "义务教育适龄6–15周岁（省按学籍年龄）", ""),
    # §12.6 risk elimination
    ("elimination_min_months_monitored", "", "", 2021, None, D("6"), "", V,
     "中农组发〔2021〕7号：收入持续稳定半年以上", ""),
    ("elimination_min_measures", "", "", 2021, None, D("1"), "", V, "落实至少一项针对性帮扶措施", ""),
    # §6.0 notice periods and time limits
    ("notice_days.identification_first", "", "", None, None, D("7"), "", V2, "识别第一次村内公示，实践中7天", ""),
    ("notice_days.identification_second", "", "", None, None, D("7"), "", U, "未见文件规定（DOMAIN.md §18.3）", ""),
    ("notice_days.poor_village_identification", "", "", None, None, D("7"), "", U, "未见文件规定（DOMAIN.md §18.3）", ""),
    ("notice_days.household_exit", "", "", None, None, D("7"), "", V2, "贫困户退出村内公示“原则上不少于一星期”", ""),
    ("notice_days.village_exit", "", "", None, None, D("7"), "", U, "乡镇内公示，未见天数规定（DOMAIN.md §18.3）", ""),
    ("notice_days.county_exit", "", "", None, None, D("5"), "", V,
     "甘肃省贫困县退出公示（2020年2月17日至21日，5个工作日）", "工作日"),
    ("notice_days.monitoring_identification", "", "", 2020, None, D("5"), "", V, "监测对象村内公示不少于5天", ""),
    ("notice_days.risk_elimination", "", "", 2020, None, D("5"), "", U, "未见文件规定（DOMAIN.md §18.3）", ""),
    ("sla_days.monitoring_identification", "620522", "", 2020, None, D("15"), "", V2, "秦安县：监测对象识别不超过15天", ""),
    ("sla_days.monitoring_identification", "46", "", 2020, None, D("20"), "", V, "海南：监测对象识别不超过20个工作日", "工作日"),
    ("sla_days.monitoring_identification", "34", "", 2020, None, D("20"), "", V, "安徽：监测对象识别不超过20个工作日", "工作日"),
    ("sla_days.monitoring_home_check", "34", "", 2020, None, D("2"), "", V, "安徽：申报后2个工作日内入户核实", "工作日"),
    ("sla_days.department_comparison", "", "", None, None, D("5"), "", V2, "部门信息比对5天内反馈", ""),
    # §10 other policy numbers
    ("microloan_max_amount", "", "", 2014, None, D("50000"), "", V2, "国开办发〔2014〕78号：5万元以下", "天水同[F]"),
    ("microloan_max_term_years", "", "", 2014, None, D("3"), "", V2, "国开办发〔2014〕78号：3年以内", "天水同[F]"),
    ("relocation_area_max_per_person", "", "", 2016, None, D("25"), "", V2, "《全国“十三五”易地扶贫搬迁规划》：人均不超过25平方米", ""),
    ("relocation_debt_max_per_household", "", "", 2016, None, D("10000"), "", U, "搬迁户因搬迁负债不超过1万元（省级清单[V2]，全国[U]）", ""),
    ("work_team_min_members", "", "", 2017, None, D("3"), "", V, "《关于加强贫困村驻村工作队选派管理工作的指导意见》（2017）：一般不少于3人", ""),
    ("work_team_min_term_years", "", "", 2017, None, D("2"), "", V, "同上：每期不少于2年", ""),
    ("stationing_days_per_month_min", "610929", "", None, None, D("20"), "", V, "白河县：每月驻村不少于20天", "龙山县另要求每月住村不少于10晚"),
    ("stationing_leave_max_per_year", "610929", "", None, None, D("30"), "", V, "白河县：全年请假超过30天召回", ""),
    ("first_secretary_days_min", "2203", "", 2018, None, D("200"), "", F, "四平市（2018）：第一书记每年在村不少于200天", "“每年”待确认"),
    ("first_secretary_term_min_years", "", "", None, None, D("1"), "", U, "第一书记任期一般1–3年（DOMAIN.md §18.8）", ""),
    ("first_secretary_term_max_years", "", "", None, None, D("3"), "", U, "第一书记任期一般1–3年（DOMAIN.md §18.8）", ""),
    ("helper_visits_per_month_min", "230124", "", None, None, D("4"), "", V2, "方正县：帮扶责任人每月走访不少于4次", "另一县为每月4个走访日"),
    ("yulu_subsidy_per_student_year", "", "", None, None, D("3000"), "", V2, "雨露计划中高职学生每人每年约3,000元（各省自定）", ""),
    ("critical_illness_deductible", "2203", "", 2018, 2018, D("5000"), "", F, "四平市2018：大病保险起付线5,000元", ""),
    ("critical_illness_ratio_increase", "2203", "", 2018, 2018, D("0.05"), "", F, "四平市2018：贫困人口大病保险报销比例提高5个百分点", ""),
    ("insurance_enrolment_target", "2203", "", 2018, 2018, D("1"), "", F, "四平市2018：参保率100%", ""),
    ("water_litres_min_rich", "500229", "", None, None, D("35"), "", V, "重庆城口县水利局：丰水地区每人每天不少于35升", ""),
    ("water_litres_min_short", "500229", "", None, None, D("20"), "", V, "重庆城口县水利局：缺水地区每人每天不少于20升", ""),
    ("water_trip_minutes_max", "500229", "", None, None, D("20"), "", V, "重庆城口县水利局：单次取水不超过20分钟", ""),
    ("water_reliability_min", "500229", "", None, None, D("0.90"), "", V, "重庆城口县水利局：供水保证率约90%（年断水不超过36天）", ""),
    ("public_post_age_min", "", "", 2021, None, D("16"), "", V2, "公益岗位人员年满16周岁", ""),
    ("public_post_age_max", "", "", 2021, None, D("70"), "", V2, "公益岗位人员不满70周岁", ""),
    ("public_post_max_types_per_person", "", "", 2021, None, D("2"), "", V2, "每人公益岗位不超过2类", ""),
    ("county_poverty_fund_share_of_revenue_min", "4312", "", 2015, 2020, D("0.05"), "", F,
     "《怀化市精准扶贫攻坚行动实施纲要（2015—2020年）》：县级专项资金不低于上年地方财政收入5%", ""),
]  # fmt: skip

SC_H = "四川“一超六有”"
SC_V = "四川“一低五有”"
SC_T = "四川乡镇“三有”"
GX_V = "广西“十一有一低于”"
SN_C = "陕西贫困县退出指标"
SRC_SC = "DOMAIN.md §7.3 四川（达州）：户“一超六有”——一超为年人均纯收入超过国家扶贫标准，六有中义务教育、基本医疗、住房安全由国家核心指标检查"
SRC_SC_V = "DOMAIN.md §7.3 四川：村“一低五有”（一低为贫困发生率低于3%，四川村适用2%还是3%待确认）"
SRC_GX = "DOMAIN.md §7.3 广西：贫困村“十一有一低于”"
SRC_SN = "DOMAIN.md §7.3 陕西（2017）：贫困县退出指标"

# (code, level, scope, checklist, indicator, fact, operator, threshold, unit, veto, evidence_required,
#  evidence, source, sort_order)
CHECKLIST = [
    ("sc-h-water-litres", "household", "51", SC_H, "安全饮用水·水量", "water_litres_per_day", "gte", D("40"), "升/人·日", True, "水量测量记录", V2, SRC_SC, 1),
    ("sc-h-water-trip", "household", "51", SC_H, "安全饮用水·取水往返时间", "water_trip_minutes", "lte", D("20"), "分钟", True, "入户核查记录", V2, SRC_SC, 2),
    ("sc-h-water-reliability", "household", "51", SC_H, "安全饮用水·供水保证率", "water_reliability_pct", "gte", D("95"), "%", True, "供水单位证明", V2, SRC_SC, 3),
    ("sc-h-water-quality", "household", "51", SC_H, "安全饮用水·水质达标", "water_quality_ok", "true", None, "", True, "水质检测报告", V2, SRC_SC, 4),
    ("sc-h-power", "household", "51", SC_H, "有生活用电", "has_living_power", "true", None, "", True, "入户核查照片", V2, SRC_SC, 5),
    ("sc-h-tv", "household", "51", SC_H, "有广播电视", "has_broadcast_tv", "true", None, "", True, "入户核查照片", V2, SRC_SC, 6),
    ("sc-v-incidence", "village", "51", SC_V, "贫困发生率", "incidence", "lt", D("0.03"), "比例", True, "贫困人口统计表", U, SRC_SC_V, 1),
    ("sc-v-collective-income", "village", "51", SC_V, "有集体经济收入", "collective_income", "true", None, "", True, "村集体经济收入账目", V2, SRC_SC_V, 2),
    ("sc-v-road", "village", "51", SC_V, "有硬化路", "hardened_road", "true", None, "", True, "交通部门验收资料", V2, SRC_SC_V, 3),
    ("sc-v-clinic", "village", "51", SC_V, "有卫生室", "has_clinic", "true", None, "", True, "卫生部门认定", V2, SRC_SC_V, 4),
    ("sc-v-culture-room", "village", "51", SC_V, "有文化室", "has_culture_room", "true", None, "", True, "文化部门认定", V2, SRC_SC_V, 5),
    ("sc-v-telecom", "village", "51", SC_V, "有通信网络", "has_telecom", "true", None, "", True, "通信运营商证明", V2, SRC_SC_V, 6),
    ("sc-t-school", "township", "51", SC_T, "有标准中心校", "has_standard_school", "true", None, "", True, "", U, "DOMAIN.md §7.3 四川乡镇“三有”（内容待确认）", 1),
    ("sc-t-health-centre", "township", "51", SC_T, "有达标卫生院", "has_health_centre", "true", None, "", True, "", U, "DOMAIN.md §7.3 四川乡镇“三有”（内容待确认）", 2),
    ("sc-t-service-centre", "township", "51", SC_T, "有便民服务中心", "has_service_centre", "true", None, "", True, "", U, "DOMAIN.md §7.3 四川乡镇“三有”（内容待确认）", 3),
    ("gx-v-industry", "village", "45", GX_V, "有特色产业", "has_featured_industry", "true", None, "", True, "", V2, SRC_GX, 1),
    ("gx-v-housing", "village", "45", GX_V, "有住房保障", "housing_secured", "true", None, "", True, "", V2, SRC_GX, 2),
    ("gx-v-medical", "village", "45", GX_V, "有基本医疗保障", "medical_secured", "true", None, "", True, "", V2, SRC_GX, 3),
    ("gx-v-education", "village", "45", GX_V, "有义务教育保障", "education_secured", "true", None, "", True, "", V2, SRC_GX, 4),
    ("gx-v-water", "village", "45", GX_V, "有安全饮水", "safe_water", "true", None, "", True, "", V2, SRC_GX, 5),
    ("gx-v-road", "village", "45", GX_V, "有路通村屯", "road_to_village", "true", None, "", True, "", V2, SRC_GX, 6),
    ("gx-v-power", "village", "45", GX_V, "有电用", "has_power", "true", None, "", True, "", V2, SRC_GX, 7),
    ("gx-v-services", "village", "45", GX_V, "有基本公共服务", "basic_public_services", "true", None, "", True, "", V2, SRC_GX, 8),
    ("gx-v-tv", "village", "45", GX_V, "有电视看", "has_tv", "true", None, "", True, "", V2, SRC_GX, 9),
    ("gx-v-collective-income", "village", "45", GX_V, "有村集体经济收入", "collective_income", "true", None, "", True, "", V2, SRC_GX, 10),
    ("gx-v-committee", "village", "45", GX_V, "有好的“两委”班子", "good_committee", "true", None, "", True, "", V2, SRC_GX, 11),
    ("gx-v-incidence", "village", "45", GX_V, "贫困发生率低于3%", "incidence", "lt", D("0.03"), "比例", True, "", V2, SRC_GX, 12),
    ("sn-c-income-ratio", "county", "61", SN_C, "农村居民人均可支配收入占全省平均比例", "rural_income_ratio", "gte", D("0.70"), "比例", True, "统计部门数据", V2, SRC_SN, 1),
    ("sn-c-roads", "county", "61", SN_C, "通沥青（水泥）路行政村比例", "village_road_share", "gte", D("0.97"), "比例", True, "交通部门数据", V2, SRC_SN, 2),
    ("sn-c-tap-water", "county", "61", SN_C, "农村自来水普及率", "tap_water_coverage", "gte", D("0.90"), "比例", True, "水利部门数据", V2, SRC_SN, 3),
    ("sn-c-power", "county", "61", SN_C, "通电户比例", "power_coverage", "gte", D("1"), "比例", True, "电力部门数据", V2, SRC_SN, 4),
    ("sn-c-housing", "county", "61", SN_C, "住房安全农户比例", "safe_housing_share", "gte", D("0.97"), "比例", True, "住建部门数据", V2, SRC_SN, 5),
    ("sn-c-insurance", "county", "61", SN_C, "贫困人口参加新农合和大病保险比例", "poor_insured_share", "gte", D("1"), "比例", True, "医保部门数据", V2, SRC_SN, 6),
]  # fmt: skip


def seed(apps, schema_editor):
    PolicyStandard = apps.get_model("assessment", "PolicyStandard")
    ChecklistItem = apps.get_model("assessment", "ChecklistItem")
    PolicyStandard.objects.bulk_create(
        PolicyStandard(
            key=key, scope_code=scope, region_class=rc, year_from=y0, year_to=y1, value=value,
            measure=measure, evidence=evidence, source=source, note=note,
        )
        for key, scope, rc, y0, y1, value, measure, evidence, source, note in STANDARDS
    )  # fmt: skip
    ChecklistItem.objects.bulk_create(
        ChecklistItem(
            code=code, level=level, scope_code=scope, checklist_name=name, indicator=indicator,
            fact=fact, operator=op, threshold=threshold, unit=unit, veto=veto,
            evidence_required=required, evidence=evidence, source=source, sort_order=order,
        )
        for (code, level, scope, name, indicator, fact, op, threshold, unit, veto, required,
             evidence, source, order) in CHECKLIST
    )  # fmt: skip


def unseed(apps, schema_editor):
    apps.get_model("assessment", "PolicyStandard").objects.all().delete()
    apps.get_model("assessment", "ChecklistItem").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("assessment", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
