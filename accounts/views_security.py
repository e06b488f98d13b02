"""Pages of account security (accounts.security): the emailed verification link and its resend, the sign-in's code
step, two-factor set-up (QR code, secret, recovery codes shown once) and turning it off, the payout account."""

import secrets
from datetime import datetime

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django_otp import login as otp_login

from accounts import security
from accounts.forms import PayoutAccountForm, TwoFactorCodeForm, TwoFactorDisableForm
from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.services import session_seen
from core.api import form_errors_from
from core.exceptions import ApplicationError, ValidationFailed
from core.throttling import client_ip

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
    session_seen(user=user, ip=client_ip(request), device=device)
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
        user, _ = self._who(request)
        if user is None:
            return redirect("accounts:dashboard" if request.user.is_authenticated else "accounts:login")
        return render(request, self.template_name, {"form": TwoFactorCodeForm()})

    def post(self, request):
        user, pending = self._who(request)
        if user is None:
            if request.user.is_authenticated:  # signed in, and no second factor to ask for
                return redirect("accounts:dashboard")
            messages.error(request, "Sign in again: the code step timed out.")
            return redirect("accounts:login")
        form = TwoFactorCodeForm(request.POST)
        device = security.two_factor_check(user=user, code=form.data.get("code", "")) if form.is_valid() else None
        if device is None:
            if form.is_valid():
                form.add_error("code", "That code is not right (or too many tries: wait a moment and try again).")
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
            messages.warning(request, "You used a recovery code; each works once. Make new ones on the two-factor "
                                      "page if you are running low.")
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
            context.update(qr_svg=segno.make(uri, error="m").svg_inline(scale=4, title="Scan with your app"),
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
                messages.success(request, "Two-factor sign-in is off.")
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
        messages.success(request, "Your email address is confirmed. Thank you.")
        return redirect("accounts:dashboard" if request.user.is_authenticated else "accounts:login")


class EmailVerificationResendView(LoginRequiredMixin, View):
    request: AuthenticatedHttpRequest

    def post(self, request):
        if request.user.email_verified:
            messages.info(request, "Your email address is already confirmed.")
        else:
            security.email_verification_send_on_commit(user=request.user)
            messages.success(request, f"We sent a new link to {request.user.email}.")
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
        messages.success(request, "Your payout account is saved; we emailed you about the change." if changed
                         else "That is already your payout account.")
        return redirect("accounts:payout_account")

