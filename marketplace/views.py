"""Sellers' pages under /sell/. Thin: forms in, services called, redirects out."""

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django.views.generic import FormView, TemplateView
from django.views.generic.base import ContextMixin

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from auctions import services as auction_services
from auctions.models import RelistRequest
from core.api import form_errors_from
from core.exceptions import ApplicationError, ValidationFailed
from core.money import Money
from core.throttling import upload_throttle_message, upload_throttle_wait
from insights.selectors import guidance_for_listing
from inspections import services as inspection_services
from marketplace import selectors, services
from marketplace.forms import STEPS, ListingIdentityForm, ListingPricesForm, PhotoUploadForm, RelistForm, initial_for
from marketplace.models import Listing
from marketplace.vin_decode import country_name, vin_decode
from payments.selectors import buy_now_offer_for_seller, seller_car_list, seller_car_status
from payments.timeline import seller_car_timeline

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class SellerRequiredMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.role != User.Role.SELLER:
            raise PermissionDenied(_("Only seller accounts can list cars."))
        return super().dispatch(request, *args, **kwargs)


class ListingMixin(LoginRequiredMixin, ContextMixin):
    """Loads the listing from the URL: the owner's (staff may look); anyone else gets 404."""

    owner_only = True
    listing: Listing

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        listing = selectors.listing_get_visible_to(user=request.user, listing_id=kwargs["listing_id"])
        if listing is None or (self.owner_only and listing.seller_id != request.user.pk):
            raise Http404(_("No such listing."))
        self.listing = listing
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["listing"] = self.listing
        return context


def _wizard_context(current: int, listing: Listing | None) -> dict:
    steps = [{"number": number, "title": title} for number, (title, _form) in STEPS.items()]
    steps.append({"number": 4, "title": _("Photos")})
    return {"steps": steps, "current_step": current, "listing": listing}


class ListingListView(SellerRequiredMixin, TemplateView):
    template_name = "marketplace/listing_list.html"
    request: AuthenticatedHttpRequest

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["listings"] = seller_car_list(seller=self.request.user)
        return context


class ListingCreateView(SellerRequiredMixin, FormView):
    template_name = "marketplace/listing_form.html"
    form_class = ListingIdentityForm
    request: AuthenticatedHttpRequest

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **_wizard_context(1, None), "step_title": STEPS[1][0]}

    def form_valid(self, form):
        try:
            listing = services.listing_create(seller=self.request.user, **form.cleaned_data)
        except ValidationFailed as exc:
            form_errors_from(exc, form)
            return self.form_invalid(form)
        messages.success(self.request, _("Draft saved. You can come back to it any time from My cars."))
        return redirect("marketplace:edit", listing_id=listing.pk, step=2)


class ListingEditView(ListingMixin, FormView):
    template_name = "marketplace/listing_form.html"
    request: AuthenticatedHttpRequest

    def dispatch(self, request, *args, **kwargs):
        if kwargs["step"] not in STEPS:
            raise Http404(_("No such step."))
        self.step = kwargs["step"]
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        if not self.listing.is_editable:
            messages.info(request, _("This listing has been submitted, so it can no longer be changed."))
            return redirect("marketplace:detail", listing_id=self.listing.pk)
        return super().get(request, *args, **kwargs)

    def get_form_class(self):
        return STEPS[self.step][1]

    def get_initial(self):
        return initial_for(self.listing, self.get_form_class())

    def get_context_data(self, **kwargs):
        context = {**super().get_context_data(**kwargs), **_wizard_context(self.step, self.listing),
                   "step_title": STEPS[self.step][0]}
        if self.get_form_class() is ListingPricesForm:  # the reserve step: what cars like this sold for
            context["guidance"] = guidance_for_listing(self.listing)
        return context

    def form_valid(self, form):
        try:
            services.listing_update(listing=self.listing, actor=self.request.user, **form.cleaned_data)
        except services.ListingNotEditable as exc:
            messages.error(self.request, exc.message)
            return redirect("marketplace:detail", listing_id=self.listing.pk)
        except ValidationFailed as exc:
            form_errors_from(exc, form)
            return self.form_invalid(form)
        if "save_exit" in self.request.POST:
            messages.success(self.request, _("Draft saved."))
            return redirect("marketplace:detail", listing_id=self.listing.pk)
        if self.step < max(STEPS):
            return redirect("marketplace:edit", listing_id=self.listing.pk, step=self.step + 1)
        return redirect("marketplace:photos", listing_id=self.listing.pk)


class ListingPhotosView(ListingMixin, TemplateView):
    """GET the photo page; POST uploads. htmx requests get the photo manager fragment back."""

    template_name = "marketplace/listing_photos.html"
    fragment_template = "marketplace/_photo_manager.html"
    request: AuthenticatedHttpRequest

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("upload_form", PhotoUploadForm())
        context["photos"] = list(self.listing.photos.all())
        context["max_photos"] = settings.GAVEL_LISTING_MAX_PHOTOS
        context.update(_wizard_context(4, self.listing))
        return context

    def get(self, request, *args, **kwargs):
        if not self.listing.is_editable:
            messages.info(request, _("Photos can be changed only while the listing is a draft."))
            return redirect("marketplace:detail", listing_id=self.listing.pk)
        return super().get(request, *args, **kwargs)

    def get_template_names(self):
        return [self.fragment_template if self.request.htmx else self.template_name]

    def render(self, **context):
        return self.render_to_response(self.get_context_data(**context))

    def post(self, request, *args, **kwargs):
        wait = upload_throttle_wait(request)
        if wait is not None:
            response = self.render(error=upload_throttle_message(wait))
            # htmx swaps only 2xx answers into the page; a plain form post gets the real status.
            response.status_code = 200 if request.htmx else 429
            response["Retry-After"] = str(wait)
            return response
        form = PhotoUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                added = services.listing_photos_add(listing=self.listing, actor=request.user,
                                                    uploads=form.cleaned_data["photos"])
            except ApplicationError as exc:
                form_errors_from(ValidationFailed(exc.message, fields={"photos": exc.fields.get("photo", [])}),
                                 form)
            else:
                text = ngettext("%(count)s photo added.", "%(count)s photos added.", len(added)) % {"count": len(added)}
                if not request.htmx:
                    messages.success(request, text)
                    return redirect("marketplace:photos", listing_id=self.listing.pk)
                listing = selectors.listing_get_visible_to(user=request.user, listing_id=self.listing.pk)
                assert listing is not None  # the same user saw it a moment ago
                self.listing = listing
                return self.render(upload_form=PhotoUploadForm(), notice=text)
        return self.render(upload_form=form)


class ListingPhotoActionView(ListingMixin, View):
    """POST-only: move a photo up/down, make it the cover, or delete it."""

    def post(self, request, listing_id, photo_id, action):
        photo = selectors.listing_photo_get(listing=self.listing, photo_id=photo_id)
        if photo is None:
            raise Http404(_("No such photo."))
        args = {"listing": self.listing, "actor": request.user, "photo_id": photo.pk}
        error = None
        try:
            if action == "up":
                services.listing_photo_move(**args, offset=-1)
            elif action == "down":
                services.listing_photo_move(**args, offset=1)
            elif action == "cover":
                services.listing_photo_set_cover(**args)
            elif action == "delete":
                services.listing_photo_delete(**args)
            else:
                raise Http404(_("No such action."))
        except ApplicationError as exc:
            error = exc.message
        if request.htmx:
            view = ListingPhotosView()
            view.setup(request, **self.kwargs)
            listing = selectors.listing_get_visible_to(user=request.user, listing_id=listing_id)
            assert listing is not None  # the same user saw it a moment ago
            view.listing = listing
            return view.render(error=error)
        if error:
            messages.error(request, error)
        return redirect(reverse("marketplace:photos", kwargs={"listing_id": listing_id}) + f"#photo-{photo.pk}")


class ListingDetailView(ListingMixin, TemplateView):
    template_name = "marketplace/listing_detail.html"
    owner_only = False  # staff may look too

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        photos = list(self.listing.photos.all())
        is_owner = self.listing.seller_id == self.request.user.pk
        buy_now = buy_now_offer_for_seller(listing=self.listing)
        relist = RelistRequest.objects.filter(listing=self.listing).first()
        relist_report_fresh = (self.listing.status == Listing.Status.UNSOLD
                               and auction_services.relist_report_fresh(listing=self.listing) is not None)
        # The seller choosing a new reserve sees what cars like theirs sold for, next to the form.
        relist_form_shown = (is_owner and relist_report_fresh and buy_now is None
                             and not (relist and relist.status == RelistRequest.Status.PENDING))
        context.update(
            photos=photos,
            cover=selectors.listing_cover(listing=self.listing),
            seller_status=seller_car_status(listing=self.listing),
            timeline=seller_car_timeline(listing=self.listing),
            buy_now=buy_now, buy_now_hours=settings.GAVEL_BUY_NOW_HOURS,
            relist=relist,
            relist_form=RelistForm(initial={"reserve": Money.of(self.listing.reserve_minor).major
                                            if self.listing.reserve_minor else None}),
            relist_report_fresh=relist_report_fresh,
            relist_guidance=guidance_for_listing(self.listing) if relist_form_shown else None,
            relist_days=settings.GAVEL_RELIST_REPORT_MAX_AGE_DAYS,
            missing=selectors.listing_missing_for_submit(listing=self.listing) if self.listing.is_editable else [],
            history=selectors.listing_status_history(listing=self.listing),
            is_owner=is_owner,
            documents=list(self.listing.documents.all()),
            documents_open=is_owner and self.listing.status in Listing.WITHDRAWABLE_STATUSES,
            document_max_mb=settings.GAVEL_DOCUMENT_MAX_BYTES // (1024 * 1024),
        )
        return context


class _ListingCommandView(ListingMixin, View):
    success_message: "StrOrPromise" = ""

    def run(self, request):
        raise NotImplementedError

    def post(self, request, listing_id):
        try:
            self.run(request)
        except ValidationFailed as exc:
            details = [message for messages_ in exc.fields.values() for message in messages_]
            missing = selectors.listing_missing_for_submit(listing=self.listing)
            text = (_("Almost there: add %(missing)s.") % {"missing": ", ".join(missing)} if missing
                    else " ".join(details) or exc.message)
            messages.error(request, text)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, self.success_message)
        return redirect("marketplace:detail", listing_id=listing_id)


class ListingSubmitView(_ListingCommandView):
    success_message = gettext_lazy("Submitted. We will match your car with an inspector and let you know the "
                                   "appointment.")

    def run(self, request):
        inspection_services.listing_submit_for_inspection(listing=self.listing, actor=request.user)


class ListingWithdrawView(_ListingCommandView):
    success_message = gettext_lazy("Your listing is withdrawn. Nothing more happens with it.")

    def run(self, request):
        inspection_services.listing_withdraw_and_cancel_inspection(listing=self.listing, actor=request.user,
                                                                  reason=request.POST.get("reason", ""))


class ListingRelistView(ListingMixin, View):
    """The seller asks for their unsold car to be auctioned again (staff approve)."""

    def post(self, request, listing_id):
        form = RelistForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))
            return redirect("marketplace:detail", listing_id=listing_id)
        try:
            auction_services.relist_request(listing=self.listing, seller=request.user, **form.amounts_minor())
        except ValidationFailed as exc:
            messages.error(request, " ".join(m for ms in exc.fields.values() for m in ms) or exc.message)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Thank you: our team checks your request and books the auction. The "
                                        "inspection report stays as it is."))
        return redirect("marketplace:detail", listing_id=listing_id)


class VinDecodeView(SellerRequiredMixin, View):
    """GET ?vin=…: what the VIN encodes (offline), for the wizard to pre-fill; the seller confirms or corrects."""

    def get(self, request):
        facts = vin_decode(request.GET.get("vin", "")[:40])
        return JsonResponse({"make": facts.make, "country": country_name(facts.country) if facts.country else "",
                             "model_year": facts.model_year})


class ListingDocumentUploadView(ListingMixin, View):
    """The seller uploads the car's registration certificate from the listing's page; staff review it in admin."""

    request: AuthenticatedHttpRequest

    def post(self, request, listing_id):
        try:
            services.listing_document_upload(listing=self.listing, actor=request.user,
                                             upload=request.FILES.get("document"))
        except ApplicationError as exc:
            for message in (exc.fields or {}).get("document", []) or [exc.message]:
                messages.error(request, message)
        else:
            messages.success(request, _("Registration certificate uploaded. Our team reviews it before the auction."))
        return redirect("marketplace:detail", listing_id=self.listing.pk)
