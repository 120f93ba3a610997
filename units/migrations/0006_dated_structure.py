"""Units between two dates (the 2025 reform): ``district`` becomes ``area`` (the district or commune
directly under the province), ``deactivated_on`` becomes ``valid_to``, and every unit gets
``valid_from`` and ``path``; codes are unique among the units in force, not forever."""

import datetime

from django.db import migrations, models


def fill_links(apps, schema_editor):
    Unit = apps.get_model("units", "Unit")
    units = {unit.pk: unit for unit in Unit.objects.only("pk", "parent_id", "level", "is_active", "valid_to")}

    def links(unit):
        if unit.parent_id is None:
            return unit.pk, None, f"/{unit.pk}/"
        parent = units[unit.parent_id]
        _province, parent_area, parent_path = links(parent)
        province = parent.pk if parent.parent_id is None else _province
        if parent.parent_id is None:
            area = unit.pk if unit.level in (3, 4) else None
        else:
            area = parent_area
        return province, area, f"{parent_path}{unit.pk}/"

    changed = []
    for unit in units.values():
        unit.province_id, unit.area_id, unit.path = links(unit)
        changed.append(unit)
    Unit.objects.bulk_update(changed, ["province", "area", "path"], batch_size=500)
    # A unit deactivated before dates were kept ends on the day it is migrated.
    Unit.objects.filter(is_active=False, valid_to__isnull=True).update(valid_to=datetime.date.today())
    Unit.objects.filter(is_active=True, valid_to__isnull=False).update(valid_to=None)


class Migration(migrations.Migration):
    dependencies = [
        ("units", "0005_app_clock"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="unit", name="unit_district"),
        migrations.RenameField(model_name="unit", old_name="district", new_name="area"),
        migrations.RenameField(model_name="unit", old_name="deactivated_on", new_name="valid_to"),
        migrations.AlterField(
            model_name="unit",
            name="area",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=models.deletion.PROTECT,
                related_name="+",
                to="units.unit",
                verbose_name="area",
            ),
        ),
        migrations.AlterField(
            model_name="unit",
            name="valid_to",
            field=models.DateField(
                blank=True, help_text="The first day the unit no longer exists.", null=True, verbose_name="ended on"
            ),
        ),
        migrations.AddField(
            model_name="unit",
            name="valid_from",
            field=models.DateField(
                blank=True, help_text="Empty: since before the product's records.", null=True, verbose_name="valid from"
            ),
        ),
        migrations.AddField(
            model_name="unit",
            name="path",
            field=models.CharField(db_index=True, default="", editable=False, max_length=255),
        ),
        migrations.AlterField(
            model_name="unit",
            name="code",
            field=models.CharField(
                help_text=(
                    "Official administrative code for provinces, districts and communes; a short code for agencies. "
                    "Unique among the units of a province in force at the same time."
                ),
                max_length=20,
                verbose_name="code",
            ),
        ),
        migrations.RunPython(fill_links, migrations.RunPython.noop),
        migrations.AddIndex(model_name="unit", index=models.Index(fields=["area"], name="unit_area")),
        migrations.AddIndex(model_name="unit", index=models.Index(fields=["code"], name="unit_code")),
        migrations.AddConstraint(
            model_name="unit",
            constraint=models.UniqueConstraint(
                condition=models.Q(("valid_to__isnull", True)),
                fields=("province", "code"),
                name="unit_code_unique_in_force",
                violation_error_message="A unit in force in this province already has this code.",
            ),
        ),
        migrations.AddConstraint(
            model_name="unit",
            constraint=models.UniqueConstraint(
                condition=models.Q(("level", 1), ("valid_to__isnull", True)),
                fields=("code",),
                name="province_code_unique_in_force",
                violation_error_message="A province in force already has this code.",
            ),
        ),
        migrations.AddConstraint(
            model_name="unit",
            constraint=models.UniqueConstraint(
                fields=("province", "code", "valid_from"),
                name="unit_code_valid_from_unique",
                violation_error_message="A unit of this province with this code already starts on this date.",
            ),
        ),
        migrations.AddConstraint(
            model_name="unit",
            constraint=models.CheckConstraint(
                condition=models.Q(("valid_to__isnull", True))
                | models.Q(("valid_from__isnull", True))
                | models.Q(("valid_to__gt", models.F("valid_from"))),
                name="unit_validity_ordered",
                violation_error_message="A unit ends after it starts.",
            ),
        ),
        migrations.AddConstraint(
            model_name="unit",
            constraint=models.CheckConstraint(
                condition=models.Q(("is_active", True), ("valid_to__isnull", True))
                | models.Q(("is_active", False), ("valid_to__isnull", False)),
                name="unit_active_until_ended",
                violation_error_message="A unit is active exactly until it ends.",
            ),
        ),
    ]
