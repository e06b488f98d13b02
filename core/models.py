from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditLogQuerySet(models.QuerySet):
    def for_object(self, obj):
        return self.filter(content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk)

    def update(self, **kwargs):
        raise TypeError("Audit rows are append-only.")

    def delete(self):
        raise TypeError("Audit rows are append-only.")


class AuditLog(models.Model):
    """Who changed what, when and why. Written by services; never updated or deleted."""

    class Action(models.TextChoices):
        STATUS_CHANGE = "status_change", _("Status change")
        UPDATE = "update", _("Update")
        CREATE = "create", _("Create")
        EXPORT = "export", _("Personal data exported")

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    object_repr = models.CharField(max_length=200)
    action = models.CharField(max_length=32, choices=Action.choices)
    field = models.CharField(max_length=64, blank=True)
    from_state = models.CharField(max_length=64, blank=True)
    to_state = models.CharField(max_length=64, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_repr = models.CharField(max_length=200, blank=True, help_text=_("Kept if the actor is removed."))
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "created_at"])]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")

    def __str__(self):
        if self.action == self.Action.STATUS_CHANGE:
            return f"{self.object_repr}: {self.from_state} → {self.to_state}"
        return f"{self.object_repr}: {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Audit rows are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit rows are append-only.")


class Notification(models.Model):
    """An in-app message to one user (outbid, won, sold, decision needed). Created by core.notifications.notify()."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    event_key = models.CharField(
        max_length=200, null=True, blank=True,
        help_text=_("The event this tells (e.g. auction:12:sold): one notification per event and recipient, however "
                    "often the code that tells it runs. Empty for ad-hoc messages."))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"])]
        constraints = [models.UniqueConstraint(fields=["user", "event_key"], name="core_notification_once_per_event")]

    def __str__(self):
        return f"{self.user_id}: {self.title}"


class NotificationPreference(models.Model):
    """How one user wants one kind of notification (core.notifications.PREFERENCE_KINDS); no row: every way on.
    Off in the app, the notification is still kept (read, not pushed to open pages): it is the record that the
    event was told, once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notification_preferences")
    kind = models.CharField(max_length=64)
    in_app = models.BooleanField(default=True)
    email = models.BooleanField(default=True)
    push = models.BooleanField(default=True, help_text=_("Web push to the devices the user turned it on for."))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="core_notification_preference_once")]

    def __str__(self):
        return f"{self.user_id}: {self.kind}"


class PushSubscription(models.Model):
    """One browser's web-push subscription (the PushSubscription it handed over): where to push, and the keys
    that encrypt each message for it alone."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions")
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.user_id}: {self.endpoint[:60]}"


class ReviewedDocument(models.Model):
    """An uploaded document staff review before they rely on it (a trade licence, a registration certificate).

    A private object (core.media): read through signed, expiring links by its owner and staff only. The file is the
    uploaded bytes as sniffed and checked by core.documents; status changes through core.documents.document_review
    (core.transitions: audited)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    S = Status
    # Staff may withdraw an acceptance (a licence found void); a rejected document stays rejected: upload a new one.
    TRANSITIONS = {S.PENDING: {S.ACCEPTED, S.REJECTED}, S.ACCEPTED: {S.REJECTED}, S.REJECTED: set()}
    del S

    file = models.FileField(max_length=255)
    content_type = models.CharField(max_length=32)
    size_bytes = models.PositiveIntegerField()
    original_filename = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    status_reason = models.TextField(blank=True, help_text=_("Why it was rejected; the uploader sees it."))
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["-uploaded_at", "-id"]

    media_is_public = False  # core.media: never a plain URL
