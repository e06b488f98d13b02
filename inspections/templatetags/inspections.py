from django import template

from inspections import selectors

register = template.Library()


@register.filter
def get_fact(facts: dict, name: str):
    """{{ facts|get_fact:"flood" }}: a fact of the draft by name."""
    return (facts or {}).get(name)


@register.inclusion_tag("inspections/_listing_panel.html")
def listing_inspection_panel(listing):
    """The seller's listing page: the booked appointment, or the published grade with a link."""
    inspection = selectors.inspection_for_listing(listing=listing)
    return {"panel": {
        "inspection": inspection,
        "booking": selectors.inspection_booking_text(inspection=inspection),
        "inspector_name": inspection.inspector.get_short_name() if inspection and inspection.inspector else "",
        "report": selectors.report_current_for_listing(listing_id=listing.pk),
    }}


@register.inclusion_tag("inspections/_queue.html", takes_context=True)
def inspector_queue(context):
    """The inspector's queue, for the dashboard: {% inspector_queue %}"""
    user = context["user"]
    return {"queue": selectors.inspection_queue(inspector=user), "user": user,
            "csrf_token": context.get("csrf_token")}
