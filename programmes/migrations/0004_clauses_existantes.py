"""Today's convention clauses (the text of templates/pdf/convention.html) as version 1 of each existing programme."""

from django.db import migrations


def ecrire(apps, schema_editor):
    from programmes.contenus import CLAUSES_PAR_DEFAUT  # plain data: the text the template carried

    Programme = apps.get_model("programmes", "Programme")
    VersionClauses = apps.get_model("programmes", "VersionClauses")
    Clause = apps.get_model("programmes", "Clause")
    for programme in Programme.objects.all():
        if VersionClauses.objects.filter(programme=programme).exists():
            continue
        version = VersionClauses.objects.create(programme=programme, version=1)
        Clause.objects.bulk_create(
            Clause(version=version, ordre=ordre, titre=titre, texte=texte)
            for ordre, (titre, texte) in enumerate(CLAUSES_PAR_DEFAUT, start=1)
        )


class Migration(migrations.Migration):
    dependencies = [("programmes", "0003_modeles_email_clauses")]

    operations = [migrations.RunPython(ecrire, migrations.RunPython.noop)]
