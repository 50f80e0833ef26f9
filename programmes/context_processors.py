from django.utils.functional import SimpleLazyObject

from .models import StructurePilote


def pilot(request):
    """The site's footer speaks for the instance's first pilot structure (read only if a page shows it);
    e-mails and PDFs speak for their programme's pilot (core/pilote.py)."""
    return {"pilot": SimpleLazyObject(lambda: StructurePilote.depuis_reglages().identite())}
