"""core.media's resolver for inspection evidence: a report's photos are never public.

Staff and the inspector who took them see them always; once a revision of the inspection is published, whoever
may read the report (the seller, verified dealers: inspections.selectors.report_can_view) sees them too."""

from core.media import MediaAccess
from inspections.models import InspectionPhoto, InspectionReport
from inspections.selectors import report_can_view
from marketplace.images import photo_listing_id
from marketplace.media import photo_name_matches


def inspection_media_access(name: str) -> MediaAccess | None:
    listing_id = photo_listing_id(name)
    if listing_id is None:
        return None
    photo = (InspectionPhoto.objects.select_related("inspection__listing")
             .filter(inspection__listing_id=listing_id).filter(photo_name_matches(name)).first())
    if photo is None:
        return None
    inspection = photo.inspection

    def may_view(user) -> bool:
        if not getattr(user, "is_authenticated", False):
            return False
        if user.is_staff_member or inspection.inspector_id == user.pk:
            return True
        published = InspectionReport.objects.filter(inspection=inspection).exists()
        return published and report_can_view(user=user, listing=inspection.listing)

    return MediaAccess(public=False, may_view=may_view)
