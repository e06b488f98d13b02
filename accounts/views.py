import secrets

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.generic import FormView, TemplateView

from accounts import services
from accounts.forms import DealerSignupForm, ProfileForm, SignupForm
from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.selectors import dealer_profile_get, staff_overview
from core.api import form_errors_from
from core.exceptions import Throttled, ValidationFailed
from core.throttling import client_ip, signup_page_rate_limit
from payments.selectors import dealer_work_list, seller_car_list, seller_decisions_pending, staff_work_list

DEVICE_COOKIE = "gavel_device"


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
        context["dealer_profile"] = dealer_profile_get(user=self.request.user)
        if self.request.user.role == User.Role.STAFF:
            context.update(staff_overview())
            context["staff_work"] = staff_work_list()
        if self.request.user.role == User.Role.DEALER:
            context["work"] = dealer_work_list(dealer=self.request.user)
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
        return {"full_name": user.full_name, "phone": user.phone, "payout_account": user.payout_account}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["dealer_profile"] = dealer_profile_get(user=self.request.user)
        return context

    def form_valid(self, form):
        try:
            services.user_update_profile(user=self.request.user, full_name=form.cleaned_data["full_name"],
                                         phone=form.cleaned_data["phone"],
                                         payout_account=form.cleaned_data["payout_account"])
        except ValidationFailed as exc:
            form_errors_from(exc, form)
            return self.form_invalid(form)
        messages.success(self.request, "Your profile is saved.")
        return super().form_valid(form)


class SignInView(auth_views.LoginView):
    """Django's sign-in page; a successful sign-in is remembered with its address and device (shill rules). The
    device is a random cookie the browser keeps for two years."""

    def form_valid(self, form):
        response = super().form_valid(form)
        device = self.request.COOKIES.get(DEVICE_COOKIE) or secrets.token_urlsafe(24)
        services.session_seen(user=form.get_user(), ip=client_ip(self.request), device=device)
        response.set_cookie(DEVICE_COOKIE, device, max_age=2 * 365 * 24 * 3600, httponly=True, samesite="Lax",
                            secure=self.request.is_secure())
        return response
