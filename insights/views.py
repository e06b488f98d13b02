"""Pages of the insights: the published methods, the open market data and the staff's inspector records."""

from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.utils.safestring import mark_safe
from django.views.generic import TemplateView
from markdown_it import MarkdownIt

from accounts.models import User
from insights.selectors import inspector_records, market_data

METHODS_DOC = Path(settings.BASE_DIR) / "docs" / "methods.md"


def _slug(text: str) -> str:
    """GitHub's heading anchors, so the document's own links (#dealer-record) work on the page too."""
    kept = "".join(ch for ch in text.lower() if ch.isalnum() or ch in " -_")
    return kept.replace(" ", "-")


@cache
def methods_html() -> str:
    """docs/methods.md as HTML: the page and the document are one text (its examples are checked by the tests)."""
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = md.parse(METHODS_DOC.read_text(encoding="utf-8"))
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            token.attrSet("id", _slug(tokens[index + 1].content))
    return md.renderer.render(tokens, md.options, {})


class MethodsView(TemplateView):
    """The rules page: how the dealer and inspector records, the price guide and market data are computed."""

    template_name = "insights/methods.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "methods": mark_safe(methods_html())}  # noqa: S308  our doc


class StaffRequiredMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_staff_member:
            raise PermissionDenied("Inspector records are for Gavel staff.")
        return super().dispatch(request, *args, **kwargs)


class InspectorRecordsView(StaffRequiredMixin, TemplateView):
    """Staff: every inspector's record in full, with each upheld dispute traced to its report line."""

    template_name = "insights/inspectors.html"

    def get_context_data(self, **kwargs):
        inspectors = list(User.objects.filter(role=User.Role.INSPECTOR).order_by("email"))
        records = inspector_records(inspector_ids=[inspector.pk for inspector in inspectors])
        rows = [(inspector, records[inspector.pk]) for inspector in inspectors]
        return {**super().get_context_data(**kwargs), "rows": rows}


class MarketView(TemplateView):
    """Open market data for everyone: the same k-anonymous rows the API serves as JSON and CSV."""

    template_name = "insights/market.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "market": market_data()}
