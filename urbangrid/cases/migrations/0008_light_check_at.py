"""The light sweep reads only the cases whose light may have changed (``light_check_at``)."""

from django.conf import settings
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps
from django.utils import timezone


def mark_open_cases(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """The first sweep after this migration looks at every open case once, and sets each
    one's next check time."""
    case = apps.get_model("cases", "Case")
    running = case.objects.exclude(status__in=["closed", "not_accepted", "cancelled"])
    running.exclude(stage="").update(light_check_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_fewer_indexes"),
        ("catalog", "0003_load_catalogue"),
        ("organisations", "0004_login_failure"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="light_check_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When the light sweep looks at the case again: its light's next change.",
                null=True,
                verbose_name="light checked again at",
            ),
        ),
        migrations.RunPython(mark_open_cases, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("light_check_at__isnull", False)),
                fields=["light_check_at"],
                name="case_light_check_idx",
            ),
        ),
    ]
