from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from accounts import views
from accounts.forms import EmailAuthenticationForm, PasswordResetInLanguageForm

app_name = "accounts"

urlpatterns = [
    path("language/", views.language_set, name="language_set"),
    path("signup/", views.SellerSignupView.as_view(), name="signup"),
    path("signup/dealer/", views.DealerSignupView.as_view(), name="signup_dealer"),
    path("login/", views.SignInView.as_view(template_name="accounts/login.html",
                                            authentication_form=EmailAuthenticationForm,
                                            redirect_authenticated_user=True,
                                            # Django's view would name the host; the page names Gavel.
                                            extra_context={"site_name": settings.GAVEL_SITE_NAME}),
         name="login"),
    path("login/code/", views.TwoFactorVerifyView.as_view(), name="two_factor_verify"),
    path("two-factor/", views.TwoFactorSetupView.as_view(), name="two_factor_setup"),
    path("two-factor/disable/", views.TwoFactorDisableView.as_view(), name="two_factor_disable"),
    path("verify-email/resend/", views.EmailVerificationResendView.as_view(), name="verify_email_resend"),
    path("verify-email/<str:token>/", views.EmailVerifyView.as_view(), name="verify_email"),
    path("payout-account/", views.PayoutAccountView.as_view(), name="payout_account"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", auth_views.PasswordResetView.as_view(
        template_name="accounts/password_reset.html",
        email_template_name="accounts/email/password_reset.txt",
        subject_template_name="accounts/email/password_reset_subject.txt",
        form_class=PasswordResetInLanguageForm,
        success_url=reverse_lazy("accounts:password_reset_done")), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(
        template_name="accounts/password_reset_done.html"), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(
        template_name="accounts/password_reset_confirm.html",
        success_url=reverse_lazy("accounts:password_reset_complete")), name="password_reset_confirm"),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(
        template_name="accounts/password_reset_complete.html"), name="password_reset_complete"),
    path("profile/", views.ProfileView.as_view(), name="profile"),
    path("profile/documents/", views.DealerDocumentUploadView.as_view(), name="dealer_document_upload"),
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("organisation/", views.OrganisationView.as_view(), name="organisation"),
    path("organisation/invite/", views.OrganisationInviteView.as_view(), name="organisation_invite"),
    path("organisation/members/<int:member_id>/", views.OrganisationMemberView.as_view(), name="organisation_member"),
    path("organisation/api-keys/", views.OrganisationApiKeyCreateView.as_view(), name="organisation_key_create"),
    path("organisation/api-keys/<int:key_id>/revoke/", views.OrganisationApiKeyRevokeView.as_view(),
         name="organisation_key_revoke"),
    path("invitations/<str:token>/", views.InvitationAcceptView.as_view(), name="invitation_accept"),
]
