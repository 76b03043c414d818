"""Dated patrol assignments (2/2): ``started_on`` required (default today), and at most
one open assignment per inspector and grid instead of one row for ever.

A separate migration from the data step, so PostgreSQL alters the table in a
transaction of its own.
"""

from django.db import migrations, models

import urbangrid.common.clock


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0005_inspector_grid_dates"),
    ]

    operations = [
        migrations.AlterField(
            model_name="inspectorgrid",
            name="started_on",
            field=models.DateField(
                default=urbangrid.common.clock.today_local,
                help_text="The first day the inspector patrols the grid.",
                verbose_name="started on",
            ),
        ),
        migrations.RemoveConstraint(
            model_name="inspectorgrid",
            name="inspector_grid_unique",
        ),
        migrations.AddConstraint(
            model_name="inspectorgrid",
            constraint=models.UniqueConstraint(
                condition=models.Q(("ended_on__isnull", True)),
                fields=("inspector", "grid_code"),
                name="inspector_grid_open_unique",
                violation_error_message=(
                    "This inspector already has an open assignment to this grid."
                ),
            ),
        ),
        migrations.AddConstraint(
            model_name="inspectorgrid",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("ended_on__isnull", True),
                    ("ended_on__gte", models.F("started_on")),
                    _connector="OR",
                ),
                name="inspector_grid_ends_after_start",
                violation_error_message="An assignment cannot end before it starts.",
            ),
        ),
    ]
