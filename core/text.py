"""Text keys shared across apps. Pure: standard library only."""


def name_key(text: str) -> str:
    """How makes, models, fuels and gearboxes are matched: spaces collapsed, case ignored ("vw  Golf" = "VW golf")."""
    return " ".join(text.split()).casefold()
