"""Page checks the browser tests run on every main page at both widths: the axe-core accessibility audit (no
serious or critical violation), no sideways scrolling at phone width, and a full-page screenshot in var/e2e/.

axe-core is vendored for the tests only (tests/e2e/vendor/axe-core, see its README); Gavel never serves it."""

from pathlib import Path

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
BLOCKING = ("serious", "critical")


def axe_violations(page) -> list[dict]:
    """The serious and critical violations axe-core finds on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated by the browser's debugging protocol, which the page's CSP (no inline script) does not govern:
        # the page is audited with its real policy in force.
        page.evaluate(AXE.read_text() + "\n;undefined")
    result = page.evaluate("""async () => {
        const r = await window.axe.run(document, {resultTypes: ["violations"]});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       targets: v.nodes.slice(0, 5).map(n => n.target.join(" "))}));
    }""")
    return [v for v in result if v["impact"] in BLOCKING]


def overflow_px(page) -> int:
    """How far the page scrolls sideways (0 when it fits the viewport)."""
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


def too_wide(page) -> list[str]:
    """The innermost elements that reach past the right edge of the viewport (to say what to fix)."""
    return page.evaluate("""() => {
        const edge = document.documentElement.clientWidth;
        const wide = [...document.querySelectorAll("body *")].filter(el => el.getBoundingClientRect().right > edge + 1);
        return wide.filter(el => !wide.some(other => other !== el && el.contains(other))).slice(0, 5)
            .map(el => el.tagName.toLowerCase()
                       + (el.className ? "." + String(el.className).split(" ").join(".") : ""));
    }""")


# Findings inside Django's own admin markup and scripts that Gavel cannot fix without copying Django's templates
# or JavaScript (rule id -> the CSS selector fragment every target of it contains, and why). The admin audit
# ignores a violation only when each of its targets matches; anything else, ours or new, fails the test.
DJANGO_ADMIN_KNOWN = {
    # django/contrib/admin/static/admin/js/SelectFilter2.js (filter_horizontal on the user's groups and
    # permissions) gives a <span> inside the search <label> a title and an aria-label, which a span may not carry.
    "aria-prohibited-attr": ".help-tooltip.search-label-icon",
    # admin/css/responsive.css lets a tabular inline wider than a phone scroll inside its own box
    # (div.inline-group, overflow: auto) but edit_inline/tabular.html gives that box no tabindex; the table's
    # links and the page's own scrolling still reach every cell.
    "scrollable-region-focusable": "-group",
}


def django_admin_known(violation: dict) -> bool:
    fragment = DJANGO_ADMIN_KNOWN.get(violation["id"])
    return fragment is not None and all(fragment in target for target in violation["targets"])


def check_page(page, *, name: str, width: str, e2e_dir: Path, django_admin: bool = False) -> list[str]:
    """Screenshot the page as var/e2e/pages-<name>-<width>.png; return what is wrong with it (empty: fine).
    `django_admin`: a Django admin page, where the findings in DJANGO_ADMIN_KNOWN are Django's, not ours."""
    page.screenshot(path=str(e2e_dir / f"pages-{name}-{width}.png"), full_page=True)
    problems = [f"{name} at {width}: axe {v['impact']} {v['id']} ({v['help']}) on {v['targets']}"
                for v in axe_violations(page) if not (django_admin and django_admin_known(v))]
    if width == "phone" and overflow_px(page) > 0:
        problems.append(f"{name} at {width}: scrolls sideways by {overflow_px(page)} px, past the edge: "
                        f"{too_wide(page)}")
    return problems
