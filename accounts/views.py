import secrets
from datetime import datetime
from typing import TYPE_CHECKING

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import FormView, TemplateView
from django_otp import login as otp_login

from accounts import apikeys, organisations, security, services
from accounts.capabilities import MANAGE, REFUSALS, member_role
from accounts.forms import (
    ApiKeyForm,
    DealerSignupForm,
    InvitationAcceptForm,
    InvitationForm,
    PayoutAccountForm,
    ProfileForm,
    SignupForm,
    TwoFactorCodeForm,
    TwoFactorDisableForm,
)
from accounts.http import AuthenticatedHttpRequest
from accounts.models import ROLE_IN_A_SENTENCE, Membership, Organisation, User
from accounts.organisations import (
    dealer_acting_for,
    organisation_for,
    organisation_invitations_open,
    organisation_members,
)
from accounts.selectors import dealer_profile_get, staff_overview
from core.api import form_errors_from
from core.exceptions import ApplicationError, Throttled, ValidationFailed
from core.i18n import language_valid
from core.ratelimit import rate_limit_hit
from core.throttling import client_ip, signup_page_rate_limit
from payments.selectors import dealer_work_list, seller_car_list, seller_decisions_pending, staff_work_list

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class _SignupView(FormView):
    success_url = reverse_lazy("accounts:dashboard")
    welcome: "StrOrPromise"  # each sign-up page says its own

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect("accounts:dashboard")
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        try:
            signup_page_rate_limit(request)
        except Throttled as exc:
            response = render(request, "429.html", {"detail": exc.message}, status=429)
            response["Retry-After"] = str(exc.retry_after_seconds)
            return response
        return super().post(request, *args, **kwargs)

    def register(self, data):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            user = self.register(form.cleaned_data)
        except ValidationFailed as exc:
            form_errors_from(exc, form)
            return self.form_invalid(form)
        login(self.request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(self.request, self.welcome)
        return super().form_valid(form)


class SellerSignupView(_SignupView):
    template_name = "accounts/signup_seller.html"
    form_class = SignupForm
    welcome = gettext_lazy("Welcome to Gavel. Your seller account is ready.")

    def register(self, data):
        return services.seller_register(email=data["email"], password=data["password"],
                                        full_name=data["full_name"], phone=data.get("phone", ""),
                                        language=translation.get_language())


class DealerSignupView(_SignupView):
    template_name = "accounts/signup_dealer.html"
    form_class = DealerSignupForm
    welcome = gettext_lazy("Your dealer account is registered. Our team verifies your trade licence before you can "
                           "bid.")

    def register(self, data):
        return services.dealer_register(
            email=data["email"], password=data["password"], full_name=data["full_name"],
            company_name=data["company_name"], trade_licence_number=data["trade_licence_number"],
            address=data["address"], phone=data["phone"], language=translation.get_language(),
        )


class DashboardView(LoginRequiredMixin, TemplateView):
    request: AuthenticatedHttpRequest

    def get_template_names(self):
        return [f"accounts/dashboard_{self.request.user.role}.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # A member of a dealer organisation sees their organisation's: its status, limit and work.
        acting = dealer_acting_for(self.request.user)
        context["dealer_profile"] = dealer_profile_get(user=acting)
        context["organisation_role"] = member_role(self.request.user, context["dealer_profile"]) \
            if context["dealer_profile"] is not None else None
        role = context["organisation_role"]
        context["organisation_role_label"] = ROLE_IN_A_SENTENCE.get(role, role) if role else ""
        if self.request.user.role == User.Role.STAFF:
            context.update(staff_overview())
            context["staff_work"] = staff_work_list()
        if self.request.user.role == User.Role.DEALER:
            context["work"] = dealer_work_list(dealer=acting)
        if self.request.user.role == User.Role.SELLER:
            context["listings"] = seller_car_list(seller=self.request.user)
            context["seller_decisions"] = seller_decisions_pending(user=self.request.user)
        return context


class ProfileView(LoginRequiredMixin, FormView):
    template_name = "accounts/profile.html"
    request: AuthenticatedHttpRequest
    form_class = ProfileForm
    success_url = reverse_lazy("accounts:profile")

    def get_initial(self):
        user = self.request.user
        return {"full_name": user.full_name, "phone": user.phone}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["dealer_profile"] = profile = dealer_profile_get(user=self.request.user)
        context["dealer_documents"] = list(profile.documents.all()) if profile is not None else []
        context["document_max_mb"] = settings.GAVEL_DOCUMENT_MAX_BYTES // (1024 * 1024)
        context["payout_account_masked"] = security.iban_masked(self.request.user.payout_account)
        return context

    def form_valid(self, form):
        try:
            services.user_update_profile(user=self.request.user, full_name=form.cleaned_data["full_name"],
                                         phone=form.cleaned_data["phone"])
        except ValidationFailed as exc:
            form_errors_from(exc, form)
            return self.form_invalid(form)
        messages.success(self.request, _("Your profile is saved."))
        return super().form_valid(form)


class _OwnerMixin(LoginRequiredMixin):
    """The organisation pages: for the owners of a dealer organisation; anyone else is refused (403)."""

    org: Organisation

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        org = organisation_for(request.user)
        if org is None or member_role(request.user, org) != Membership.Role.OWNER:
            raise PermissionDenied(REFUSALS[MANAGE])
        self.org = org
        return super().dispatch(request, *args, **kwargs)


class OrganisationView(_OwnerMixin, TemplateView):
    template_name = "accounts/organisation.html"
    request: AuthenticatedHttpRequest

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("invite_form", InvitationForm())
        context.setdefault("key_form", ApiKeyForm())
        context.update(org=self.org, members=organisation_members(org=self.org),
                       invitations=organisation_invitations_open(org=self.org),
                       api_keys=apikeys.api_keys_of(org=self.org), roles=Membership.Role.choices)
        return context


class _OwnerFormView(_OwnerMixin, View):
    """A post from the organisation page: done (a message, back to the page) or the page again with errors."""

    request: AuthenticatedHttpRequest

    def page_again(self, status: int = 400, **forms_):
        view = OrganisationView(request=self.request, kwargs={})
        view.org = self.org
        return view.render_to_response(view.get_context_data(**forms_), status=status)


class OrganisationInviteView(_OwnerFormView):
    def post(self, request):
        form = InvitationForm(request.POST)
        if form.is_valid():
            try:
                invitation, _token = organisations.invitation_create(org=self.org, actor=request.user,
                                                                     **form.cleaned_data)
            except ValidationFailed as exc:
                form_errors_from(exc, form)
            else:
                messages.success(request, _("Invitation sent to %(email)s; it expires %(expires)s UTC.") % {
                    "email": invitation.email,
                    "expires": date_format(invitation.expires_at, pgettext("date and time format", "j M Y, H:i"))})
                return redirect("accounts:organisation")
        return self.page_again(invite_form=form)


class OrganisationMemberView(_OwnerFormView):
    def post(self, request, member_id: int):
        membership = organisation_members(org=self.org).select_related("organisation").filter(user_id=member_id).first()
        if membership is None:
            raise Http404()
        try:
            if request.POST.get("action") == "remove":
                organisations.member_remove(membership=membership, actor=request.user)
                messages.success(request, _("%(email)s is no longer a member; they are signed out.") % {
                    "email": membership.user.email})
            else:
                organisations.member_set_role(membership=membership, actor=request.user,
                                              role=request.POST.get("role", ""))
                messages.success(request, _("%(email)s is now %(role)s.") % {
                    "email": membership.user.email, "role": membership.role_in_sentence})
        except ApplicationError as exc:
            messages.error(request, " ".join([exc.message, *[m for ms in exc.fields.values() for m in ms]]))
        return redirect("accounts:organisation")


class OrganisationApiKeyCreateView(_OwnerFormView):
    def post(self, request):
        form = ApiKeyForm(request.POST)
        if form.is_valid():
            try:
                key, raw = apikeys.api_key_create(org=self.org, actor=request.user, **form.cleaned_data)
            except ValidationFailed as exc:
                form_errors_from(exc, form)
            else:
                # The key is shown on this answer only (not through a redirect: it must not sit in the session).
                return self.page_again(status=201, new_key=raw, new_key_name=key.name)
        return self.page_again(key_form=form)


class OrganisationApiKeyRevokeView(_OwnerFormView):
    def post(self, request, key_id: int):
        key = apikeys.api_keys_of(org=self.org).filter(pk=key_id).first()
        if key is None:
            raise Http404()
        apikeys.api_key_revoke(key=key, actor=request.user)
        messages.success(request, _("The key “%(name)s” is revoked.") % {"name": key.name})
        return redirect("accounts:organisation")


class InvitationAcceptView(FormView):
    """The emailed link: join the organisation, signed in as the invited address or with a new account."""

    template_name = "accounts/invitation_accept.html"
    form_class = InvitationAcceptForm

    def dispatch(self, request, *args, **kwargs):
        try:
            self.invitation = organisations.invitation_get(token=kwargs["token"])
        except ApplicationError as exc:
            return render(request, "accounts/invitation_accept.html", {"refusal": exc.message}, status=400)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(invitation=self.invitation,
                       signed_in_as_invited=user.is_authenticated and user.email.lower() == self.invitation.email,
                       email_taken=User.objects.filter(email__iexact=self.invitation.email).exists())
        return context

    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            try:
                organisations.invitation_accept(token=kwargs["token"], user=request.user)
            except ApplicationError as exc:
                return render(request, "accounts/invitation_accept.html", {"refusal": exc.message}, status=400)
            messages.success(request, _("You joined %(company)s.") % {
                "company": self.invitation.organisation.company_name})
            return redirect("accounts:dashboard")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            member = organisations.invitation_accept(token=self.kwargs["token"], **form.cleaned_data)
        except ValidationFailed as exc:
            form_errors_from(exc, form)
            return self.form_invalid(form)
        except ApplicationError as exc:
            return render(self.request, "accounts/invitation_accept.html", {"refusal": exc.message}, status=400)
        login(self.request, member, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(self.request, _("Welcome to %(company)s on Gavel.") % {
            "company": self.invitation.organisation.company_name})
        return redirect("accounts:dashboard")


class SignInView(auth_views.LoginView):
    """Django's sign-in page; a successful sign-in is remembered with its address and device (shill rules). The
    device is a random cookie the browser keeps for two years. A user with a second factor is signed in only after
    the code step (TwoFactorVerifyView, below)."""

    def form_valid(self, form):
        user = form.get_user()
        if user.two_factor_enabled:
            return pending_login_start(self.request, user=user, backend=user.backend,
                                       next_url=self.get_success_url())
        response = super().form_valid(form)
        signed_in(self.request, response, user)
        return response


class DealerDocumentUploadView(LoginRequiredMixin, View):
    """The dealer uploads their trade licence from their profile page; staff review it before verifying them."""

    request: AuthenticatedHttpRequest

    def post(self, request):
        profile = dealer_profile_get(user=request.user)
        if profile is None:
            raise Http404(_("Only dealers upload a trade licence."))
        try:
            services.dealer_document_upload(profile=profile, actor=request.user, upload=request.FILES.get("document"))
        except ApplicationError as exc:
            for message in (exc.fields or {}).get("document", []) or [exc.message]:
                messages.error(request, message)
        else:
            messages.success(request, _("Trade licence uploaded. Our team reviews it as part of your verification."))
        return redirect("accounts:profile")


# --- account security (accounts.security): the emailed verification link and its resend, the sign-in's code step,
# two-factor set-up (QR code, secret, recovery codes shown once) and turning it off, the payout account.

DEVICE_COOKIE = "gavel_device"
# The password step, passed, waiting for the code (the user is not signed in until the code is right).
PENDING_SESSION_KEY = "gavel_2fa_pending"


def safe_next(request, candidate: str | None, default: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                                     require_https=request.is_secure()):
        return candidate
    return default


def signed_in(request, response, user: User) -> None:
    """Remember the sign-in's address and device (shill rules); the device is a random cookie kept two years."""
    device = request.COOKIES.get(DEVICE_COOKIE) or secrets.token_urlsafe(24)
    services.session_seen(user=user, ip=client_ip(request), device=device)
    response.set_cookie(DEVICE_COOKIE, device, max_age=2 * 365 * 24 * 3600, httponly=True, samesite="Lax",
                        secure=request.is_secure())


def pending_login_start(request, *, user: User, backend: str, next_url: str):
    """The password was right and the user has a second factor: ask for the code before signing them in."""
    request.session[PENDING_SESSION_KEY] = {"user": user.pk, "backend": backend, "next": next_url,
                                            "at": timezone.now().isoformat()}
    return redirect("accounts:two_factor_verify")


def _pending_user(request) -> tuple[User | None, dict]:
    pending = request.session.get(PENDING_SESSION_KEY)
    if not isinstance(pending, dict):
        return None, {}
    try:
        started = datetime.fromisoformat(pending["at"])
    except (KeyError, TypeError, ValueError):
        return None, {}
    if timezone.now() - started > settings.GAVEL_2FA_LOGIN_WINDOW:
        request.session.pop(PENDING_SESSION_KEY, None)
        return None, {}
    if not isinstance(pending.get("user"), int):
        return None, {}
    user = User.objects.filter(pk=pending["user"], is_active=True, two_factor_enabled=True).first()
    return user, pending


class TwoFactorVerifyView(View):
    """The sign-in's second step, and the code a signed-in session without one is sent to (accounts.middleware)."""

    template_name = "accounts/two_factor_verify.html"

    def _who(self, request) -> tuple[User | None, dict]:
        if request.user.is_authenticated:
            return (request.user if request.user.two_factor_enabled else None), {}
        return _pending_user(request)

    def get(self, request):
        user, _pending = self._who(request)
        if user is None:
            return redirect("accounts:dashboard" if request.user.is_authenticated else "accounts:login")
        return render(request, self.template_name, {"form": TwoFactorCodeForm()})

    def post(self, request):
        user, pending = self._who(request)
        if user is None:
            if request.user.is_authenticated:  # signed in, and no second factor to ask for
                return redirect("accounts:dashboard")
            messages.error(request, _("Sign in again: the code step timed out."))
            return redirect("accounts:login")
        form = TwoFactorCodeForm(request.POST)
        device = security.two_factor_check(user=user, code=form.data.get("code", "")) if form.is_valid() else None
        if device is None:
            if form.is_valid():
                form.add_error("code", _("That code is not right (or too many tries: wait a moment and try again)."))
            return render(request, self.template_name, {"form": form}, status=400)
        default = reverse(settings.LOGIN_REDIRECT_URL)
        if not request.user.is_authenticated:
            login(request, user, backend=pending["backend"])
            request.session.pop(PENDING_SESSION_KEY, None)
            next_url = safe_next(request, pending.get("next"), default)
        else:
            next_url = safe_next(request, request.GET.get("next"), default)
        otp_login(request, device)
        if device.name == security.RECOVERY_DEVICE_NAME:
            messages.warning(request, _("You used a recovery code; each works once. Make new ones on the two-factor "
                                        "page if you are running low."))
        response = redirect(next_url)
        signed_in(request, response, user)
        return response


class TwoFactorSetupView(LoginRequiredMixin, View):
    """Set up (or see) two-factor: a QR code and the secret for the app, confirmed with a code; the recovery codes
    are shown once, on the answer to the confirmation."""

    request: AuthenticatedHttpRequest
    template_name = "accounts/two_factor_setup.html"

    def _page(self, form, status: int = 200):
        user = self.request.user
        context = {"form": form, "required": security.two_factor_required(user),
                   "next": safe_next(self.request, self.request.GET.get("next"), "")}
        if user.two_factor_enabled:
            context["disable_form"] = TwoFactorDisableForm()
        else:
            device = security.totp_device_pending(user=user)
            uri = security.totp_provisioning_uri(device=device)
            context.update(qr_svg=segno.make(uri, error="m").svg_inline(scale=4, title=_("Scan with your app")),
                           secret=security.totp_secret_text(device=device))
        return render(self.request, self.template_name, context, status=status)

    def get(self, request):
        return self._page(TwoFactorCodeForm())

    def post(self, request):
        form = TwoFactorCodeForm(request.POST)
        if request.user.two_factor_enabled:
            return redirect("accounts:two_factor_setup")
        if not form.is_valid():
            return self._page(form, status=400)
        try:
            codes = security.two_factor_confirm(user=request.user, code=form.cleaned_data["code"])
        except ValidationFailed as exc:
            form_errors_from(exc, form)
            return self._page(form, status=400)
        # This session has just shown a code: it counts as verified.
        otp_login(request, security.totp_device_confirmed(user=request.user))
        return render(request, "accounts/two_factor_codes.html",
                      {"codes": codes, "next": safe_next(request, request.GET.get("next"),
                                                         reverse("accounts:dashboard"))}, status=201)


class TwoFactorDisableView(LoginRequiredMixin, View):
    request: AuthenticatedHttpRequest

    def post(self, request):
        form = TwoFactorDisableForm(request.POST)
        if form.is_valid():
            try:
                security.two_factor_disable(user=request.user, password=form.cleaned_data["current_password"],
                                            code=form.cleaned_data["code"])
            except ValidationFailed as exc:
                form_errors_from(exc, form)
            except ApplicationError as exc:
                messages.error(request, exc.message)
                return redirect("accounts:two_factor_setup")
            else:
                messages.success(request, _("Two-factor sign-in is off."))
                return redirect("accounts:profile")
        return render(request, "accounts/two_factor_setup.html",
                      {"disable_form": form, "form": TwoFactorCodeForm(), "required": False}, status=400)


class EmailVerifyView(View):
    """The emailed link: confirms the address (GET, as mail clients open links; doing it twice changes nothing)."""

    def get(self, request, token: str):
        try:
            security.email_verify(token=token)
        except ApplicationError as exc:
            return render(request, "accounts/email_verify.html", {"refusal": exc.message}, status=400)
        messages.success(request, _("Your email address is confirmed. Thank you."))
        return redirect("accounts:dashboard" if request.user.is_authenticated else "accounts:login")


class EmailVerificationResendView(LoginRequiredMixin, View):
    request: AuthenticatedHttpRequest

    def post(self, request):
        if request.user.email_verified:
            messages.info(request, _("Your email address is already confirmed."))
        elif not rate_limit_hit(scope="verify_resend", ident=request.user.pk,
                                rate=settings.GAVEL_VERIFY_RESEND_RATE).allowed:
            messages.error(request, _("We have sent you several links in the last hour. Please use the newest one, "
                                      "or try again later."))
        else:
            security.email_verification_send_on_commit(user=request.user)
            messages.success(request, _("We sent a new link to %(email)s.") % {"email": request.user.email})
        return redirect("accounts:profile")


class PayoutAccountView(LoginRequiredMixin, View):
    """The account Gavel pays the user to: the current password and, with a device, a code from it to change."""

    request: AuthenticatedHttpRequest
    template_name = "accounts/payout_account.html"

    def _form(self, data=None):
        return PayoutAccountForm(data, needs_code=self.request.user.two_factor_enabled)

    def _page(self, form, status: int = 200):
        user = self.request.user
        return render(self.request, self.template_name,
                      {"form": form, "current": security.iban_masked(user.payout_account) if user.payout_account
                       else "", "needs_code": user.two_factor_enabled}, status=status)

    def get(self, request):
        return self._page(self._form())

    def post(self, request):
        form = self._form(request.POST)
        if not form.is_valid():
            return self._page(form, status=400)
        try:
            changed = security.payout_account_change(user=request.user, code=form.cleaned_data.get("code", ""),
                                                     payout_account=form.cleaned_data["payout_account"],
                                                     current_password=form.cleaned_data["current_password"])
        except ValidationFailed as exc:
            form_errors_from(exc, form)
            return self._page(form, status=400)
        messages.success(request, _("Your payout account is saved; we emailed you about the change.") if changed
                         else _("That is already your payout account."))
        return redirect("accounts:payout_account")


@require_POST
def language_set(request):
    """The language switcher: remembers the choice in a cookie, and as the account's language when signed in (its
    emails and notifications follow), then goes back to the page it was sent from."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated:
        try:
            services.user_language_set(user=request.user, language=language)
        except ValidationFailed as exc:
            return render(request, "400.html", {"detail": exc.fields["language"][0]}, status=400)
    elif not language_valid(language):
        return render(request, "400.html", {"detail": _("Choose a language from the list.")},
                      status=400)
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        next_url = reverse("home")
    response = redirect(next_url)
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax",
                        secure=settings.SESSION_COOKIE_SECURE, httponly=True)
    return response
