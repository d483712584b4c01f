"""Two of the change history's nine indexes go: every history record (135,000 in a
30,000-household import) is written into each of them (docs/PERFORMANCE.md, issue 8).

- ``household_id`` alone: ``audit_household_at`` (household_id, at) serves every lookup by
  household (the timeline, the last change of a household, the deletion to restore), with
  the same plans with or without it.
- ``request_id``'s ``varchar_pattern_ops`` twin (made for ``LIKE 'x%'``): nothing searches
  request ids by prefix (the admin's search is ``icontains``, which no btree serves). The
  plain index on request_id stays, renamed ``audit_request_id`` (declared in Meta).

The database side drops and renames the existing indexes instead of letting Django drop
both request_id indexes and build a new one over the whole table.
"""

from django.db import migrations, models

FORWARD = """
DROP INDEX IF EXISTS audit_changerecord_household_id_4670dd0c;
DROP INDEX IF EXISTS audit_changerecord_request_id_79b70587_like;
ALTER INDEX audit_changerecord_request_id_79b70587 RENAME TO audit_request_id;
"""

BACKWARD = """
ALTER INDEX audit_request_id RENAME TO audit_changerecord_request_id_79b70587;
CREATE INDEX audit_changerecord_request_id_79b70587_like
    ON audit_changerecord (request_id varchar_pattern_ops);
CREATE INDEX audit_changerecord_household_id_4670dd0c ON audit_changerecord (household_id);
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, BACKWARD)],
            state_operations=[
                migrations.AlterField(
                    model_name="changerecord",
                    name="household",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=models.deletion.DO_NOTHING,
                        related_name="+",
                        to="households.household",
                        verbose_name="所属贫困户",
                    ),
                ),
                migrations.AlterField(
                    model_name="changerecord",
                    name="request_id",
                    field=models.CharField(blank=True, max_length=36, verbose_name="请求编号"),
                ),
                migrations.AddIndex(
                    model_name="changerecord",
                    index=models.Index(fields=["request_id"], name="audit_request_id"),
                ),
            ],
        )
    ]
