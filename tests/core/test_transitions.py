import threading

import pytest
from django.db import connection

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
