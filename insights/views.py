"""Pages of the insights: the published methods, the open market data and the staff's inspector records."""

from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from markdown_it import MarkdownIt

from accounts.models import User
from insights.selectors import inspector_records, market_data

METHODS_DOC = Path(settings.BASE_DIR) / "docs" / "methods.md"


def methods_doc(language: str | None) -> Path:
    """The methods in `language` (docs/methods.<code>.md, e.g. methods.de.md, methods.zh-hans.md), else English:
    every translation carries the English document's numbers and worked examples (tests/i18n/test_ins.py)."""
    if language:
        for code in (language.lower(), language.lower().split("-")[0]):
            translated = METHODS_DOC.with_name(f"methods.{code}.md")
            if translated.is_file():
                return translated
    return METHODS_DOC


def _slug(text: str) -> str:
    """GitHub's heading anchors, so the document's own links (#dealer-record) work on the page too."""
    kept = "".join(ch for ch in text.lower() if ch.isalnum() or ch in " -_")
    return kept.replace(" ", "-")


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable("table")


@cache
def _anchors() -> list[str]:
    """The English document's heading anchors, in order."""
    tokens = _parser().parse(METHODS_DOC.read_text(encoding="utf-8"))
    return [_slug(tokens[i + 1].content) for i, token in enumerate(tokens) if token.type == "heading_open"]


@cache
def methods_html(path: Path = METHODS_DOC) -> str:
    """A methods document as HTML: the page and the document are one text (its examples are checked by the tests).
    A translation's headings keep the English anchors (#dealer-record), heading by heading, so the links into the
    page work whichever language it is read in."""
    md = _parser()
    tokens = md.parse(path.read_text(encoding="utf-8"))
    anchors = iter(_anchors())
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            token.attrSet("id", next(anchors, None) or _slug(tokens[index + 1].content))
    return md.renderer.render(tokens, md.options, {})


class MethodsView(TemplateView):
    """The rules page: how the dealer and inspector records, the price guide and market data are computed."""

    template_name = "insights/methods.html"

    def get_context_data(self, **kwargs):
        html = methods_html(methods_doc(get_language()))
        return {**super().get_context_data(**kwargs), "methods": mark_safe(html)}  # noqa: S308  our doc


class StaffRequiredMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_staff_member:
            raise PermissionDenied(_("Inspector records are for Gavel staff."))
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
