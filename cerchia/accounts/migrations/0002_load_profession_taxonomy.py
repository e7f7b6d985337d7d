"""Load the curated profession taxonomy shipped in accounts/data/professions.json."""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "professions.json"


def load(apps, schema_editor):
    ContactSphere = apps.get_model("accounts", "ContactSphere")
    Profession = apps.get_model("accounts", "Profession")
    data = json.loads(DATA.read_text(encoding="utf-8"))
    for sphere_data in data["spheres"]:
        sphere, _ = ContactSphere.objects.update_or_create(
            code=sphere_data["code"],
            defaults={"name_en": sphere_data["name_en"], "name_it": sphere_data["name_it"]},
        )
        for item in sphere_data["professions"]:
            Profession.objects.update_or_create(
                code=item["code"],
                defaults={"sphere": sphere, "name_en": item["name_en"], "name_it": item["name_it"]},
            )


def unload(apps, schema_editor):
    apps.get_model("accounts", "Profession").objects.all().delete()
    apps.get_model("accounts", "ContactSphere").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
