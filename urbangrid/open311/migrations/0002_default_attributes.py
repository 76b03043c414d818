"""Default service-definition questions; administrators may edit or add more."""

from django.db import migrations

DEFAULTS = [
    {
        "code": "urgency",
        "datatype": "singlevaluelist",
        "required": False,
        "order": 1,
        "description": "紧急程度 Urgency",
        "datatype_description": "normal 一般 / urgent 紧急（危及安全）",
        "values": [{"key": "normal", "name": "一般 Normal"}, {"key": "urgent", "name": "紧急 Urgent"}],
        "applies_to_components": False,
    },
    {
        "code": "component_id",
        "datatype": "string",
        "required": False,
        "order": 2,
        "description": "部件编号（17位管理部件标识码）Component id, if known",
        "datatype_description": "17 digits (GB/T 47678.5-2026) or 16 digits (CJ/T 214)",
        "values": [],
        "applies_to_components": True,
        "automated": "hidden_field",
    },
]


def add(apps, schema_editor):
    ServiceAttribute = apps.get_model("open311", "ServiceAttribute")
    for row in DEFAULTS:
        ServiceAttribute.objects.update_or_create(catalog_type=None, code=row["code"], defaults=row)


def remove(apps, schema_editor):
    apps.get_model("open311", "ServiceAttribute").objects.filter(
        catalog_type=None, code__in=[r["code"] for r in DEFAULTS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("open311", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
