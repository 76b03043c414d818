"""Create the default calendar 标准工作日 and the 24/7 calendar 全天候 (24/7)."""

from django.db import migrations

DEFAULT = {
    "name": "标准工作日",
    "periods": [["09:00", "12:00"], ["13:30", "17:30"]],
    "around_the_clock": False,
    "is_default": True,
}
AROUND_THE_CLOCK = {
    "name": "全天候 (24/7)",
    "periods": [["00:00", "24:00"]],
    "around_the_clock": True,
    "is_default": False,
}


def create_calendars(apps, schema_editor):
    WorkCalendar = apps.get_model("calendars", "WorkCalendar")
    has_default = WorkCalendar.objects.filter(is_default=True).exists()
    for values in (DEFAULT, AROUND_THE_CLOCK):
        fields = dict(values)
        if has_default:
            fields["is_default"] = False
        WorkCalendar.objects.get_or_create(name=fields.pop("name"), defaults=fields)


class Migration(migrations.Migration):
    dependencies = [("calendars", "0001_initial")]

    operations = [migrations.RunPython(create_calendars, migrations.RunPython.noop)]
