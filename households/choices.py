"""Code lists of the household registry (DOMAIN.md §4.4). Codes are stable; labels are Chinese."""

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = [
    "ETHNICITY_CHOICES",
    "RELATION_IMPLIED_SEX",
    "AccessRoad",
    "CauseOfPoverty",
    "DibaoStatus",
    "DisabilityCategory",
    "Education",
    "FuelType",
    "GuaranteeState",
    "Health",
    "HouseGrade",
    "HouseholdAttribute",
    "HouseholdStatus",
    "IdType",
    "IdentificationStandard",
    "LabourAbility",
    "MemberChange",
    "PoliticalStatus",
    "Relation",
    "RelocationMode",
    "ResettlementMode",
    "ResettlementPlace",
    "SchoolStatus",
    "Sex",
    "SystemVersion",
    "TekunStatus",
    "WaterSource",
    "WorkStatus",
]


class SystemVersion(models.TextChoices):
    NATIONAL_2014 = "2014", _("全国扶贫开发信息系统（2014–2020）")
    MONITORING_2021 = "2021", _("全国防返贫监测信息系统（2021+）")


class IdentificationStandard(models.TextChoices):
    NATIONAL = "1", _("国家标准")
    PROVINCIAL = "2", _("省定标准")
    PREFECTURAL = "3", _("市定标准")


class HouseholdAttribute(models.TextChoices):
    """贫困户属性."""

    ORDINARY = "1", _("一般贫困户")
    DIBAO_POOR = "2", _("低保贫困户")
    TEKUN_POOR = "3", _("特困供养贫困户（五保）")
    DIBAO = "4", _("低保户")
    WUBAO = "5", _("五保户")


class HouseholdStatus(models.TextChoices):
    """Lifecycle status (脱贫属性) of a registered household."""

    POOR = "poor", _("未脱贫")
    PRE_EXIT = "pre_exit", _("预脱贫")
    EXITED = "exited", _("已脱贫")
    RETURNED = "returned", _("返贫")
    MONITORED = "monitored", _("监测对象")


class CauseOfPoverty(models.TextChoices):
    """致贫原因."""

    ILLNESS = "01", _("因病")
    DISABILITY = "02", _("因残")
    SCHOOLING = "03", _("因学")
    DISASTER = "04", _("因灾")
    LAND = "05", _("缺土地")
    WATER = "06", _("缺水")
    SKILLS = "07", _("缺技术")
    LABOUR = "08", _("缺劳力")
    CAPITAL = "09", _("缺资金")
    TRANSPORT = "10", _("交通条件落后")
    MOTIVATION = "11", _("自身发展动力不足")
    MARRIAGE = "12", _("因婚")
    FUNERAL = "13", _("因丧")
    OTHER = "99", _("其他")


class Sex(models.TextChoices):
    """GB/T 2261.1."""

    MALE = "1", _("男")
    FEMALE = "2", _("女")
    UNSTATED = "9", _("未说明的性别")


class IdType(models.TextChoices):
    RESIDENT_ID = "1", _("居民身份证")
    DISABILITY_CERT = "2", _("残疾人证")
    OTHER = "9", _("其他证件")


class Relation(models.TextChoices):
    """与户主关系 (2014–2020 list; the 2021+ plain words map onto it)."""

    HEAD = "01", _("户主")
    SPOUSE = "02", _("配偶")
    SON = "03", _("之子")
    DAUGHTER = "04", _("之女")
    DAUGHTER_IN_LAW = "05", _("之儿媳")
    SON_IN_LAW = "06", _("之女婿")
    GRANDSON = "07", _("之孙子")
    GRANDDAUGHTER = "08", _("之孙女")
    DAUGHTERS_SON = "09", _("之外孙子")
    DAUGHTERS_DAUGHTER = "10", _("之外孙女")
    FATHER = "11", _("之父")
    MOTHER = "12", _("之母")
    WIFES_FATHER = "13", _("之岳父")
    WIFES_MOTHER = "14", _("之岳母")
    HUSBANDS_FATHER = "15", _("之公公")
    HUSBANDS_MOTHER = "16", _("之婆婆")
    GRANDFATHER = "17", _("之祖父")
    GRANDMOTHER = "18", _("之祖母")
    MATERNAL_GRANDFATHER = "19", _("之外祖父")
    MATERNAL_GRANDMOTHER = "20", _("之外祖母")
    OTHER = "99", _("其他")


# Relations whose word implies a sex (FAM-03); the spouse is checked against the head instead.
RELATION_IMPLIED_SEX = {
    Relation.SON: Sex.MALE,
    Relation.DAUGHTER: Sex.FEMALE,
    Relation.DAUGHTER_IN_LAW: Sex.FEMALE,
    Relation.SON_IN_LAW: Sex.MALE,
    Relation.GRANDSON: Sex.MALE,
    Relation.GRANDDAUGHTER: Sex.FEMALE,
    Relation.DAUGHTERS_SON: Sex.MALE,
    Relation.DAUGHTERS_DAUGHTER: Sex.FEMALE,
    Relation.FATHER: Sex.MALE,
    Relation.MOTHER: Sex.FEMALE,
    Relation.WIFES_FATHER: Sex.MALE,
    Relation.WIFES_MOTHER: Sex.FEMALE,
    Relation.HUSBANDS_FATHER: Sex.MALE,
    Relation.HUSBANDS_MOTHER: Sex.FEMALE,
    Relation.GRANDFATHER: Sex.MALE,
    Relation.GRANDMOTHER: Sex.FEMALE,
    Relation.MATERNAL_GRANDFATHER: Sex.MALE,
    Relation.MATERNAL_GRANDMOTHER: Sex.FEMALE,
}

_ETHNIC_GROUPS = (
    "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 "
    "拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 "
    "怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺"
).split()

# GB/T 3304 (numbering [U] per DOMAIN.md §4.4: the code and its label are stored together).
ETHNICITY_CHOICES = [(f"{i:02d}", f"{name}族") for i, name in enumerate(_ETHNIC_GROUPS, start=1)]
ETHNICITY_CHOICES += [("97", "其他"), ("98", "外国血统中国籍人士")]


class PoliticalStatus(models.TextChoices):
    """GB/T 4762."""

    CPC_MEMBER = "01", _("中共党员")
    CPC_PROBATIONARY = "02", _("中共预备党员")
    CYL_MEMBER = "03", _("共青团员")
    RCCK = "04", _("民革会员")
    CDL = "05", _("民盟盟员")
    CNDCA = "06", _("民建会员")
    CAPD = "07", _("民进会员")
    CPWDP = "08", _("农工党党员")
    CZGP = "09", _("致公党党员")
    JIUSAN = "10", _("九三学社社员")
    TDSGL = "11", _("台盟盟员")
    NON_PARTY = "12", _("无党派民主人士")
    MASSES = "13", _("群众")


class Education(models.TextChoices):
    """文化程度 (2014–2020 list)."""

    ILLITERATE = "01", _("文盲或半文盲")
    PRIMARY = "02", _("小学")
    JUNIOR = "03", _("初中")
    SENIOR = "04", _("高中")
    COLLEGE = "05", _("大专及以上")
    PRESCHOOL = "06", _("学龄前儿童")


class SchoolStatus(models.TextChoices):
    """在校生状况 (2014–2020 list)."""

    NOT_STUDENT = "01", _("非在校生")
    PRESCHOOL = "02", _("学前教育")
    PRIMARY = "03", _("小学")
    GRADE_7 = "04", _("七年级")
    GRADE_8 = "05", _("八年级")
    GRADE_9 = "06", _("九年级")
    SENIOR_1 = "07", _("高中一年级")
    SENIOR_2 = "08", _("高中二年级")
    SENIOR_3 = "09", _("高中三年级")
    VOCATIONAL_1 = "10", _("中职一年级")
    VOCATIONAL_2 = "11", _("中职二年级")
    VOCATIONAL_3 = "12", _("中职三年级")
    HIGHER_VOC_1 = "13", _("高职一年级")
    HIGHER_VOC_2 = "14", _("高职二年级")
    HIGHER_VOC_3 = "15", _("高职三年级")
    COLLEGE = "16", _("大专及以上")


class Health(models.TextChoices):
    HEALTHY = "01", _("健康")
    CHRONIC = "02", _("长期慢性病")
    SERIOUS = "03", _("患有大病")
    DISABLED = "04", _("残疾")


class DisabilityCategory(models.TextChoices):
    VISION = "1", _("视力残疾")
    HEARING = "2", _("听力残疾")
    SPEECH = "3", _("言语残疾")
    PHYSICAL = "4", _("肢体残疾")
    INTELLECTUAL = "5", _("智力残疾")
    MENTAL = "6", _("精神残疾")
    MULTIPLE = "7", _("多重残疾")


class LabourAbility(models.TextChoices):
    ORDINARY = "01", _("普通劳动力")
    SKILLED = "02", _("技能劳动力")
    LOST = "03", _("丧失劳动力")
    NONE = "04", _("无劳动力")
    WEAK = "05", _("弱劳动力或半劳动力")


class WorkStatus(models.TextChoices):
    NONE = "00", _("无")
    IN_TOWNSHIP = "01", _("乡（镇）内务工")
    IN_COUNTY = "02", _("乡（镇）外县内务工")
    IN_PROVINCE = "03", _("县外省内务工")
    OUT_OF_PROVINCE = "04", _("省外务工")
    OTHER = "99", _("其他")


class DibaoStatus(models.TextChoices):
    NONE = "0", _("未享受")
    URBAN = "1", _("城市低保")
    RURAL = "2", _("农村低保")


class TekunStatus(models.TextChoices):
    NONE = "0", _("未享受")
    URBAN = "1", _("城市特困")
    RURAL = "2", _("农村特困")


class MemberChange(models.TextChoices):
    """人员变更: why a member left (01–04, 08) or joined (05–07)."""

    DEATH = "01", _("死亡")
    MARRIED_OUT = "02", _("嫁出")
    EMIGRATED = "03", _("出国定居")
    IMPRISONED = "04", _("判刑收监")
    MARRIED_IN = "05", _("嫁入")
    NEWBORN = "06", _("新生儿")
    OTHER_IN = "07", _("其他转入")
    OTHER_OUT = "08", _("其他转出")


class HouseGrade(models.TextChoices):
    """危房鉴定等级: A/B safe, C partly dangerous, D whole house dangerous."""

    A = "A", _("A级（安全）")
    B = "B", _("B级（基本安全）")
    C = "C", _("C级（局部危房）")
    D = "D", _("D级（整幢危房）")


class AccessRoad(models.TextChoices):
    DIRT = "1", _("泥土路")
    GRAVEL = "2", _("砂石路")
    CEMENT = "3", _("水泥路")
    ASPHALT = "4", _("沥青路")
    NONE = "5", _("没有路")


class FuelType(models.TextChoices):
    FIREWOOD = "1", _("柴草")
    DUNG = "2", _("干畜粪")
    COAL = "3", _("煤炭")
    CLEAN = "4", _("清洁能源")
    OTHER = "9", _("其他")


class WaterSource(models.TextChoices):
    TAP = "1", _("自来水")
    DEEP_WELL = "2", _("深井水")
    CISTERN = "3", _("水窖水")
    SURFACE = "4", _("地表水")
    OTHER = "9", _("其他")


class RelocationMode(models.TextChoices):
    WHOLE_VILLAGE = "1", _("行政村整体搬迁")
    WHOLE_GROUP = "2", _("自然村（村民小组）整体搬迁")
    INDIVIDUAL = "3", _("建档立卡贫困户个别搬迁")


class ResettlementMode(models.TextChoices):
    CONCENTRATED = "1", _("集中安置")
    DISPERSED = "2", _("分散安置")
    BUY_IN_TOWN = "3", _("分散安置（进城购房）")


class ResettlementPlace(models.TextChoices):
    COUNTY_SEAT = "1", _("县城")
    TOWNSHIP = "2", _("乡镇")
    OUTSIDE_COUNTY = "3", _("县外")
    OUTSIDE_VILLAGE = "4", _("村外")
    INSIDE_VILLAGE = "5", _("村内")


class GuaranteeState(models.TextChoices):
    """One item of 两不愁三保障 + 饮水安全 in a year. A missing check is unknown, never met."""

    MET = "met", _("达标")
    NOT_MET = "not_met", _("不达标")
    NOT_APPLICABLE = "not_applicable", _("不适用")
    UNKNOWN = "unknown", _("待核")
