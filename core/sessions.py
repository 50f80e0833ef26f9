"""The database session store, its read on every request in plain SQL (SESSION_ENGINE = "core.sessions").

Same table, same rows, same keys as django.contrib.sessions.backends.db, whose writes it keeps: only the
read that every page makes skips the ORM, whose query building cost three times the query (issue 14).
"""

from __future__ import annotations

import functools
from typing import Any, cast

from django.contrib.sessions.backends.db import SessionStore as DbSessionStore
from django.db import connections, router
from django.utils import timezone


class SessionStore(DbSessionStore):
    def _get_session_from_db(self) -> Any:
        """The unexpired row of this key (None, and the key forgotten, when there is none), as the parent's."""
        model = self.model
        alias = router.db_for_read(model)
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(
                _select_sql(model, alias),
                [self.session_key, connection.ops.adapt_datetimefield_value(timezone.now())],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return model(session_key=cast(str, self.session_key), session_data=row[0])  # the row's key: not None


@functools.cache
def _select_sql(model: Any, alias: str) -> str:
    """The query, its table and column names read from the model (built once per process)."""
    quote = connections[alias].ops.quote_name
    column = {name: quote(model._meta.get_field(name).column) for name in ("session_key", "session_data", "expire_date")}
    # Names from the model, quoted; the values are parameters.
    where = f"{column['session_key']} = %s AND {column['expire_date']} > %s"
    return f"SELECT {column['session_data']} FROM {quote(model._meta.db_table)} WHERE {where}"  # noqa: S608  # nosec B608
