"""Change history (痕迹管理): who, when, from where, through which channel, before and after."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from households.models import Household, Member
from households.services import (
    annual_income_save,
    household_restore,
    household_soft_delete,
    household_update,
)
from poverty.audit.context import actor_context
from poverty.audit.models import ChangeRecord
from poverty.audit.selectors import household_timeline
from poverty.exceptions import BusinessRuleError
from poverty.roles import Role
from tests.access import build_world, make_household

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


@pytest.mark.parametrize("channel", ["page", "api", "import", "admin", "job", "command"])
def test_each_channel_is_recorded_with_user_and_address(world, channel):
    clerk = world.counties["a"].users[Role.COUNTY_OFFICE]
    household = world.counties["a"].households[0]
    with actor_context(channel=channel, ip_address="10.1.2.3", request_id="req-1"):
        household_update(
            actor=clerk,
            household=household,
            data={"group_name": "三组"},
            expected_version=household.version,
        )
    record = ChangeRecord.objects.filter(household_id=household.pk, action="update").latest("at")
    assert record.channel == channel
    assert record.user == clerk and record.user_name == "county-a"
    assert record.ip_address == "10.1.2.3" and record.request_id == "req-1"
    assert record.changes == {"group_name": ["", "三组"]}


def test_registration_records_household_and_each_member(world):
    household = world.counties["a"].households[0]
    created = ChangeRecord.objects.filter(household_id=household.pk, action="create")
    assert (
        sorted(created.values_list("object_type", flat=True))
        == ["households.household"] + ["households.member"] * 3
    )


def test_timeline_reads_as_sentences_with_before_and_after(world):
    clerk = world.counties["a"].users[Role.COUNTY_OFFICE]
    household = world.counties["a"].households[0]
    income = annual_income_save(
        actor=clerk, household=household, year=2019, data={"wage": Decimal("9360"), "household_size": 3},
        expected_version=household.version,
    )  # fmt: skip
    assert income.per_capita_net_income == Decimal("3120.00")
    household.refresh_from_db()
    annual_income_save(
        actor=clerk, household=household, year=2019, data={"wage": Decimal("12930")},
        expected_version=household.version,
    )  # fmt: skip
    sentences = [s for entry in household_timeline(clerk, household.pk) for s in entry.sentences]
    assert "将 人均纯收入 从 3,120 改为 4,310" in sentences
    assert "将 工资性收入 从 9,360 改为 12,930" in sentences


def test_timeline_is_on_the_household_page(world, client):
    clerk = world.counties["a"].users[Role.COUNTY_OFFICE]
    household = world.counties["a"].households[0]
    household_update(
        actor=clerk,
        household=household,
        data={"group_name": "五组"},
        expected_version=household.version,
    )
    client.force_login(clerk)
    body = client.get(f"/households/{household.pk}/").content.decode()
    assert "将 村民小组/自然村 从 空 改为 五组" in body


def test_history_cannot_be_edited_or_deleted(world):
    record = ChangeRecord.objects.first()
    with pytest.raises(PermissionError):
        ChangeRecord.objects.filter(pk=record.pk).update(message="x")
    with pytest.raises(PermissionError):
        ChangeRecord.objects.filter(pk=record.pk).delete()
    # not even with raw SQL: a trigger refuses it
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_changerecord SET message = 'x' WHERE id = %s", [record.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_changerecord WHERE id = %s", [record.pk])


def test_soft_delete_needs_a_reason_and_frees_member_ids_until_restored(world):
    clerk = world.counties["a"].users[Role.COUNTY_OFFICE]
    household = world.counties["a"].households[0]
    with pytest.raises(BusinessRuleError) as refused:
        household_soft_delete(actor=clerk, household=household, reason="  ", expected_version=None)
    assert refused.value.field == "reason"

    household_soft_delete(
        actor=clerk, household=household, reason="重复录入", expected_version=None
    )
    household.refresh_from_db()
    assert household.is_deleted and household.deleted_reason == "重复录入"
    assert not household.members.filter(is_active=True).exists()
    assert ChangeRecord.objects.filter(
        household_id=household.pk, action="delete", message="重复录入"
    ).exists()

    household_restore(actor=clerk, household=household, reason="误删")
    household.refresh_from_db()
    assert not household.is_deleted
    assert household.members.filter(is_active=True).count() == 3
    assert ChangeRecord.objects.filter(household_id=household.pk, action="restore").exists()


def test_purge_command_records_what_it_removed(world):
    village = world.counties["a"].villages[1]
    household = make_household(village, "431202999001")
    member_ids = sorted(household.members.values_list("id_number", flat=True))
    call_command("purge_household", "431202999001", reason="测试数据", operator="张三")
    assert not Household.objects.filter(household_number="431202999001").exists()
    assert not Member.objects.filter(household_id=household.pk).exists()
    record = ChangeRecord.objects.get(household_id=household.pk, action="purge")
    assert record.channel == "command"
    assert "测试数据" in record.message and "张三" in record.message
    removed = record.changes["removed"][0]
    assert sorted(m["id_number"] for m in removed["members"]) == member_ids


def test_admin_edits_are_recorded_with_channel_admin(world, client):
    household = world.counties["a"].households[0]
    client.force_login(world.admin)
    url = f"/admin/assistance/cadre/{world.counties['a'].cadre.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: ("" if value is None else value) for name, value in form.initial.items()}
    data.update({"name": "王五", "user": world.counties["a"].users[Role.CADRE].pk})
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    record = ChangeRecord.objects.filter(object_type="assistance.cadre").latest("at")
    assert record.channel == "admin" and record.user == world.admin
    assert record.changes["name"] == ["干部a", "王五"]
    assert household.pk  # the world is intact


def _record_fields(record):
    names = ("user_id", "user_name", "ip_address", "channel", "request_id", "action",
             "object_type", "object_id", "object_repr", "household_id", "division_code",
             "changes", "message")  # fmt: skip
    return {name: getattr(record, name) for name in names}


def test_large_bulk_history_is_copied_with_the_same_content_as_bulk_create(world):
    """Above COPY_THRESHOLD entries record_bulk_changes streams the records with COPY; each
    row must equal what the bulk_create path writes for the same entry, in the same order,
    and the table stays append-only."""
    from poverty.audit import recording
    from poverty.audit.recording import model_snapshot, record_bulk_changes

    clerk = world.counties["a"].users[Role.COUNTY_OFFICE]
    household = world.counties["a"].households[0]
    members = list(household.members.all())
    member = members[0]
    before = model_snapshot(member)
    member.name = "改\t名\\后\n"  # characters COPY must escape
    entries = []
    for index in range(recording.COPY_THRESHOLD + 30):
        if index % 3 == 0:  # a creation of the household (every set field)
            entries.append({"action": "create", "instance": household, "before": None,
                            "after": model_snapshot(household), "message": f"批量{index}",
                            "household_id": household.pk, "division_code": household.village_id})  # fmt: skip
        elif index % 3 == 1:  # an update of a member
            entries.append({"action": "update", "instance": member, "before": before,
                            "after": model_snapshot(member), "message": "Excel导入",
                            "household_id": household.pk, "division_code": member.division_code})  # fmt: skip
        else:  # an update that changed nothing: not recorded
            entries.append({"action": "update", "instance": member, "before": before,
                            "after": before, "message": "", "household_id": household.pk,
                            "division_code": ""})  # fmt: skip
    start = ChangeRecord.objects.order_by("-id").values_list("id", flat=True).first()
    with actor_context(channel="import", ip_address="10.9.8.7", request_id="req-copy"):
        copied = record_bulk_changes(clerk, iter(entries))  # a generator is accepted
        small = record_bulk_changes(clerk, entries[:6])  # below the threshold: bulk_create
    expected = [e for e in entries if e["before"] is None or e["after"] != e["before"]]
    assert copied == len(expected) and small == 4
    rows = list(ChangeRecord.objects.filter(id__gt=start).order_by("id"))
    assert len(rows) == copied + small
    by_bulk_create = {(r.action, r.message): _record_fields(r) for r in rows[copied:]}
    for record, entry in zip(rows[:copied], expected, strict=True):
        fields = _record_fields(record)
        assert fields["channel"] == "import" and fields["ip_address"] == "10.9.8.7"
        assert fields["user_id"] == clerk.pk and fields["request_id"] == "req-copy"
        assert fields["message"] == entry["message"]
        twin = by_bulk_create.get((entry["action"], entry["message"]))
        if twin is not None:
            assert fields == twin
    assert rows[1].changes == {"name": [before["name"], "改\t名\\后\n"]}
    assert rows[0].changes["household_number"] == [None, household.household_number]
    assert rows[0].at is not None
    # still append-only: the trigger refuses a change to a copied row
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_changerecord WHERE id = %s", [rows[0].pk])


def test_history_indexes_serve_each_lookup_without_redundant_twins(world):
    """Each history record is written into every index of the table; migration audit 0003
    dropped the two that no query needs (household_id alone, request_id's pattern-ops twin).
    The lookups by household, object and request still find their index."""
    from poverty.audit.selectors import change_records_for_household

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'audit_changerecord'"
        )
        indexes = dict(cursor.fetchall())
    columns = sorted(d[d.index("(") :] for d in indexes.values())
    assert columns == sorted([
        "(id)", "(at)", "(user_id)", "(division_code varchar_pattern_ops)",
        "(household_id, at)", "(object_type, object_id)", "(request_id)",
    ])  # fmt: skip
    household = world.counties["a"].households[0]
    clerk = world.counties["a"].users[Role.COUNTY_OFFICE]
    queries = {
        "audit_household_at": change_records_for_household(clerk, household.pk)[:200],
        "audit_object": ChangeRecord.objects.filter(
            object_type="households.household", object_id=str(household.pk)
        ).order_by("-at", "-id")[:1],
        "audit_request_id": ChangeRecord.objects.filter(request_id="req-1"),
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for index, queryset in queries.items():
            sql, params = queryset.query.sql_with_params()
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert index in plan, plan
