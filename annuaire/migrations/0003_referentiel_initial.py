from django.db import migrations


def load(apps, schema_editor):
    from annuaire.referentiel import REFERENTIEL_INITIAL

    Domaine = apps.get_model("annuaire", "Domaine")
    Competence = apps.get_model("annuaire", "Competence")
    for ordre, (slug, nom, competences) in enumerate(REFERENTIEL_INITIAL):
        domaine, _ = Domaine.objects.get_or_create(slug=slug, defaults={"nom": nom, "ordre": ordre})
        for competence in competences:
            Competence.objects.get_or_create(domaine=domaine, nom=competence)


class Migration(migrations.Migration):
    dependencies = [("annuaire", "0002_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
