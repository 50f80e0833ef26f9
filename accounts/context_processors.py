from . import roles as role_checks


def roles(request):
    user = request.user
    return {
        "is_candidat": role_checks.is_candidat(user),
        "is_personne_ressource": role_checks.is_personne_ressource(user),
        "is_coordination": role_checks.is_coordination(user),
        "is_comite": role_checks.is_comite(user),
    }
