"""The organisation API under /api/v1/organisation/: members, invitations and API keys, for the owners of a
dealer organisation (people only: no API key may manage, accounts.capabilities). Thin: validate, call
accounts.organisations or accounts.apikeys, serialize."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import apikeys, organisations
from accounts.capabilities import MANAGE, REFUSALS, member_role
from accounts.models import ApiKey, Membership, Organisation
from core.exceptions import PermissionRefused

_MANAGE_ALL = {"GET": MANAGE, "POST": MANAGE, "PATCH": MANAGE, "DELETE": MANAGE}


def _owned_organisation(request) -> Organisation:
    """The organisation the signed-in user owns; 403 for anyone else (a buyer, a seller, staff)."""
    org = organisations.organisation_for(request.user)
    if org is None or member_role(request.user, org) != Membership.Role.OWNER:
        raise PermissionRefused(str(REFUSALS[MANAGE]), code="role_refused")
    return org


class MemberOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="user_id")
    email = serializers.EmailField(source="user.email")
    full_name = serializers.CharField(source="user.full_name")
    role = serializers.ChoiceField(choices=Membership.Role.choices)
    account_holder = serializers.SerializerMethodField()
    joined_at = serializers.DateTimeField(source="created_at")

    def get_account_holder(self, membership) -> bool:
        return membership.user_id == membership.organisation.user_id


class InvitationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Membership.Role.choices)
    expires_at = serializers.DateTimeField()


class MembersOutputSerializer(serializers.Serializer):
    members = MemberOutputSerializer(many=True)
    invitations = InvitationOutputSerializer(many=True)


class InvitationInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=Membership.Role.choices)


class MemberRoleInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Membership.Role.choices)


class OrganisationMembersApi(APIView):
    organisation_capabilities = _MANAGE_ALL

    @extend_schema(responses={200: MembersOutputSerializer},
                   description=_("The organisation's members and open invitations (owners only)."))
    def get(self, request):
        org = _owned_organisation(request)
        return Response(MembersOutputSerializer({
            "members": organisations.organisation_members(org=org).select_related("organisation"),
            "invitations": organisations.organisation_invitations_open(org=org)}).data)

    @extend_schema(request=InvitationInputSerializer, responses={201: InvitationOutputSerializer},
                   description=_("Invite someone by email (owners only): they get a link that expires."))
    def post(self, request):
        org = _owned_organisation(request)
        data = InvitationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invitation, _token = organisations.invitation_create(org=org, actor=request.user, **data.validated_data)
        return Response(InvitationOutputSerializer(invitation).data, status=status.HTTP_201_CREATED)


class OrganisationMemberApi(APIView):
    organisation_capabilities = _MANAGE_ALL

    def _membership(self, request, member_id: int) -> Membership:
        org = _owned_organisation(request)
        membership = organisations.organisation_members(org=org).select_related("organisation") \
            .filter(user_id=member_id).first()
        if membership is None:
            raise NotFound()
        return membership

    @extend_schema(request=MemberRoleInputSerializer, responses={200: MemberOutputSerializer},
                   description=_("Change a member's role (owners only)."))
    def patch(self, request, member_id: int):
        membership = self._membership(request, member_id)
        data = MemberRoleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        organisations.member_set_role(membership=membership, actor=request.user, role=data.validated_data["role"])
        return Response(MemberOutputSerializer(membership).data)

    @extend_schema(responses={204: None}, description=_("Remove a member (owners only): their sessions, API token "
                                                      "and the API keys they made stop working at once."))
    def delete(self, request, member_id: int):
        organisations.member_remove(membership=self._membership(request, member_id), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiKeyOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField()
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=ApiKey.Scope.choices))
    created_at = serializers.DateTimeField()
    created_by = serializers.EmailField(source="created_by.email")
    last_used_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)


class ApiKeyCreatedOutputSerializer(ApiKeyOutputSerializer):
    key = serializers.CharField(help_text=_("The key itself, shown this once: send it as `Authorization: Api-Key "
                                          "<key>`. Gavel keeps only its digest."))


class ApiKeyInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=ApiKey.Scope.choices), allow_empty=False)


class OrganisationApiKeysApi(APIView):
    organisation_capabilities = _MANAGE_ALL

    @extend_schema(responses={200: ApiKeyOutputSerializer(many=True)},
                   description=_("The organisation's API keys, revoked ones included (owners only)."))
    def get(self, request):
        org = _owned_organisation(request)
        return Response(ApiKeyOutputSerializer(apikeys.api_keys_of(org=org), many=True).data)

    @extend_schema(request=ApiKeyInputSerializer, responses={201: ApiKeyCreatedOutputSerializer},
                   description=_("Make a named key with scopes (read, bid, pay, webhooks); the answer holds the key "
                               "once (owners only)."))
    def post(self, request):
        org = _owned_organisation(request)
        data = ApiKeyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        key, raw = apikeys.api_key_create(org=org, actor=request.user, **data.validated_data)
        key.key = raw  # type: ignore[attr-defined]  # shown once, never stored
        return Response(ApiKeyCreatedOutputSerializer(key).data, status=status.HTTP_201_CREATED)


class OrganisationApiKeyApi(APIView):
    organisation_capabilities = _MANAGE_ALL

    @extend_schema(responses={204: None}, description=_("Revoke a key (owners only): it stops working at once."))
    def delete(self, request, key_id: int):
        org = _owned_organisation(request)
        key = apikeys.api_keys_of(org=org).filter(pk=key_id).first()
        if key is None:
            raise NotFound()
        apikeys.api_key_revoke(key=key, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
