"""The one sweeper loop: periodic jobs that work through rows whose time has come (auctions past their end,
payments past their deadline, offers past their window…) in bounded batches, safe to run twice and side by side.

Each row is handled in its own short transaction that first takes it FOR UPDATE SKIP LOCKED: a row that a request,
a task or another sweep holds right now is left to them and comes round again next time, and each change commits
(and becomes visible) on its own instead of after the whole batch. The handler re-reads the row under its own locks
and does nothing when the row has moved on meanwhile; it returns whether it changed something.
"""

from collections.abc import Callable

from django.db import models, transaction


def sweep(queryset: models.QuerySet, handle: Callable[[int], bool], *, batch: int, until_done: bool = False) -> int:
    """Call `handle(pk)` for the rows of `queryset` (filtered and ordered by the caller), at most `batch` of them;
    with `until_done`, batch after batch while the batches are full and progress is made. Returns how many rows
    `handle` changed."""
    changed = 0
    model = queryset.model
    while True:
        ids = list(queryset.values_list("pk", flat=True)[:batch])
        progressed = 0
        for pk in ids:
            with transaction.atomic():
                if model._default_manager.select_for_update(skip_locked=True).filter(pk=pk).exists() and handle(pk):
                    progressed += 1
        changed += progressed
        if not until_done or len(ids) < batch or not progressed:
            return changed


def delete_in_batches(queryset: models.QuerySet, *, batch: int = 1000) -> int:
    """Delete the rows of `queryset`, `batch` at a time, each batch in its own short transaction (retention sweeps:
    no long lock on a table people write to). Safe to run twice. How many rows."""
    deleted = 0
    model = queryset.model
    while True:
        ids = list(queryset.values_list("pk", flat=True)[:batch])
        if not ids:
            return deleted
        with transaction.atomic():
            deleted += model._default_manager.filter(pk__in=ids).delete()[1].get(model._meta.label, 0)
