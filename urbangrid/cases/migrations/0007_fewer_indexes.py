"""Fewer indexes on cases: each one is written by every new case (bench_intake)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Django's names of the foreign keys' indexes (the same on SQLite and PostgreSQL).
FOREIGN_KEY_INDEXES = (
    "cases_case_department_id_c5b7309d",
    "cases_case_matter_id_3c4d0297",
    "cases_case_merged_into_id_1b4320d8",
    "cases_caseevent_case_id_6c6031ac",
)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_open_tallies"),
        ("catalog", "0003_load_catalogue"),
        ("organisations", "0004_login_failure"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="case",
            name="case_status_idx",
        ),
        # The foreign keys lose their own indexes. Only the state changes through
        # AlterField: on the database Django would drop and re-add each constraint,
        # checking every row again (90 M events on a year of a big city); dropping the
        # index is all that is needed.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="case",
                    name="department",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        help_text="The department the case is with now.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="cases",
                        to="organisations.department",
                    ),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="matter",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="cases",
                        to="catalog.catalogtype",
                    ),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="merged_into",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        help_text="The case this duplicate report was merged into (合并).",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="merged_reports",
                        to="cases.case",
                    ),
                ),
                migrations.AlterField(
                    model_name="caseevent",
                    name="case",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="events",
                        to="cases.case",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    [f"DROP INDEX IF EXISTS {name}" for name in FOREIGN_KEY_INDEXES],
                    migrations.RunSQL.noop,
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("department__isnull", False)),
                fields=["department"],
                name="case_department_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("merged_into__isnull", False)),
                fields=["merged_into"],
                name="case_merged_into_idx",
            ),
        ),
    ]
