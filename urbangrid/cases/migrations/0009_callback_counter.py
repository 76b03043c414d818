"""Cases called back before the workflow counted callbacks get their count, so the
callback row's ``NOT_CALLED_BACK`` condition refuses a second one for them too."""

from typing import Any

from django.db import migrations


def count_callbacks(apps: Any, schema_editor: Any) -> None:
    Case = apps.get_model("cases", "Case")
    CaseEvent = apps.get_model("cases", "CaseEvent")
    called = CaseEvent.objects.filter(action="callback").values_list("case_id", flat=True)
    for case in Case.objects.filter(pk__in=called).only("pk", "counters").iterator():
        counters = dict(case.counters or {})
        counters["callbacks"] = CaseEvent.objects.filter(case_id=case.pk, action="callback").count()
        Case.objects.filter(pk=case.pk).update(counters=counters)


class Migration(migrations.Migration):
    dependencies = [("cases", "0008_light_check_at")]

    operations = [migrations.RunPython(count_callbacks, migrations.RunPython.noop)]
