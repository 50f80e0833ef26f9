from django.utils.functional import SimpleLazyObject

from .models import pilote_du_site


def pilot(request):
    """The site's footer speaks for the instance's first pilot structure (read only if a page shows it, from
    the cache: programmes.models.pilote_du_site); e-mails and PDFs speak for their programme's pilot
    (core/pilote.py)."""
    return {"pilot": SimpleLazyObject(lambda: pilote_du_site().identite())}
