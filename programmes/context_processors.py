from django.conf import settings


def pilot(request):
    return {"pilot": settings.TSF_PILOT}
