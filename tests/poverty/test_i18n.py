"""English through Django i18n: the source strings are Simplified Chinese, locale/en holds the
English catalogue (see docs/dev/i18n.md to refresh it)."""

import gettext
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise

from assistance.models import Cadre, TeamRole, WorkTeam
from households.choices import CauseOfPoverty, HouseholdStatus, Relation
from households.models import Household, Member
from villages.choices import RegionLevel
from villages.models import Region

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PROJECT_APPS = ["villages", "households", "assistance", "assessment", "poverty", "jobs", "audit"]
CJK = re.compile(r"[\u3400-\u9fff]")


def field_label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


# (what, English, Chinese)
CASES = [
    (lambda: str(Household._meta.verbose_name), "Registered poor household", "贫困户"),
    (lambda: str(Region._meta.verbose_name), "Administrative division", "行政区划"),
    (lambda: str(Cadre._meta.verbose_name), "Assigned helper", "帮扶责任人"),
    (lambda: str(WorkTeam._meta.verbose_name), "Resident village work team", "驻村工作队"),
    (lambda: field_label(Household, "main_cause"), "Main cause of poverty", "主要致贫原因"),
    (lambda: field_label(Member, "relation"), "Relation to head", "与户主关系"),
    (
        lambda: field_label(Region, "is_key_county"),
        "National key county for poverty alleviation",
        "国家扶贫开发工作重点县",
    ),
    (lambda: str(HouseholdStatus.EXITED.label), "Out of poverty", "已脱贫"),
    (lambda: str(CauseOfPoverty.ILLNESS.label), "Illness", "因病"),
    (lambda: str(Relation.HEAD.label), "Head of household", "户主"),
    (lambda: str(TeamRole.FIRST_SECRETARY.label), "First secretary", "第一书记"),
    (lambda: str(RegionLevel.COUNTY.label), "County", "县"),
    (lambda: str(apps.get_app_config("assistance").verbose_name), "Assistance", "帮扶"),
]


@pytest.mark.parametrize(("text", "english", "chinese"), CASES)
def test_labels_are_english_under_en_and_chinese_under_zh_hans(text, english, chinese):
    with translation.override("en"):
        assert text() == english
    with translation.override("zh-hans"):
        assert text() == chinese


def test_model_display_values_follow_the_active_language():
    household = Household(status=HouseholdStatus.PRE_EXIT, main_cause=CauseOfPoverty.LABOUR)

    with translation.override("en"):
        assert household.get_status_display() == "Pre-exit"
        assert household.get_main_cause_display() == "Lack of labour"
    with translation.override("zh-hans"):
        assert household.get_status_display() == "预脱贫"


def test_messages_with_placeholders_are_translated_whole():
    from households.validators import MSG_ID_BAD_CHECK_DIGIT

    with translation.override("en"):
        assert str(MSG_ID_BAD_CHECK_DIGIT) % {"expected": "X"} == (
            "The check digit of the citizen ID number is wrong: the last character should be X."
        )


def _marked_strings():
    """Every string marked for translation on our apps' models: names, fields, help, choices."""
    for config in apps.get_app_configs():
        if config.label not in PROJECT_APPS:
            continue
        yield f"app {config.label}", config.verbose_name
        for model in config.get_models():
            where = f"{config.label}.{model.__name__}"
            yield where, model._meta.verbose_name
            yield where, model._meta.verbose_name_plural
            for field in model._meta.get_fields():
                if not hasattr(field, "verbose_name"):
                    continue
                yield f"{where}.{field.name}", field.verbose_name
                yield f"{where}.{field.name} help_text", field.help_text
                for _value, label in getattr(field, "flatchoices", None) or []:
                    yield f"{where}.{field.name} choice", label


def test_every_marked_model_string_has_an_english_translation():
    """Stored code lists that are data (e.g. 民族 labels) are not marked and are not checked."""
    missing = []
    with translation.override("en"):
        for where, text in _marked_strings():
            if isinstance(text, Promise) and CJK.search(str(text)):
                missing.append(f"{where}: {text}")

    assert not missing, (
        "Untranslated strings; refresh locale/en as docs/dev/i18n.md says:\n" + "\n".join(missing)
    )


def _po_entries(path: Path) -> dict[str, tuple[str | None, list[str]]]:
    """msgid → (msgid_plural, msgstr forms) of a .po file; a fuzzy entry has no forms."""
    entries: dict[str, tuple[str | None, list[str]]] = {}
    entry: dict | None = None
    part = None

    def flush():
        if entry and entry["id"]:
            entries[entry["id"]] = (entry["plural"], [] if entry["fuzzy"] else entry["strs"])

    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            flush()
            entry, part = None, None
            continue
        if entry is None:
            entry = {"id": "", "plural": None, "strs": [], "fuzzy": False}
        if line.startswith("#,"):
            entry["fuzzy"] = "fuzzy" in line
        elif line.startswith("#"):
            continue  # comments, references, obsolete (#~) entries
        elif line.startswith("msgid_plural "):
            entry["plural"], part = _unquote(line[13:]), "plural"
        elif line.startswith("msgid "):
            entry["id"], part = _unquote(line[6:]), "id"
        elif line.startswith("msgstr"):
            entry["strs"].append(_unquote(line.split(" ", 1)[1]))
            part = "str"
        elif line.startswith('"') and part == "str":
            entry["strs"][-1] += _unquote(line)
        elif line.startswith('"'):
            entry[part] += _unquote(line)
    flush()
    return entries


_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    body = text.strip()[1:-1]
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), body)


def test_catalogue_is_complete_and_the_committed_mo_matches_the_po():
    po = _po_entries(LOCALE_DIR / "django.po")
    with (LOCALE_DIR / "django.mo").open("rb") as handle:
        mo = gettext.GNUTranslations(handle)

    assert len(po) > 400
    untranslated = [msgid for msgid, (_plural, forms) in po.items() if not all(forms) or not forms]
    assert not untranslated, f"empty or fuzzy msgstr in django.po: {untranslated}"
    stale = []
    for msgid, (plural, forms) in po.items():
        compiled = (
            [mo.gettext(msgid)]
            if plural is None
            else [
                mo.ngettext(msgid, plural, 1),
                mo.ngettext(msgid, plural, 2),
            ]
        )
        if compiled != forms:
            stale.append(msgid)
    assert not stale, f"django.mo is older than django.po; run compilemessages: {stale[:5]}"


@pytest.fixture
def superuser_client(client, django_user_model):
    user = django_user_model.objects.create_superuser(
        "i18n-admin", "a@example.com", "x-pass-123456"
    )
    client.force_login(user)
    return client


def test_admin_index_is_chinese_by_default(superuser_client, db):
    html = superuser_client.get(reverse("admin:index")).content.decode()

    assert "精准扶贫业务管理系统" in html
    assert "帮扶责任人" in html
    assert "Assigned helper" not in html


def test_admin_index_is_english_with_the_language_cookie(superuser_client, db):
    superuser_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = superuser_client.get(reverse("admin:index")).content.decode()

    assert '<html lang="en"' in html
    assert "Targeted Poverty Alleviation Case Management System" in html
    assert "Data administration" in html
    for heading in (
        "Assistance",
        "Assigned helper",
        "Resident village work team",
        "Administrative division",
    ):
        assert heading in html
    assert "帮扶责任人" not in html


def test_admin_index_is_english_with_accept_language(superuser_client, db):
    html = superuser_client.get(
        reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"
    ).content.decode()

    assert "Targeted Poverty Alleviation Case Management System" in html
    assert "Helping unit" in html


def test_setlang_switches_the_admin_to_english(superuser_client, db):
    response = superuser_client.post(reverse("set_language"), {"language": "en", "next": "/admin/"})

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = superuser_client.get(reverse("admin:index")).content.decode()
    assert "Targeted Poverty Alleviation Case Management System" in html


def test_admin_changelist_headers_and_filters_are_english(superuser_client, db):
    Region.objects.create(code="430000000000", name="湖南省", level="province")
    superuser_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = superuser_client.get(
        reverse("admin:assistance_workteammember_changelist")
    ).content.decode()

    assert "Role in the team" in html
    assert "First secretary" in html  # choice in the role filter
    assert "By Region" in html  # the region prefix filter's title
