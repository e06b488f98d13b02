"""core.media's resolver for accounts' files: a dealer's uploaded documents (trade licence), seen by the dealer and
staff only."""

import re

from accounts.models import DealerDocument
from core.media import MediaAccess

LICENCE_NAME = re.compile(r"^uploads/licences/(?P<profile_id>\d+)/[0-9a-f]{32}\.(pdf|jpg|png)$")


def dealer_document_media_access(name: str) -> MediaAccess | None:
    match = LICENCE_NAME.match(name)
    if match is None:
        return None
    document = (DealerDocument.objects.select_related("profile")
                .filter(profile_id=int(match["profile_id"]), file=name).first())
    if document is None:
        return None
    owner_id = document.profile.user_id

    def may_view(user) -> bool:
        return bool(getattr(user, "is_authenticated", False) and (user.is_staff_member or user.pk == owner_id))

    return MediaAccess(public=False, may_view=may_view, content_type=document.content_type)
