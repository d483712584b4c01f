"""The region statistics read the household size and whether all six guarantees are met from
the readiness rows (written by the same pass) instead of joining every income and guarantee
record again (issue 7). Existing rows are filled here from those records."""

from django.db import migrations, models

FILL = """
UPDATE assessment_householdreadiness r SET household_size = i.household_size
FROM households_annualincome i WHERE i.household_id = r.household_id AND i.year = r.year;
UPDATE assessment_householdreadiness r SET guarantees_met = coalesce(
    g.food IN ('met', 'not_applicable') AND g.clothing IN ('met', 'not_applicable')
    AND g.education IN ('met', 'not_applicable') AND g.medical IN ('met', 'not_applicable')
    AND g.housing IN ('met', 'not_applicable') AND g.water IN ('met', 'not_applicable'), false)
FROM households_guaranteestatus g WHERE g.household_id = r.household_id AND g.year = r.year;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("assessment", "0004_readiness_reason_sets"),
        ("households", "0002_head_constraint_trigger"),
    ]

    operations = [
        migrations.AddField(
            model_name="householdreadiness",
            name="guarantees_met",
            field=models.BooleanField(default=False, verbose_name="两不愁三保障均达标"),
        ),
        migrations.AddField(
            model_name="householdreadiness",
            name="household_size",
            field=models.PositiveSmallIntegerField(
                blank=True, null=True, verbose_name="家庭人口数"
            ),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
    ]
