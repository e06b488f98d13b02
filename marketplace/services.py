"""Every write to a listing or its photos. Views, the API and admin call these; nothing else writes."""

from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from accounts.services import email_verified_ensure, staff_ensure
from core.audit import audit_record
from core.documents import document_create, document_review
from core.exceptions import ApplicationError, PermissionRefused, ValidationFailed
from core.i18n import translatable
from core.models import AuditLog
from core.notifications import notify
from core.transitions import TransitionResult, transition
from marketplace import images, validators
from marketplace.models import Listing, ListingDocument, ListingPhoto

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

REQUIRED = gettext_lazy("This field is required.")
REQUIRED_TO_SUBMIT = gettext_lazy("Required before you can submit.")


class VinOnGavel(ValidationFailed):
    """The VIN belongs to a listing in the pipeline (or sold and not yet paid for): one car, one listing."""

    code = "vin_on_gavel"


VIN_CONSTRAINT = "marketplace_listing_one_vin_in_pipeline"


class ListingNotEditable(ApplicationError):
    code = "not_editable"
    status_code = 409

    def default_message(self):
        return _("Only a draft can be changed. This listing has been submitted.")


# name -> (normaliser, validator) for the editable fields. Text fields are trimmed; choices checked.
_TEXT_LIMITS = {"make": 60, "model": 80, "variant": 120, "colour": 40, "city": 100, "description": 5000}


def _choice(choices):
    def check(value):
        if value not in choices.values:
            raise DjangoValidationError(_("Choose one of: %(choices)s.") % {"choices": ", ".join(choices.values)})

    return check


_VALIDATORS = {
    "vin": validators.validate_vin,
    "registration_plate": validators.validate_registration_plate,
    "first_registration_year": validators.validate_first_registration_year,
    "mileage_km": validators.validate_mileage_km,
    "previous_owners": validators.validate_previous_owners,
    "postcode": validators.validate_postcode,
    "fuel": _choice(Listing.Fuel),
    "transmission": _choice(Listing.Transmission),
    "body_type": _choice(Listing.BodyType),
    "reserve_minor": validators.validate_reserve_minor,
    "asking_price_minor": validators.validate_price_minor,
}
_NORMALISERS = {
    "vin": validators.vin_normalise,
    "registration_plate": validators.plate_normalise,
    "postcode": validators.postcode_normalise,
}
_NULLABLE = {"mileage_km", "previous_owners", "service_history", "reserve_minor", "asking_price_minor"}
_REQUIRED_ON_CREATE = ("vin", "registration_plate", "make", "model", "first_registration_year")


def _clean(values: dict) -> dict:
    """Normalise and validate the given fields; raise ValidationFailed naming each bad one."""
    unknown = set(values) - set(Listing.EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Not listing fields: {', '.join(sorted(unknown))}")
    cleaned: dict[str, object] = {}
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        if name in _TEXT_LIMITS or name in _NORMALISERS or name in ("fuel", "transmission", "body_type"):
            value = _NORMALISERS.get(name, lambda v: str(v if v is not None else "").strip())(value)
            if name in _TEXT_LIMITS and len(value) > _TEXT_LIMITS[name]:
                errors[name] = [_("At most %(limit)s characters.") % {"limit": _TEXT_LIMITS[name]}]
                continue
            if value == "":
                cleaned[name] = ""
                continue
        elif name == "service_history":
            if value is not None and not isinstance(value, bool):
                errors[name] = [_("Answer yes or no.")]
                continue
        elif value is None and name in _NULLABLE:
            cleaned[name] = None
            continue
        if name in _VALIDATORS:
            try:
                _VALIDATORS[name](value)
            except DjangoValidationError as exc:
                errors[name] = list(exc.messages)
                continue
        cleaned[name] = value
    if errors:
        raise ValidationFailed(fields=errors)
    return cleaned


def _check_required(listing: Listing, names: Sequence[str], message: "StrOrPromise") -> None:
    missing = {name: [message] for name in names if getattr(listing, name) in (None, "")}
    if missing:
        raise ValidationFailed(fields=missing)


def _vin_holder(vin: str, *, exclude_pk: int | None = None) -> Listing | None:
    """The listing that holds `vin` (in the pipeline, or sold and not yet paid for), if any."""
    holders = Listing.objects.filter(Listing.holding_vin(), vin=vin)
    if exclude_pk is not None:
        holders = holders.exclude(pk=exclude_pk)
    return holders.order_by("submitted_at", "id").first()


def _vin_taken(holder: Listing, *, viewer) -> VinOnGavel:
    """The refusal, worded for who asks: the holder's own seller, staff, or anyone else (who may be the owner of a
    car somebody else listed: they are told how to prove it, never who listed it)."""
    since = timezone.localtime(holder.submitted_at or holder.created_at)
    date = date_format(since, "DATE_FORMAT")
    if getattr(viewer, "is_authenticated", False) and viewer.is_staff_member:
        text = _("This car already has an open listing on Gavel: listing %(listing)s (%(status)s), submitted on "
                 "%(date)s.") % {"listing": holder.pk, "status": _status_in_sentence(holder), "date": date}
    elif getattr(viewer, "pk", None) == holder.seller_id:
        text = _("This car already has an open listing on Gavel — your own, submitted on %(date)s: follow it in My "
                 "cars.") % {"date": date}
    else:
        text = _("This car already has an open listing on Gavel (submitted on %(date)s). If it is your car and you "
                 "did not list it, contact us at %(email)s with its registration document.") % {
            "date": date, "email": settings.GAVEL_SUPPORT_EMAIL}
    return VinOnGavel(text, fields={"vin": [text]})


def _status_in_sentence(listing: Listing) -> str:
    """The listing's status inside a sentence: lower case in English ("not sold"), as written in other languages
    (German nouns keep their capital)."""
    status = str(listing.get_status_display())
    return status.lower() if (translation.get_language() or "en").startswith("en") else status


def _too_many_photos(max_photos: int) -> str:
    return _("A listing can have at most %(count)s photos.") % {"count": max_photos}


def _check_vin_free(vin: str, *, exclude_pk: int | None = None, viewer=None) -> None:
    holder = _vin_holder(vin, exclude_pk=exclude_pk)
    if holder is not None:
        raise _vin_taken(holder, viewer=viewer)


def _transition_guarding_vin(listing: Listing, to: str, *, viewer, **kwargs) -> TransitionResult:
    """A status change into the pipeline. Two submissions of one VIN that both passed the check race to the partial
    unique index: the later one waits for the first to commit, then fails here and gets the same refusal."""
    try:
        with transaction.atomic():
            return transition(listing, to, **kwargs)
    except IntegrityError as exc:
        if VIN_CONSTRAINT not in str(exc):
            raise
        holder = _vin_holder(listing.vin, exclude_pk=listing.pk)
        if holder is None:  # the other one has already left the pipeline again: let the caller try again
            raise VinOnGavel(fields={"vin": [_("This car was being listed at the same moment; please try again.")]})
        raise _vin_taken(holder, viewer=viewer) from None


def _ensure_owner(listing: Listing, actor: User) -> None:
    if actor is None or listing.seller_id != actor.pk:
        raise PermissionRefused(_("Only the seller of this car may do that."))


def _lock(listing: Listing) -> Listing:
    """Re-read the listing under a row lock: photo changes and edits serialise on it."""
    return Listing.objects.select_for_update().get(pk=listing.pk)


def _ensure_draft(listing: Listing) -> None:
    if listing.status != Listing.Status.DRAFT:
        raise ListingNotEditable()


def listing_create(*, seller: User, vin: str, registration_plate: str, make: str, model: str,
                   first_registration_year: int, **details) -> Listing:
    """A new draft. `details` are any other editable fields (see Listing.EDITABLE_FIELDS)."""
    if not getattr(seller, "is_authenticated", False) or seller.role != User.Role.SELLER:
        raise PermissionRefused(_("Only seller accounts can list a car."), code="not_a_seller")
    values = {"vin": vin, "registration_plate": registration_plate, "make": make, "model": model,
              "first_registration_year": first_registration_year, **details}
    missing = {name: [REQUIRED] for name in _REQUIRED_ON_CREATE if str(values.get(name) or "").strip() == ""}
    if missing:
        raise ValidationFailed(fields=missing)
    cleaned = _clean(values)
    missing = {name: [REQUIRED] for name in _REQUIRED_ON_CREATE if cleaned.get(name) in (None, "")}
    if missing:
        raise ValidationFailed(fields=missing)
    # A draft holds no VIN, so this is only a courtesy: say now, not after the whole wizard, that the car is
    # already on Gavel. Submission is where it is enforced (and the database backs it).
    _check_vin_free(cleaned["vin"], viewer=seller)
    listing = Listing(seller=seller, status=Listing.Status.DRAFT, **cleaned)
    with transaction.atomic():
        listing.save()
        audit_record(obj=listing, action=AuditLog.Action.CREATE, actor=seller)
    return listing


def listing_update(*, listing: Listing, actor: User, **changes) -> Listing:
    """Change a draft's fields. Only the seller, only while draft (else ListingNotEditable, 409)."""
    _ensure_owner(listing, actor)
    cleaned = _clean(changes)
    required_now = [name for name in _REQUIRED_ON_CREATE if name in cleaned and cleaned[name] in (None, "")]
    if required_now:
        raise ValidationFailed(fields={name: [REQUIRED] for name in required_now})
    with transaction.atomic():
        locked = _lock(listing)
        _ensure_draft(locked)
        changed = [name for name, value in cleaned.items() if getattr(locked, name) != value]
        if changed:
            if "vin" in changed:
                _check_vin_free(cleaned["vin"], exclude_pk=locked.pk, viewer=actor)
            for name in changed:
                setattr(locked, name, cleaned[name])
            locked.save(update_fields=[*changed, "updated_at"])
            # Field names only: amounts (the reserve) stay out of the audit trail.
            audit_record(obj=locked, action=AuditLog.Action.UPDATE, actor=actor, data={"fields": sorted(changed)})
    listing.refresh_from_db()
    return listing


def listing_submit(*, listing: Listing, actor: User) -> TransitionResult:
    """A complete draft becomes submitted. The inspection request that goes with it is the inspections app's:
    callers use `inspections.services.listing_submit_for_inspection`, which does both in one transaction."""
    _ensure_owner(listing, actor)
    email_verified_ensure(user=actor, doing="submit a car")
    with transaction.atomic():
        locked = _lock(listing)
        if locked.status == Listing.Status.DRAFT:
            _check_required(locked, Listing.REQUIRED_TO_SUBMIT, REQUIRED_TO_SUBMIT)
            if not locked.photos.exists():
                no_photo = _("Add at least one photo before you submit.")
                raise ValidationFailed(no_photo, fields={"photos": [no_photo]})
            # Rules may have tightened since the draft was saved (e.g. the reserve ceiling).
            _clean({name: getattr(locked, name) for name in Listing.EDITABLE_FIELDS})
            # One car, one listing in the pipeline: here is where it counts.
            _check_vin_free(locked.vin, exclude_pk=locked.pk, viewer=actor)
        now = timezone.now()
        result = _transition_guarding_vin(locked, Listing.Status.SUBMITTED, viewer=actor, actor=actor,
                                          updates={"submitted_at": now, "status_changed_at": now})
    listing.refresh_from_db()
    return result


def listing_withdraw(*, listing: Listing, actor: User, reason: str = "") -> TransitionResult:
    """The seller takes the car off Gavel; allowed until its auction is live. (With its open inspection:
    `inspections.services.listing_withdraw_and_cancel_inspection`.)"""
    _ensure_owner(listing, actor)
    return transition(listing, Listing.Status.WITHDRAWN, actor=actor, reason=(reason or "").strip(),
                      updates={"status_changed_at": timezone.now()})


def listing_reject(*, listing: Listing, actor: User, reason: str) -> TransitionResult:
    """Staff moderation. The reason is stored on the listing and shown to the seller. (With its open inspection:
    `inspections.services.listing_reject_and_cancel_inspection`.)"""
    staff_ensure(actor, _("Only Gavel staff may reject a listing."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("Say why the listing is rejected; the seller will see it.")]})
    return transition(listing, Listing.Status.REJECTED, actor=actor, reason=reason,
                      updates={"rejection_reason": reason, "status_changed_at": timezone.now()})


def listing_relist(*, listing: Listing, actor: User, reason: str = "",
                   seller_reserve_minor: int | None = None) -> TransitionResult:
    """Staff put a car that did not sell back on the list of cars ready for auction (unsold → approved), with its
    published report. Refused while another listing of the same VIN is in the pipeline.

    Its next auction takes the reserve from the seller's listing, as every auction does; staff cannot set or lower
    it. Only a reserve the seller asked for themselves (`seller_reserve_minor`, from their relist request) replaces
    it, recorded in the audit log."""
    staff_ensure(actor, _("Only Gavel staff may relist a car."))
    with transaction.atomic():
        locked = _lock(listing)
        if locked.status != Listing.Status.UNSOLD:
            raise ApplicationError(_("Only a car that did not sell can be relisted; this one is %(status)s.")
                                   % {"status": _status_in_sentence(locked)}, code="not_relistable")
        _check_vin_free(locked.vin, exclude_pk=locked.pk, viewer=actor)
        if seller_reserve_minor is not None and seller_reserve_minor != locked.reserve_minor:
            audit_record(obj=locked, action=AuditLog.Action.UPDATE, actor=actor, field="reserve_minor",
                         from_state=str(locked.reserve_minor), to_state=str(seller_reserve_minor),
                         reason="The seller's new reserve for relisting")
            Listing.objects.filter(pk=locked.pk).update(reserve_minor=seller_reserve_minor)
            locked.reserve_minor = seller_reserve_minor
        result = _transition_guarding_vin(locked, Listing.Status.APPROVED, viewer=actor, actor=actor,
                                          reason=(reason or "").strip() or "Relisted",
                                          updates={"status_changed_at": timezone.now()})
        car = locked.display_title
        # Ad hoc (no event key): a staff action, never retried by a task; a car may be relisted more than once.
        notify(user=locked.seller, kind="listing_relisted", url=reverse("marketplace:detail", args=[locked.pk]),
               title=translatable("Your {car} is back on the list for auction", car=car),
               body=translatable("We will schedule its auction and tell you the date. Your reserve and the inspection "
                                 "report stay as they are."))
    listing.refresh_from_db()
    return result


def listing_sale_paid(*, listing: Listing, actor=None) -> bool:
    """Settlement says the buyer's money arrived: the car is sold for good and its listing frees the VIN.
    Idempotent; True when it changed something."""
    with transaction.atomic():
        changed = Listing.objects.filter(pk=listing.pk, status=Listing.Status.SOLD, sale_paid=False).update(
            sale_paid=True, updated_at=timezone.now())
        if changed:
            audit_record(obj=listing, action=AuditLog.Action.UPDATE, actor=actor, data={"sale_paid": True},
                         reason="The buyer's payment arrived: the VIN is free again.")
    listing.sale_paid = listing.sale_paid or bool(changed)
    return bool(changed)


def listing_sale_fell_through(*, listing: Listing, reason: str, actor=None) -> TransitionResult:
    """Settlement says the sale fell through (nobody paid, no other bidder took the car): the car is the seller's
    again, not sold, and can be relisted."""
    with transaction.atomic():
        locked = _lock(listing)
        if locked.sale_paid:
            raise ApplicationError(_("A car whose buyer paid cannot fall back to not sold."), code="sale_paid")
        result = transition(locked, Listing.Status.UNSOLD, actor=actor, reason=reason,
                            updates={"status_changed_at": timezone.now()})
    listing.refresh_from_db()
    return result


def listing_paid_sale_cancelled(*, listing: Listing, reason: str, actor=None) -> TransitionResult:
    """Settlement cancelled a sale after the buyer paid (the collection check found another car or another
    odometer, or the seller refused a price adjustment): the car is the seller's again, not sold, and they choose
    whether to relist it. One update: the car leaves "sold" and stops being paid for together."""
    with transaction.atomic():
        locked = _lock(listing)
        if locked.status != Listing.Status.SOLD:
            return TransitionResult(False, locked.status, locked.status)
        result = transition(locked, Listing.Status.UNSOLD, actor=actor, reason=reason,
                            updates={"status_changed_at": timezone.now(), "sale_paid": False})
    listing.refresh_from_db()
    return result


# Photos ---------------------------------------------------------------------------------------


def listing_photos_add(*, listing: Listing, actor: User, uploads: Sequence) -> list[ListingPhoto]:
    """Add photos (all or none). Each upload is validated and re-encoded; on any refusal no file and no
    row is left behind. The first photo of a listing becomes its cover."""
    _ensure_owner(listing, actor)
    if not uploads:
        raise ValidationFailed(fields={"photo": [_("Choose at least one photo to upload.")]})
    max_photos = settings.GAVEL_LISTING_MAX_PHOTOS
    _ensure_draft(listing)
    if listing.photos.count() + len(uploads) > max_photos:
        raise ValidationFailed(fields={"photo": [_too_many_photos(max_photos)]})

    stored: list[tuple[images.ProcessedPhoto, dict[str, str], str]] = []
    try:
        for upload in uploads:
            name = getattr(upload, "name", "") or ""
            # Pillow work happens outside the database transaction: it is slow and needs no lock.
            processed = images.photo_process(upload, name=name if len(uploads) > 1 else "")
            stored.append((processed, images.photo_store(processed, listing_id=listing.pk), name))
        with transaction.atomic():
            locked = _lock(listing)
            _ensure_draft(locked)
            existing = list(locked.photos.order_by("-position").values_list("position", "is_cover"))
            if len(existing) + len(stored) > max_photos:
                raise ValidationFailed(fields={"photo": [_too_many_photos(max_photos)]})
            next_position = existing[0][0] + 1 if existing else 0
            needs_cover = not any(is_cover for _position, is_cover in existing)
            created = []
            for offset, (processed, names, original_name) in enumerate(stored):
                created.append(ListingPhoto.objects.create(
                    listing=locked, position=next_position + offset, is_cover=needs_cover and offset == 0,
                    original=names["original"], thumb=names["thumb"], medium=names["medium"],
                    large=names["large"], width=processed.width, height=processed.height,
                    content_type=processed.content_type, size_bytes=processed.size_bytes,
                    original_filename=original_name[:255],
                ))
            audit_record(obj=locked, action=AuditLog.Action.UPDATE, actor=actor,
                         data={"photos_added": [photo.pk for photo in created]})
    except BaseException:
        for _processed, names, _name in stored:
            images.photo_files_delete(names.values())
        raise
    return created


def listing_photo_add(*, listing: Listing, actor: User, upload) -> ListingPhoto:
    return listing_photos_add(listing=listing, actor=actor, uploads=[upload])[0]


def _photo_of(locked: Listing, photo_id: int) -> ListingPhoto:
    photo = locked.photos.filter(pk=photo_id).first()
    if photo is None:
        raise ValidationFailed(fields={"photo": [_("This photo does not belong to the listing.")]})
    return photo


def listing_photo_delete(*, listing: Listing, actor: User, photo_id: int) -> None:
    """Remove a photo; its files go once the transaction commits. The next photo becomes cover."""
    _ensure_owner(listing, actor)
    with transaction.atomic():
        locked = _lock(listing)
        _ensure_draft(locked)
        photo = _photo_of(locked, photo_id)
        names = photo.file_names
        was_cover = photo.is_cover
        photo.delete()
        remaining = list(locked.photos.order_by("position", "id"))
        for index, other in enumerate(remaining):
            if other.position != index:
                ListingPhoto.objects.filter(pk=other.pk).update(position=index)
        if was_cover and remaining:
            ListingPhoto.objects.filter(pk=remaining[0].pk).update(is_cover=True)
        audit_record(obj=locked, action=AuditLog.Action.UPDATE, actor=actor, data={"photo_deleted": photo_id})
        transaction.on_commit(lambda: images.photo_files_delete(names))


def listing_photos_reorder(*, listing: Listing, actor: User, photo_ids: Sequence[int]) -> list[ListingPhoto]:
    """Put the photos in the given order; `photo_ids` must name every photo of the listing exactly once."""
    _ensure_owner(listing, actor)
    with transaction.atomic():
        locked = _lock(listing)
        _ensure_draft(locked)
        current = {photo.pk: photo for photo in locked.photos.all()}
        ids = list(photo_ids)
        if len(ids) != len(set(ids)) or set(ids) != set(current):
            raise ValidationFailed(fields={"photo_ids": [_("List every photo of this listing exactly once.")]})
        for position, photo_id in enumerate(ids):
            if current[photo_id].position != position:
                ListingPhoto.objects.filter(pk=photo_id).update(position=position)
        audit_record(obj=locked, action=AuditLog.Action.UPDATE, actor=actor, data={"photo_order": ids})
        return list(locked.photos.order_by("position", "id"))


def listing_photo_move(*, listing: Listing, actor: User, photo_id: int, offset: int) -> list[ListingPhoto]:
    """Move one photo `offset` places (-1 earlier, +1 later); the up/down buttons of the photo page."""
    ids = list(listing.photos.order_by("position", "id").values_list("pk", flat=True))
    if photo_id not in ids:
        raise ValidationFailed(fields={"photo": [_("This photo does not belong to the listing.")]})
    index = ids.index(photo_id)
    target = max(0, min(len(ids) - 1, index + offset))
    ids.insert(target, ids.pop(index))
    return listing_photos_reorder(listing=listing, actor=actor, photo_ids=ids)


def listing_photo_set_cover(*, listing: Listing, actor: User, photo_id: int) -> ListingPhoto:
    _ensure_owner(listing, actor)
    with transaction.atomic():
        locked = _lock(listing)
        _ensure_draft(locked)
        photo = _photo_of(locked, photo_id)
        if not photo.is_cover:
            # Clear first: the one-cover-per-listing constraint is checked per statement.
            locked.photos.filter(is_cover=True).update(is_cover=False)
            ListingPhoto.objects.filter(pk=photo.pk).update(is_cover=True)
            photo.is_cover = True
            audit_record(obj=locked, action=AuditLog.Action.UPDATE, actor=actor, data={"cover": photo.pk})
        return photo


LISTING_IN_PROGRESS = (Listing.Status.SUBMITTED, Listing.Status.INSPECTION_SCHEDULED, Listing.Status.INSPECTED,
                       Listing.Status.APPROVED, Listing.Status.IN_AUCTION)


def account_closure_obstacles(*, user: User) -> list[str]:
    """A car on its way to auction (or in one): withdraw it before closing the account."""
    count = Listing.objects.filter(seller=user, status__in=LISTING_IN_PROGRESS).count()
    if count:
        return [ngettext("%(count)s of your cars is submitted, being inspected, approved or in an auction: withdraw "
                         "them first.",
                         "%(count)s of your cars are submitted, being inspected, approved or in an auction: withdraw "
                         "them first.", count) % {"count": count}]
    return []


def personal_data_erase(*, user: User) -> dict:
    """At an account's closure (privacy.services.account_close): draft cars go, with their photos (the files after
    commit). Cars past the draft stay, as the inspection reports, auctions and sales refer to them; their number
    plate and postcode go after the retention period (`retention_closed_accounts_erase`)."""
    drafts = Listing.objects.select_for_update().filter(seller=user, status=Listing.Status.DRAFT)
    photos = list(ListingPhoto.objects.filter(listing__in=drafts))
    documents = list(ListingDocument.objects.filter(listing__in=drafts))
    names = [name for photo in photos for name in photo.file_names] + [d.file.name for d in documents if d.file]
    ListingPhoto.objects.filter(pk__in=[photo.pk for photo in photos]).delete()
    ListingDocument.objects.filter(pk__in=[document.pk for document in documents]).delete()
    deleted = Listing.objects.filter(pk__in=[listing.pk for listing in drafts]).delete()[0]
    if names:
        transaction.on_commit(lambda: images.photo_files_delete(names))
    return {"draft_listings": deleted, "draft_photos": len(photos), "draft_documents": len(documents)}


def retention_closed_accounts_erase(*, user_ids) -> int:
    """Closed accounts past GAVEL_RETENTION_CLOSED_ACCOUNT_DAYS: their cars' number plates and postcodes. How many
    cars."""
    return Listing.objects.filter(seller_id__in=list(user_ids)).exclude(registration_plate="", postcode="").update(
        registration_plate="", postcode="")


def listing_document_upload(*, listing: Listing, actor: User, upload) -> ListingDocument:
    """The car's registration certificate (PDF, JPEG or PNG; core.documents), waiting for staff's review. Until the
    car goes to auction (a withdrawable listing), so staff check it before dealers bid."""
    if actor.pk != listing.seller_id:
        raise PermissionRefused(_("Only the seller uploads the car's documents."))
    if listing.status not in Listing.WITHDRAWABLE_STATUSES:
        raise ValidationFailed(fields={"document": [_("Documents are added before the car goes to auction.")]})
    document = document_create(model=ListingDocument, upload=upload, folder=f"uploads/registrations/{listing.pk}",
                               actor=actor, listing=listing, kind=ListingDocument.Kind.REGISTRATION_CERTIFICATE)
    return cast(ListingDocument, document)


def listing_document_review(*, document: ListingDocument, actor: User, accept: bool,
                            reason: str = "") -> TransitionResult:
    staff_ensure(actor, _("Only Gavel staff review documents."))
    return document_review(document=document, actor=actor, accept=accept, reason=reason)
