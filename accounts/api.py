from django.conf import settings
from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.selectors import dealer_profile_get
from core.exceptions import ValidationFailed
from core.throttling import LoginRateThrottle, SignupRateThrottle, client_ip


class DealerProfileOutputSerializer(serializers.Serializer):
    company_name = serializers.CharField()
    trade_licence_number = serializers.CharField()
    address = serializers.CharField()
    phone = serializers.CharField()
    status = serializers.CharField()
    status_reason = serializers.CharField()
    verified_at = serializers.DateTimeField(allow_null=True)
    buying_limit_minor = serializers.IntegerField()
    can_bid = serializers.BooleanField()


class UserOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()
    phone = serializers.CharField()
    role = serializers.CharField()
    date_joined = serializers.DateTimeField()
    # False until the emailed link is opened: no listing, bid or payout until then (docs/security.md).
    email_verified = serializers.BooleanField()
    two_factor_enabled = serializers.BooleanField()
    # The language Gavel writes to this user in (emails, notifications); blank: the site's default.
    language = serializers.CharField()
    dealer_profile = DealerProfileOutputSerializer(allow_null=True)


def _user_payload(user):
    return UserOutputSerializer(
        {
            "id": user.pk,
            "email": user.email,
            "full_name": user.full_name,
            "phone": user.phone,
            "role": user.role,
            "date_joined": user.date_joined,
            "email_verified": user.email_verified,
            "two_factor_enabled": user.two_factor_enabled,
            "language": user.language,
            "dealer_profile": dealer_profile_get(user=user),
        }
    ).data


class TokenObtainApi(APIView):
    """Exchange email and password for an API token (`Authorization: Token <key>`)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [LoginRateThrottle]

    class TokenObtainInputSerializer(serializers.Serializer):
        email = serializers.EmailField()
        password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})

    class TokenObtainOutputSerializer(serializers.Serializer):
        token = serializers.CharField()

    @extend_schema(request=TokenObtainInputSerializer, responses={200: TokenObtainOutputSerializer}, auth=[])
    def post(self, request):
        data = self.TokenObtainInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # The Django request, not DRF's wrapper: django-axes marks a lockout on it for its middleware.
        user = authenticate(request._request, username=data.validated_data["email"],
                            password=data.validated_data["password"])
        if user is None:
            raise ValidationFailed(_("Email or password is wrong."),
                                   fields={"non_field_errors": [_("Email or password is wrong.")]})
        services.session_seen(user=user, ip=client_ip(request), device=None)
        return Response({"token": services.token_for(user=user)})


class MeApi(APIView):
    permission_classes = [IsAuthenticated]

    class MeInputSerializer(serializers.Serializer):
        language = serializers.ChoiceField(choices=settings.LANGUAGES)

    @extend_schema(responses={200: UserOutputSerializer})
    def get(self, request):
        return Response(_user_payload(request.user))

    @extend_schema(request=MeInputSerializer, responses={200: UserOutputSerializer})
    def patch(self, request):
        """Change the language Gavel writes to you in (emails, notifications, this API's messages)."""
        data = self.MeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.user_language_set(user=request.user, language=data.validated_data["language"])
        return Response(_user_payload(request.user))


class SignupOutputSerializer(serializers.Serializer):
    user = UserOutputSerializer()
    token = serializers.CharField()


class SellerSignupApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [SignupRateThrottle]

    class SellerSignupInputSerializer(serializers.Serializer):
        email = serializers.EmailField(max_length=254)
        password = serializers.CharField(trim_whitespace=False, max_length=128)
        full_name = serializers.CharField(max_length=150)
        phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")

    @extend_schema(request=SellerSignupInputSerializer, responses={201: SignupOutputSerializer}, auth=[])
    def post(self, request):
        data = self.SellerSignupInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.seller_register(**data.validated_data)
        return Response({"user": _user_payload(user), "token": services.token_for(user=user)},
                        status=status.HTTP_201_CREATED)


class DealerSignupApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [SignupRateThrottle]

    class DealerSignupInputSerializer(serializers.Serializer):
        email = serializers.EmailField(max_length=254)
        password = serializers.CharField(trim_whitespace=False, max_length=128)
        full_name = serializers.CharField(max_length=150)
        company_name = serializers.CharField(max_length=200)
        trade_licence_number = serializers.CharField(max_length=64)
        address = serializers.CharField(max_length=1000)
        phone = serializers.CharField(max_length=32)

    @extend_schema(request=DealerSignupInputSerializer, responses={201: SignupOutputSerializer}, auth=[])
    def post(self, request):
        data = self.DealerSignupInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.dealer_register(**data.validated_data)
        return Response({"user": _user_payload(user), "token": services.token_for(user=user)},
                        status=status.HTTP_201_CREATED)
