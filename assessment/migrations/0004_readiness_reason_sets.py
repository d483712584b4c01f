"""Readiness rows hold the id of a shared reason set instead of their own JSONB reasons (issue 7:
the JSON made the table three times larger and COPY parse it 1.7 million times), and the two
household links lose their own index (a composite index starting with the household covers
them)."""

import hashlib
import json

import django.db.models.deletion
from django.db import migrations, models


def _set_id(text: str) -> int:
    # the same as assessment.recompute.reason_set_id (kept here so the migration stays fixed)
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def reasons_to_sets(apps, schema_editor):
    """Existing rows get the set of their reasons (one UPDATE joined to a map of the distinct
    lists); the next recomputation rewrites them anyway."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT reasons::text FROM assessment_householdreadiness")
        pairs = []
        for (text,) in cursor.fetchall():
            compact = json.dumps(json.loads(text), ensure_ascii=False, separators=(",", ":"))
            pairs.append((text, _set_id(compact), compact))
        if not pairs:
            return
        cursor.execute("CREATE TEMPORARY TABLE reason_map (reasons jsonb, id bigint, compact text)")
        cursor.executemany("INSERT INTO reason_map VALUES (%s::jsonb, %s, %s)", pairs)
        cursor.execute(
            "INSERT INTO assessment_reasonset (id, reasons) "
            "SELECT DISTINCT ON (id) id, compact::jsonb FROM reason_map ON CONFLICT (id) DO NOTHING"
        )
        cursor.execute(
            "UPDATE assessment_householdreadiness r SET reason_set_id = m.id "
            "FROM reason_map m WHERE r.reasons = m.reasons"
        )
        cursor.execute("DROP TABLE reason_map")


class Migration(migrations.Migration):
    dependencies = [
        ("assessment", "0003_procedures"),
        ("households", "0002_head_constraint_trigger"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReasonSet",
            fields=[
                ("id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("reasons", models.JSONField(default=list, verbose_name="原因")),
            ],
            options={
                "verbose_name": "原因组合",
                "verbose_name_plural": "原因组合",
            },
        ),
        migrations.AddField(
            model_name="householdreadiness",
            name="reason_set",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="assessment.reasonset",
                verbose_name="原因",
            ),
        ),
        migrations.RunPython(reasons_to_sets, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="householdreadiness",
            name="reason_set",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="assessment.reasonset",
                verbose_name="原因",
            ),
        ),
        migrations.RemoveField(
            model_name="householdreadiness",
            name="reasons",
        ),
        migrations.AlterField(
            model_name="householdreadiness",
            name="household",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="households.household",
                verbose_name="贫困户",
            ),
        ),
        migrations.AlterField(
            model_name="monitoringflag",
            name="household",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="households.household",
                verbose_name="贫困户",
            ),
        ),
    ]
