"""The transparency log's public page (/transparency/log/): the signed heads with the public keys, and the
consistency and inclusion proofs anyone asks for, readable; heads.json is the same as the API's heads document."""

from datetime import UTC, datetime, timedelta

from django.http import JsonResponse
from django.views import View
from django.views.generic import TemplateView
from rest_framework.serializers import Serializer

from core.exceptions import ApplicationError
from transparency import services
from transparency.serializers import ConsistencyInputSerializer, InclusionInputSerializer

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class HeadsJsonView(View):
    """gavel-tree-heads, for `gavel-verify --heads https://…/transparency/log/heads.json`."""

    def get(self, request):
        return JsonResponse(services.heads_document_build(limit=100))


def _errors(serializer) -> list[str]:
    return [f"{name}: {message}" for name, messages in serializer.errors.items() for message in messages]


class TransparencyLogView(TemplateView):
    template_name = "transparency/log.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET
        heads = services.heads_list(limit=50)
        for head in heads:
            head.signed_at = _EPOCH + timedelta(microseconds=head.timestamp_us)
            head.root_hex = bytes(head.root_hash).hex()
        context.update(heads=list(reversed(heads)), public_keys=services.public_keys(), log_size=services.log_size())
        if "first" in query or "second" in query:
            form: Serializer = ConsistencyInputSerializer(data=query)
            context["consistency_errors"] = _errors(form) if not form.is_valid() else []
            if form.is_valid():
                try:
                    context["consistency"] = services.consistency(**form.validated_data)
                except ApplicationError as exc:
                    context["consistency_errors"] = [exc.message, *[m for ms in exc.fields.values() for m in ms]]
        if "index" in query:
            form = InclusionInputSerializer(data=query)
            context["inclusion_errors"] = _errors(form) if not form.is_valid() else []
            if form.is_valid():
                try:
                    context["inclusion"] = services.inclusion(**form.validated_data)
                except ApplicationError as exc:
                    context["inclusion_errors"] = [exc.message, *[m for ms in exc.fields.values() for m in ms]]
        context["query"] = query
        return context
