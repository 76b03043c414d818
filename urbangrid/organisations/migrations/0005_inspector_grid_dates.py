"""Dated patrol assignments (1/2): add ``started_on`` (nullable for now) and ``ended_on``,
and give every existing assignment the start day ``PATROLLED_SINCE``.

Existing rows have no history: until now the evaluation read every past day with
today's assignments. Starting them on a fixed early day (``evaluation.periods.EARLIEST``,
the first day a period may cover) keeps every figure already shown unchanged, whatever
history is in the database or is imported later; the earliest case event's day would
do the same for today's events only, and would look like a real start day.
"""

import datetime

from django.db import migrations, models

PATROLLED_SINCE = datetime.date(1900, 1, 1)


def start_existing(apps, schema_editor):
    InspectorGrid = apps.get_model("organisations", "InspectorGrid")
    InspectorGrid.objects.filter(started_on__isnull=True).update(started_on=PATROLLED_SINCE)


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0004_login_failure"),
    ]

    operations = [
        migrations.AddField(
            model_name="inspectorgrid",
            name="started_on",
            field=models.DateField(null=True, verbose_name="started on"),
        ),
        migrations.AddField(
            model_name="inspectorgrid",
            name="ended_on",
            field=models.DateField(
                blank=True,
                help_text="The first day the inspector no longer patrols the grid (empty: still).",
                null=True,
                verbose_name="ended on",
            ),
        ),
        migrations.RunPython(start_existing, migrations.RunPython.noop),
    ]
