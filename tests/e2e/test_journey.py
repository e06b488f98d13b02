"""The whole product, end to end, as its four kinds of users use it — each in their own browser context, on the
real ASGI server (WebSockets) and a real Celery worker with beat:

a seller signs up, lists a car with photos and submits it; staff assign an inspector in Django admin; the
inspector books, fills and publishes the report; staff approve the car and schedule the auction in admin; three
dealers bid (one by proxy) while one of them watches the price move without reloading; a bid inside the
soft-close window moves the end; the worker closes the auction; the winner pays by (simulated) card; seller and
dealer confirm the handover; the worker pays the seller out and the seller sees it.

All along, a collector keeps everything the dealers are shown — pages, htmx fragments, API JSON, WebSocket
frames, in-app notifications, emails — and at the end none of it may contain the reserve, another dealer's
identity or another dealer's maximum. Screenshots of every step: var/e2e/journey-NN-<step>.png (the README's
tour is this journey)."""

import re
import time
from collections import Counter
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from auctions.models import Auction
from core.models import AuditLog
from marketplace.models import Listing
from payments.models import Sale
from tests.accounts.factories import PASSWORD, DealerFactory, InspectorFactory, StaffFactory
from tests.e2e.collector import Dealer, DealerViewCollector, Seen, amount_pattern
from tests.e2e.conftest import SOFT_CLOSE_SECONDS, can_log_in_on_the_server
from tests.marketplace.e2e.wizard import fill_listing_steps
from tests.marketplace.images import jpeg_bytes

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# Distinctive amounts: no price on the increment ladder, fee or id can look like them.
RESERVE = 12_170_00
BRUNO_MAX = 14_230_00
WAIT = 30_000  # ms: generous for two slow shared cores, but bounded
# Time for step 5 (Bruno and Carla log in, the three bids) before the soft-close window opens; a slower machine
# only lands those bids in the window, which moves the end after each of them.
BIDDING_SECONDS = 25


class Shots:
    """journey-NN-<step>.png, numbered in order; remembers when each step was reached (printed at the end)."""

    def __init__(self, folder):
        self.folder, self.started, self.times = folder, time.monotonic(), []
        for old in folder.glob("journey-*.png"):
            old.unlink()

    def __call__(self, page, step: str) -> None:
        self.times.append((step, time.monotonic() - self.started))
        page.screenshot(path=str(self.folder / f"journey-{len(self.times):02d}-{step}.png"), full_page=True)

    def summary(self) -> str:
        return ", ".join(f"{step} {seconds:.0f}s" for step, seconds in self.times)


def emailed_path(mail_dir, to: str, prefix: str, *, timeout: float = 60) -> str:
    """The path of the first link starting with `prefix` in an email to `to` that the server or the worker wrote
    (the file backend: one or more messages per file), once it is there."""
    pattern = re.compile(r"https?://[^/\s]+(" + re.escape(prefix) + r"[^\s]*)")
    deadline = time.monotonic() + timeout
    while True:
        for path in sorted(mail_dir.glob("*.log")):
            text = path.read_text(encoding="utf-8", errors="replace")
            for message in text.split("-" * 79):
                found = pattern.search(message)
                if found and f"To: {to}" in message:
                    return found.group(1)
        assert time.monotonic() < deadline, f"no email to {to} with a link to {prefix}"
        time.sleep(0.3)


def log_in(page, base: str, email: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/accounts/dashboard/")


def admin_action(page, base: str, changelist: str, action: str, row_text: str) -> None:
    """Tick the row showing `row_text` on an admin changelist, choose `action`, press Go."""
    page.goto(f"{base}/admin/{changelist}/")
    page.locator("#result_list tr", has_text=row_text).locator("input[name=_selected_action]").check()
    page.locator("select[name=action]").select_option(action)
    page.get_by_role("button", name="Go").click()


def reload_until(page, locator, *, timeout: float = 30) -> None:
    """For what a page shows only when it is loaded again (work a worker finishes in the background)."""
    deadline = time.monotonic() + timeout
    while not locator.count():
        assert time.monotonic() < deadline, f"gave up waiting for {locator}"
        page.wait_for_timeout(500)
        page.reload()


def live_auction_page(page, base: str, title: str):
    page.goto(base + "/auctions/")
    page.get_by_role("link", name=title).first.click()
    page.wait_for_selector("html[data-live-auction=ready]")
    return page


def fill_checklist(page) -> None:
    """Every section the plain way (each section's Save button posts the whole section): every condition OK,
    every measure at a healthy value; optional measures not applicable."""
    # The badge the caller waited for can be in the DOM while the rest of the page is still arriving: count the
    # sections of the whole page, not of its first part.
    page.wait_for_load_state("load")
    sections = page.locator("details.check-section")
    for index in range(sections.count()):
        section = sections.nth(index)
        label = section.evaluate("""(details) => {
            details.open = true;
            details.querySelectorAll('.check-row').forEach((row) => {
                const ok = row.querySelector('input[type=radio][value=ok]');
                const value = row.querySelector('input[name^="value__"]');
                if (ok) ok.checked = true;
                else if (row.querySelector('abbr.req')) value.value = /Count/.test(row.textContent) ? '2' : '6.5';
                else row.querySelector('input[name^="na__"]').checked = true;
            });
            return details.querySelector('summary span').textContent;
        }""")
        with page.expect_navigation():
            section.get_by_role("button", name=f"Save {label.lower()}").click()
        expect(page.locator(".messages")).to_contain_text("Saved.")
        unanswered = page.locator("details.check-section").nth(index).locator(
            ".check-row:not(.is-answered):has(abbr.req)")
        expect(unanswered, f"section {label!r} saved every required row").to_have_count(0)
    expect(page.locator("[data-progress]")).to_have_text(re.compile(r"^(\d+) of \1$"))


def test_the_whole_journey_and_no_dealer_ever_sees_a_secret(browser, journey_stack, failure_screenshots, e2e_dir,
                                                            tmp_path):
    base, shots, open_pages = journey_stack.origin, Shots(e2e_dir), failure_screenshots
    server_errors = []

    def new_context(viewport: dict):
        """A browser context of its own for one user; any 5xx it ever gets fails the journey."""
        context = browser.new_context(viewport=viewport)

        def on_response(response):
            if response.status >= 500:
                server_errors.append(f"{response.status} {response.request.method} {response.url}")

        context.on("response", on_response)
        return context

    staff = StaffFactory(email="stella@gavel.test", full_name="Stella Staff")
    inspector = InspectorFactory(email="ingo@gavel.test", full_name="Ingo Inspector")
    people = {
        "anja": ("Anja Achterberg", "anja@achterberg-automobile.test", "Achterberg Automobile GmbH", "LIC-A-7731"),
        "bruno": ("Bruno Brandtner", "bruno@brandtner-cars.test", "Brandtner Cars KG", "LIC-B-5519"),
        "carla": ("Carla Castellan", "carla@castellan-motors.test", "Castellan Motors GmbH", "LIC-C-8846"),
    }
    dealers = {key: Dealer(key, DealerFactory(verified=True, full_name=name, email=email,
                                              profile__company_name=company, profile__trade_licence_number=licence),
                           company, licence)
               for key, (name, email, company, licence) in people.items()}
    dealers["bruno"].max_minor = BRUNO_MAX
    can_log_in_on_the_server(staff, inspector, *(dealer.user for dealer in dealers.values()))
    collector = DealerViewCollector(dealers=dealers, reserve_minor=RESERVE)

    # ---- 1. The seller signs up and lists a car with two photos.
    seller = open_pages["seller"] = new_context(PHONE).new_page()
    seller.on("dialog", lambda dialog: dialog.accept())
    seller.goto(base + "/")
    seller.get_by_role("link", name="List your car — free").click()
    seller.get_by_label("Your name").fill("Sina Seller")
    seller.get_by_label("Email address").fill("sina@example.test")
    seller.get_by_label("Password", exact=True).fill("a-long-passphrase-7")
    seller.get_by_label("Password again").fill("a-long-passphrase-7")
    seller.get_by_role("button", name="Create account").click()
    seller.wait_for_url(base + "/accounts/dashboard/")
    expect(seller.get_by_role("heading", name="Hello Sina")).to_be_visible()
    shots(seller, "seller-signed-up")
    # The address is confirmed through the emailed link (the worker sends it) before the car can be listed; the
    # payout account is entered with the password, before anything can be paid to it.
    seller.goto(base + emailed_path(journey_stack.mail_dir, "sina@example.test", "/accounts/verify-email/"))
    expect(seller.locator(".messages")).to_contain_text("Your email address is confirmed")
    seller.goto(base + "/accounts/payout-account/")
    seller.get_by_label("IBAN").fill("DE89 3704 0044 0532 0130 00")
    seller.get_by_label("Current password").fill("a-long-passphrase-7")
    seller.get_by_role("button", name="Save payout account").click()
    expect(seller.locator(".messages")).to_contain_text("Your payout account is saved")
    seller.goto(base + "/accounts/dashboard/")

    front, back = tmp_path / "front.jpg", tmp_path / "back.jpg"
    front.write_bytes(jpeg_bytes(1600, 1200, colour=(20, 80, 150), gps=True))
    back.write_bytes(jpeg_bytes(1200, 1600, colour=(150, 30, 30)))
    fill_listing_steps(seller, vin="WVWZZZ1KZAW123456", reserve_eur=RESERVE // 100)
    seller.locator("input[name=photos]").set_input_files([str(front), str(back)])
    expect(seller.locator(".photo-tile")).to_have_count(2, timeout=WAIT)
    shots(seller, "seller-photos")
    seller.get_by_role("link", name="Review and submit").click()
    seller.get_by_role("button", name="Submit for inspection").click()
    expect(seller.locator(".status-badge")).to_have_text("Submitted")
    shots(seller, "seller-submitted")
    listing = Listing.objects.get(seller__email="sina@example.test")
    title = "2019 Volkswagen Golf"

    # ---- 2. Staff assign an inspector in Django admin.
    admin = open_pages["staff"] = new_context(DESKTOP).new_page()
    admin.goto(base + "/admin/login/?next=/admin/")
    admin.locator("#id_username").fill(staff.email)
    admin.locator("#id_password").fill(PASSWORD)
    admin.get_by_role("button", name="Log in").click()
    admin.wait_for_url(base + "/admin/")
    admin_action(admin, base, "inspections/inspection", "assign_inspector", listing.vin)
    admin.get_by_label("Inspector").select_option(label=inspector.email)
    admin.get_by_role("button", name="Assign an inspector").click()
    expect(admin.locator(".messagelist")).to_contain_text(f"Assigned 1 inspection to {inspector.email}")
    shots(admin, "staff-assigned-inspector")

    # ---- 3. The inspector books the appointment, fills the report and publishes it.
    work = open_pages["inspector"] = new_context(PHONE).new_page()
    work.on("dialog", lambda dialog: dialog.accept())
    log_in(work, base, inspector.email)
    work.goto(base + "/inspect/")
    work.get_by_role("link", name="Open").first.click()
    tomorrow = (timezone.localtime() + timedelta(days=1)).replace(hour=10, minute=0)
    work.get_by_label("Date and time").fill(tomorrow.strftime("%Y-%m-%dT%H:%M"))
    work.get_by_label("Place").fill("Invalidenstraße 1, 10115 Berlin")
    work.get_by_role("button", name="Book appointment").click()
    work.get_by_role("button", name="Start the inspection").click()
    expect(work.locator(".status-badge")).to_have_text("In progress")
    fill_checklist(work)
    # One row the live way: it saves on change (htmx) and the note goes into the report.
    work.locator("details#engine > summary").click()
    work.locator('[data-key="engine.oil_leaks"]').get_by_text("Minor", exact=True).click()
    work.wait_for_selector('[data-key="engine.oil_leaks"] .saved-flag:has-text("Saved")')
    note = work.locator('[data-key="engine.oil_leaks"] input[name="note__engine.oil_leaks"]')
    note.fill("Sweating rocker cover")
    note.press("Tab")
    work.wait_for_selector('[data-key="engine.oil_leaks"] input[value="Sweating rocker cover"]')
    # The recorded facts: typed in, then the odometer photo, whose choosing saves the whole form (htmx).
    work.locator("#facts").evaluate("""(form, vin) => {
        form.querySelector('[name=fact__odometer_km]').value = '64080';
        form.querySelector('[name=fact__vin_on_car]').value = vin;
        form.querySelectorAll('input[type=radio][value=no]').forEach((radio) => { radio.checked = true; });
    }""", listing.vin)
    work.get_by_label("Odometer photo").set_input_files(files=[
        {"name": "odometer.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(800, 600, colour=(10, 10, 10))}])
    work.wait_for_selector("#facts img[alt='Odometer photo']", timeout=WAIT)
    expect(work.get_by_label("Odometer reading (km)")).to_have_value("64080")
    expect(work.get_by_label("VIN found on the car")).to_have_value(listing.vin)
    expect(work.locator("[data-progress]")).to_have_text(re.compile(r"^(\d+) of \1$"))
    shots(work, "inspector-report-filled")
    work.get_by_role("button", name="Publish report").click()
    work.wait_for_url(f"{base}/cars/{listing.pk}/report/")
    expect(work.get_by_text("Sweating rocker cover").first).to_be_visible()
    shots(work, "inspector-report-published")

    # ---- 4. Staff approve the car and schedule its auction in admin.
    admin_action(admin, base, "inspections/inspection", "approve_for_auction", listing.vin)
    admin.get_by_role("button", name="Approve the car for auction").click()
    expect(admin.locator(".messagelist")).to_contain_text("Approve the car for auction: 1 done.")
    shots(admin, "staff-approved")

    # The dealers each have a browser context of their own; Anja, the first to bid, is already logged in.
    contexts = {}

    def dealer_logs_in(key: str, viewport: dict):
        contexts[key] = new_context(viewport)
        collector.watch(contexts[key], key)
        page = open_pages[key] = collector.new_page(contexts[key], key)
        log_in(page, base, dealers[key].user.email)
        return page

    anja = dealer_logs_in("anja", DESKTOP)

    admin_action(admin, base, "auctions/approvedlisting", "schedule_auction", listing.vin)
    # A one-minute auction that started (to the second) long enough ago to end BIDDING_SECONDS and one soft-close
    # window from now: it is live at once, the three dealers bid first, then the countdown enters the window,
    # where a bid moves the end to a window after the bid. (Not a whole minute of waiting for the window.)
    starts = timezone.localtime() + timedelta(seconds=BIDDING_SECONDS + SOFT_CLOSE_SECONDS) - timedelta(minutes=1)
    admin.get_by_label("Starts at").fill(starts.strftime("%Y-%m-%dT%H:%M:%S"))
    admin.get_by_label("Duration minutes").fill("1")
    admin.get_by_label("Starting price").fill("12000")
    admin.get_by_role("button", name="Schedule").click()
    expect(admin.locator(".messagelist")).to_contain_text("auction scheduled")
    auction = Auction.objects.get(listing=listing)
    assert auction.status == Auction.Status.LIVE and auction.reserve_minor == RESERVE
    shots(admin, "staff-scheduled-auction")

    # ---- 5. Three dealers bid; Anja's page follows every bid live, without reloading.
    live_auction_page(anja, base, title)
    anja.get_by_role("button", name="Bid €12,000 now").click()
    expect(anja.get_by_text("Your bid is in. You are the highest bidder.")).to_be_visible()
    anja.wait_for_selector("html[data-live-auction=ready]")
    anja.evaluate("window.__stillTheSamePage = true")
    shots(anja, "dealer-first-bid")

    bruno = live_auction_page(dealer_logs_in("bruno", DESKTOP), base, title)
    bruno.get_by_label("Or set a maximum").fill(str(BRUNO_MAX // 100))
    bruno.get_by_role("button", name="Set maximum").click()
    expect(bruno.get_by_text("Your maximum is set. You are the highest bidder.")).to_be_visible()
    expect(bruno.locator("[data-price]")).to_have_text("€12,100")
    shots(bruno, "dealer-proxy-maximum")

    expect(anja.locator("[data-price]")).to_have_text("€12,100", timeout=WAIT)
    expect(anja.locator(".bid-box [data-my-state]")).to_have_attribute("data-my-state", "outbid")
    expect(anja.locator(".live-toast", has_text=f"You have been outbid on the {title}")).to_be_visible(timeout=WAIT)

    carla = live_auction_page(dealer_logs_in("carla", PHONE), base, title)
    carla.get_by_role("button", name="Bid €12,200 now").click()
    expect(carla.get_by_text("another dealer's maximum is higher: you are outbid")).to_be_visible()
    expect(anja.locator("[data-price]")).to_have_text("€12,300", timeout=WAIT)
    expect(anja.locator("[data-bid-count]")).to_have_text("4 bids")
    expect(anja.locator("[data-reserve]")).to_have_text("Reserve met")
    assert anja.evaluate("window.__stillTheSamePage") is True, "Anja's page followed without a reload"
    shots(anja, "dealer-watching-live")

    # ---- 6. A bid in the soft-close window moves the end, on every open page.
    countdown = anja.locator(".countdown")
    in_window = "|".join(f"0:{left:02d}" for left in range(3, SOFT_CLOSE_SECONDS - 2))
    expect(countdown).to_have_text(re.compile(rf"^({in_window})$"), timeout=150_000)
    raw_end = countdown.get_attribute("data-ends-at")
    ends_before = datetime.fromisoformat(raw_end)
    carla.get_by_role("button", name="Bid €12,400 now").click()
    expect(carla.get_by_text("another dealer's maximum is higher: you are outbid")).to_be_visible()
    expect(anja.locator("[data-price]")).to_have_text("€12,500", timeout=WAIT)
    expect(countdown).not_to_have_attribute("data-ends-at", raw_end)
    ends_after = datetime.fromisoformat(countdown.get_attribute("data-ends-at"))
    assert ends_after > ends_before, "the soft-close bid moved the end"
    assert anja.evaluate("window.__stillTheSamePage") is True
    shots(anja, "soft-close-extension")

    # Meanwhile the seller follows the auction (and sees the reserve) and Carla reads the inspection report.
    seller.goto(f"{base}/auctions/{auction.pk}/")
    expect(seller.locator("[data-price]")).to_have_text("€12,500")
    reserve_shown = seller.locator(".bid-box dt:has-text('Reserve') + dd").inner_text()
    assert amount_pattern(RESERVE).search(reserve_shown), f"the reserve check must find {reserve_shown!r}"
    report = collector.new_page(contexts["carla"], "carla")
    report.goto(f"{base}/cars/{listing.pk}/report/")
    expect(report.get_by_text("Sweating rocker cover").first).to_be_visible()
    report.close()
    for key in dealers:
        collector.api(contexts[key], key, f"/api/v1/auctions/{auction.pk}/", base)
        collector.api(contexts[key], key, f"/api/v1/auctions/{auction.pk}/bids/", base)
        collector.api(contexts[key], key, "/api/v1/auctions/", base)

    # ---- 7. The worker closes the auction (nobody in this test calls the service); pages show the result.
    expect(anja.locator(".page-head [data-status]")).to_have_attribute("data-status", "closed", timeout=60_000)
    expect(anja.locator(".page-head [data-status]")).to_have_text("Sold")
    anja.wait_for_load_state()
    auction.refresh_from_db()
    assert auction.status == Auction.Status.CLOSED and auction.outcome == Auction.Outcome.SOLD
    assert auction.winner_id == dealers["bruno"].user.pk and auction.hammer_price_minor == 12_500_00
    assert auction.closed_at >= auction.ends_at > ends_before
    closing = AuditLog.objects.for_object(auction).get(to_state=Auction.Status.CLOSED)
    assert closing.actor_id is None and closing.reason == "End time reached", "closed by the worker, not by staff"
    shots(anja, "closed-by-worker")
    bruno.reload()
    expect(bruno.get_by_text("You won this car for €12,500.")).to_be_visible()
    shots(bruno, "winner")

    # ---- 8. The winner pays by card.
    bruno.get_by_role("link", name="Sales", exact=True).first.click()
    reload_until(bruno, bruno.get_by_role("link", name=title))
    bruno.get_by_role("link", name=title).click()
    expect(bruno.get_by_text("€12,799.00").first).to_be_visible()
    shots(bruno, "winner-invoice")
    bruno.get_by_role("button", name="Pay €12,799.00 by card").click()
    bruno.get_by_role("button", name="Pay €12,799.00").click()
    expect(bruno.get_by_text("Payment received. The money is held in escrow")).to_be_visible()
    shots(bruno, "winner-paid")
    sale = Sale.objects.get(auction=auction)

    # ---- 9. Both confirm the handover; the worker pays the seller out.
    seller.goto(f"{base}/sales/")
    seller.get_by_role("link", name=title).click()
    expect(seller.locator("[data-status]").first).to_have_attribute("data-status", "paid")
    seller.get_by_label("Place").fill("Hauptstraße 1, 10115 Berlin")
    seller.get_by_label("Registration documents").check()
    seller.get_by_label("All keys").check()
    seller.get_by_label("Service book").check()
    seller.get_by_role("button", name="Save").click()
    seller.get_by_role("button", name="Confirm the handover").click()
    expect(seller.get_by_text("Your confirmation is recorded")).to_be_visible()
    shots(seller, "seller-handover")
    bruno.on("dialog", lambda dialog: dialog.accept())
    bruno.reload()
    bruno.get_by_role("button", name="Confirm the handover").click()
    expect(bruno.get_by_text("Handover confirmed. The seller's payout is on its way.")).to_be_visible()
    shots(bruno, "dealer-handover")
    reload_until(seller, seller.locator("[data-payout-status]", has_text="Sent"))
    sale.refresh_from_db()
    assert sale.status == Sale.Status.PAID_OUT and sale.payout_reference
    expect(seller.locator("[data-payout-reference]")).to_have_text(sale.payout_reference)
    shots(seller, "seller-payout")

    # ---- 10. Nothing a dealer was shown gives away the reserve, a rival or a rival's maximum.
    for key in dealers:
        collector.api(contexts[key], key, f"/api/v1/auctions/{auction.pk}/", base)
        collector.api(contexts[key], key, f"/api/v1/auctions/{auction.pk}/bids/", base)
        collector.api(contexts[key], key, "/api/v1/sales/", base)
    collector.api(contexts["bruno"], "bruno", f"/api/v1/sales/{sale.pk}/", base)
    collector.notifications()
    # Every notification to a dealer is also an email, which the worker sends after the commit, but the in-app
    # receipt of a bid their maximum placed for them (auctions.services.bidding: email=False).
    notified = Counter(item.dealer for item in collector.seen
                       if item.kind == "notification" and item.where != "proxy_bid_receipt")
    assert {"anja", "bruno"} <= set(notified), "Anja was outbid, Bruno won"
    # The worker also renders the sale's PDF documents; on a busy machine that keeps its threads for a while.
    deadline = time.monotonic() + 90
    while True:
        collector.emails(journey_stack.mail_dir)
        emailed = Counter(item.dealer for item in collector.seen if item.kind == "email")
        if emailed == notified:
            break
        arrived = [(item.dealer, item.kind, item.where) for item in collector.seen
                   if item.kind in ("email", "notification")]
        assert time.monotonic() < deadline, f"emails {emailed} for notifications {notified}: {arrived}"
        time.sleep(0.5)

    assert server_errors == []
    counts = collector.counts()
    for kind in ("html", "json", "ws", "api", "email", "notification"):
        assert counts[kind] > 0, f"collected no {kind} at all: {counts}"
    for key in dealers:
        kinds = {item.kind for item in collector.seen if item.dealer == key}
        assert {"html", "json", "ws", "api"} <= kinds, f"{key}: {kinds}"
    assert not collector.unreadable, collector.unreadable
    # The checks find what they look for: Bruno's own pages show his maximum, and on the staff's view of the
    # auction they find all three secrets.
    assert any(amount_pattern(BRUNO_MAX).search(item.text) for item in collector.seen if item.dealer == "bruno")
    admin.goto(f"{base}/admin/auctions/auction/{auction.pk}/change/")
    probe = DealerViewCollector(dealers=dealers, reserve_minor=RESERVE, seen=[Seen("carla", "html", "admin",
                                                                                  admin.content())])
    found = " ".join(probe.leaks())
    assert "the reserve" in found and "anja's identity" in found and "bruno's maximum" in found, found
    print(f"\njourney: {shots.summary()}\njourney: dealer-visible outputs collected: {dict(sorted(counts.items()))}")
    assert collector.leaks() == []
