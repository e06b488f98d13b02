from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts import apikeys, organisations, services
from accounts.capabilities import MANAGE, REFUSALS, member_role
from accounts.forms import (
    ApiKeyForm,
    DealerSignupForm,
    InvitationAcceptForm,
    InvitationForm,
    ProfileForm,
    SignupForm,
)
from accounts.http import AuthenticatedHttpRequest
from accounts.models import Membership, Organisation, User
from accounts.organisations import (
    dealer_acting_for,
    organisation_for,
    organisation_invitations_open,
    organisation_members,
)
from accounts.security import iban_masked
from accounts.selectors import dealer_profile_get, staff_overview
from accounts.views_security import pending_login_start, signed_in
from core.api import form_errors_from
from core.exceptions import ApplicationError, Throttled, ValidationFailed
from core.throttling import signup_page_rate_limit
from payments.selectors import dealer_work_list, seller_car_list, seller_decisions_pending, staff_work_list


class _SignupView(FormView):
    success_url = reverse_lazy("accounts:dashboard")
    welcome: str  # each sign-up page says its own

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
    welcome = "Welcome to Gavel. Your seller account is ready."

    def register(self, data):
        return services.seller_register(email=data["email"], password=data["password"],
                                        full_name=data["full_name"], phone=data.get("phone", ""))


class DealerSignupView(_SignupView):
    template_name = "accounts/signup_dealer.html"
    form_class = DealerSignupForm
    welcome = "Your dealer account is registered. Our team verifies your trade licence before you can bid."

    def register(self, data):
        return services.dealer_register(
            email=data["email"], password=data["password"], full_name=data["full_name"],
            company_name=data["company_name"], trade_licence_number=data["trade_licence_number"],
            address=data["address"], phone=data["phone"],
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
        context["dealer_profile"] = dealer_profile_get(user=self.request.user)
        context["payout_account_masked"] = iban_masked(self.request.user.payout_account)
        return context

    def form_valid(self, form):
        try:
            services.user_update_profile(user=self.request.user, full_name=form.cleaned_data["full_name"],
                                         phone=form.cleaned_data["phone"])
        except ValidationFailed as exc:
            form_errors_from(exc, form)
            return self.form_invalid(form)
        messages.success(self.request, "Your profile is saved.")
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
                messages.success(request, f"Invitation sent to {invitation.email}; it expires "
                                          f"{invitation.expires_at:%d %b %Y, %H:%M} UTC.")
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
                messages.success(request, f"{membership.user.email} is no longer a member; they are signed out.")
            else:
                organisations.member_set_role(membership=membership, actor=request.user,
                                              role=request.POST.get("role", ""))
                messages.success(request, f"{membership.user.email} is now {membership.get_role_display().lower()}.")
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
        messages.success(request, f"The key “{key.name}” is revoked.")
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
            messages.success(request, f"You joined {self.invitation.organisation.company_name}.")
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
        messages.success(self.request, f"Welcome to {self.invitation.organisation.company_name} on Gavel.")
        return redirect("accounts:dashboard")


class SignInView(auth_views.LoginView):
    """Django's sign-in page; a successful sign-in is remembered with its address and device (shill rules). The
    device is a random cookie the browser keeps for two years. A user with a second factor is signed in only after
    the code step (accounts.views_security.TwoFactorVerifyView)."""

    def form_valid(self, form):
        user = form.get_user()
        if user.two_factor_enabled:
            return pending_login_start(self.request, user=user, backend=user.backend,
                                       next_url=self.get_success_url())
        response = super().form_valid(form)
        signed_in(self.request, response, user)
        return response
