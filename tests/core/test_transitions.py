import threading

import pytest
from django.db import DatabaseError, connection, transaction

from accounts.models import DealerProfile
from core.exceptions import InvalidTransition, TransitionConflict
from core.models import AuditLog
from core.transitions import transition
from tests.accounts.factories import DealerFactory, StaffFactory


def _profile():
    return DealerFactory().dealer_profile


@pytest.mark.django_db
def test_allowed_transition_changes_status_and_writes_one_audit_row():
    profile, actor = _profile(), StaffFactory()

    result = transition(profile, DealerProfile.Status.VERIFIED, actor=actor, reason="licence checked")

    assert result.changed and result.from_state == "pending" and result.to_state == "verified"
    profile.refresh_from_db()
    assert profile.status == "verified"
    [row] = AuditLog.objects.for_object(profile)
    assert (row.from_state, row.to_state, row.actor, row.reason) == ("pending", "verified", actor, "licence checked")
    assert row.field == "status" and row.action == AuditLog.Action.STATUS_CHANGE


@pytest.mark.django_db
def test_disallowed_transition_is_refused_and_changes_nothing():
    profile = _profile()
    transition(profile, DealerProfile.Status.VERIFIED)

    with pytest.raises(InvalidTransition) as refused:
        transition(profile, DealerProfile.Status.PENDING)

    assert "status" in refused.value.fields
    profile.refresh_from_db()
    assert profile.status == "verified"
    assert AuditLog.objects.for_object(profile).count() == 1


@pytest.mark.django_db
def test_repeating_a_transition_is_a_no_op():
    profile = _profile()
    first = transition(profile, DealerProfile.Status.VERIFIED)
    second = transition(profile, DealerProfile.Status.VERIFIED)

    assert first.changed and not second.changed
    assert AuditLog.objects.for_object(profile).count() == 1


@pytest.mark.django_db
def test_a_stale_instance_that_lost_the_race_to_another_status_gets_a_conflict():
    profile = _profile()
    stale = DealerProfile.objects.get(pk=profile.pk)
    transition(profile, DealerProfile.Status.SUSPENDED, reason="fraud check")

    with pytest.raises(TransitionConflict):
        transition(stale, DealerProfile.Status.VERIFIED)

    profile.refresh_from_db()
    assert profile.status == "suspended"


@pytest.mark.django_db
def test_side_effects_run_only_after_commit(django_capture_on_commit_callbacks):
    profile, calls = _profile(), []
    with django_capture_on_commit_callbacks(execute=True):
        transition(profile, DealerProfile.Status.VERIFIED, on_commit=[lambda: calls.append("sent")])
        assert calls == []
    assert calls == ["sent"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_identical_transitions_change_the_row_once():
    """Given two threads that both read 'pending', when both verify at the same instant,
    then one changes the row, the other reports no change, and one audit row and one side effect exist."""
    profile, actor = _profile(), StaffFactory()
    barrier, results, errors, effects = threading.Barrier(2), [], [], []

    def verify():
        try:
            mine = DealerProfile.objects.get(pk=profile.pk)
            barrier.wait(timeout=10)
            results.append(transition(mine, DealerProfile.Status.VERIFIED, actor=actor,
                                      on_commit=[lambda: effects.append(1)]))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=verify) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(r.changed for r in results) == [False, True]
    assert AuditLog.objects.for_object(profile).count() == 1
    assert effects == [1]
    profile.refresh_from_db()
    assert profile.status == "verified"


@pytest.mark.django_db
def test_audit_rows_cannot_be_changed_or_deleted():
    profile = _profile()
    transition(profile, DealerProfile.Status.VERIFIED)
    row = AuditLog.objects.for_object(profile).get()

    row.reason = "rewritten"
    with pytest.raises(TypeError):
        row.save()
    with pytest.raises(TypeError):
        row.delete()
    with pytest.raises(TypeError):
        AuditLog.objects.all().delete()
    with pytest.raises(TypeError):
        AuditLog.objects.all().update(reason="x")


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_refuses_updates_and_deletes_of_audit_rows_even_in_raw_sql():
    profile = _profile()
    transition(profile, DealerProfile.Status.VERIFIED, reason="licence checked")
    for sql in ("UPDATE core_auditlog SET reason = 'rewritten'", "UPDATE core_auditlog SET to_state = 'suspended'",
                "DELETE FROM core_auditlog"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    [row] = AuditLog.objects.for_object(profile)
    assert (row.reason, row.to_state) == ("licence checked", "verified")


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_trigger_refuses_an_update_that_clears_the_actor_and_changes_anything_else():
    profile, actor = _profile(), StaffFactory()
    transition(profile, DealerProfile.Status.VERIFIED, actor=actor, reason="licence checked")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditlog SET actor_id = NULL, reason = 'rewritten'")
    assert AuditLog.objects.for_object(profile).get().actor == actor


@pytest.mark.django_db
def test_removing_a_user_keeps_the_rows_of_what_they_did():
    profile, actor = _profile(), StaffFactory()
    transition(profile, DealerProfile.Status.VERIFIED, actor=actor, reason="licence checked")
    who = str(actor)

    actor.delete()

    [row] = AuditLog.objects.for_object(profile)
    assert (row.actor, row.actor_repr, row.reason) == (None, who, "licence checked")


@pytest.mark.django_db
def test_updates_may_not_set_the_field_the_transition_changes():
    profile = _profile()
    with pytest.raises(TypeError):
        transition(profile, DealerProfile.Status.VERIFIED, updates={"status": DealerProfile.Status.SUSPENDED})
    profile.refresh_from_db()
    assert profile.status == DealerProfile.Status.PENDING
    assert not AuditLog.objects.for_object(profile).exists()


@pytest.mark.django_db
def test_a_field_without_a_transitions_table_cannot_be_transitioned():
    profile = _profile()
    with pytest.raises(TypeError):
        transition(profile, "Someone else", field="company_name")
