"""The database's clock. Deadlines that decide money (an auction's end) are checked against
one clock shared by every web process and worker, read inside the deciding transaction."""

from datetime import datetime

from django.db import connection
from django.utils import timezone


def db_now() -> datetime:
    """The real time now on the database server (clock_timestamp(), not the transaction start).

    SQLite (the embedded first-run database) has no server clock: the process clock stands in."""
    if connection.vendor != "postgresql":
        return timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        return cursor.fetchone()[0]


def db_now_expression():
    """The same clock as a query expression, to compare against in the same statement."""
    from django.db.models import DateTimeField, Func, Value

    if connection.vendor != "postgresql":
        return Value(timezone.now(), output_field=DateTimeField())
    return Func(function="clock_timestamp", output_field=DateTimeField())
