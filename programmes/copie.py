"""“Copy this programme”: each app registers a copier of its own content (fn(*, source, cible) -> None)."""

_COPIEURS: list = []


def register_copie(fn):
    _COPIEURS.append(fn)
    return fn


def copieurs():
    return list(_COPIEURS)
