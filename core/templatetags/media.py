from django import template

from core.media import url_for

register = template.Library()


@register.filter
def media_url(file) -> str:
    """A stored file's URL for a page: {{ photo.thumb|media_url }} (plain when public, else signed and expiring)."""
    return url_for(file) if file else ""
