"""Everything a dealer is shown during the journey, and the checks that none of it gives away a secret.

Collected per dealer: every HTTP response their browser context receives (pages, htmx fragments, API JSON
fetched by the page's scripts), every WebSocket frame their pages receive, the API as they see it (their own
session), their in-app notifications and the emails addressed to them (the file-based email backend of the
server and worker processes)."""

import email
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from email.policy import default as default_policy
from pathlib import Path
from typing import TYPE_CHECKING

from playwright.sync_api import Error as PlaywrightError

if TYPE_CHECKING:
    from accounts.models import User

# Keys whose integer value names a user (another dealer's id under one of them is an identity leak).
USER_KEYS = {"dealer", "dealer_id", "leader", "leader_id", "winner", "winner_id", "user", "user_id", "bidder",
             "bidder_id", "buyer", "buyer_id"}
# Keys that never belong in a dealer's view, whatever their value.
SECRET_KEYS = {"reserve_minor", "reserve", "reserve_price", "reserve_price_minor", "leader_max_minor", "max_minor"}


def amount_pattern(minor: int) -> re.Pattern:
    """An amount in every shape it could be shown in: 1217000, 12170, 12,170, 12.170, 12 170, €12,170.00 …"""
    whole, cents = divmod(minor, 100)
    assert cents == 0 and 10_000 <= whole < 100_000, "pick a distinctive whole amount of five digits"
    head, tail = divmod(whole, 1000)
    return re.compile(rf"(?<![0-9A-Za-z])(?:{minor}|{head}[,.\s\u00a0\u202f']?{tail:03d})(?![0-9A-Za-z])")


@dataclass
class Seen:
    dealer: str
    kind: str  # html, fragment, json, text, ws, api, email, notification
    where: str
    text: str


@dataclass
class Dealer:
    key: str
    user: "User"
    company_name: str
    licence: str
    max_minor: int | None = None

    def identity(self) -> list[str]:
        surname = self.user.full_name.split()[-1]
        return [self.user.full_name, self.user.email, self.company_name, self.licence, surname]


@dataclass
class DealerViewCollector:
    dealers: dict[str, Dealer]
    reserve_minor: int
    seen: list[Seen] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)

    # ----------------------------------------------------------------- collecting
    def watch(self, context, key: str) -> None:
        """Record every response this dealer's browser context receives (pages, fragments, fetches)."""
        context.on("response", lambda response: self._response(key, response, context))

    def new_page(self, context, key: str):
        page = context.new_page()
        page.on("websocket", lambda ws: ws.on(
            "framereceived", lambda payload: self._add(key, "ws", ws.url, payload)))
        return page

    def _response(self, key: str, response, context) -> None:
        url = response.url
        if "/static/" in url or 300 <= response.status < 400:
            return  # static assets are the same for everybody; a redirect has no body
        content_type = response.headers.get("content-type", "")
        if not (content_type.startswith("text/") or "json" in content_type):
            return  # photos
        try:
            text = response.text()
        except PlaywrightError as exc:
            if "navigated away" not in str(exc) or response.request.method != "GET":
                self.unreadable.append(f"{url}: {exc}")
                return
            # The page went on (a reload) before the body arrived, so the browser dropped it: what the
            # dealer would have got is what the same request with their session gets now.
            text = context.request.get(url, headers=response.request.headers).text()
        if "json" in content_type:
            kind = "json"
        elif response.request.headers.get("hx-request"):
            kind = "fragment"
        elif content_type.startswith("text/html"):
            kind = "html"
        else:
            kind = "text"
        self._add(key, kind, url, text)

    def _add(self, key: str, kind: str, where: str, text) -> None:
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        self.seen.append(Seen(key, kind, where, text))

    def api(self, context, key: str, path: str, base: str) -> dict:
        """The API as this dealer sees it, with their own session."""
        response = context.request.get(base + path, headers={"Accept": "application/json"})
        assert response.ok, f"{key} GET {path}: {response.status} {response.text()[:300]}"
        self._add(key, "api", path, response.text())
        return response.json()

    def notifications(self) -> None:
        from core.models import Notification

        for key, dealer in self.dealers.items():
            for row in Notification.objects.filter(user=dealer.user):
                self._add(key, "notification", row.kind, "\n".join([row.title, row.body, row.url]))

    def emails(self, mail_dir: Path) -> list[tuple[str, str]]:
        """(Re)read every email the server and the worker wrote; keep the dealers'. Returns (to, subject) of all."""
        self.seen = [item for item in self.seen if item.kind != "email"]
        everything = []
        for path in sorted(mail_dir.glob("*.log")):
            # The file backend writes each message followed by a line of 79 dashes.
            for raw in path.read_bytes().split(b"-" * 79 + b"\n"):
                if not raw.strip():
                    continue
                # From bytes, so an 8-bit UTF-8 body decodes as UTF-8.
                message = email.message_from_bytes(raw.lstrip(b"\n"), policy=default_policy)
                to = str(message["To"] or "")
                subject = str(message["Subject"] or "")
                everything.append((to, subject))
                body = message.get_body(preferencelist=("plain", "html"))
                text = f"{subject}\n{body.get_content() if body else ''}"
                for key, dealer in self.dealers.items():
                    if dealer.user.email in to:
                        self._add(key, "email", subject, text)
        return everything

    # ----------------------------------------------------------------- checking
    def counts(self) -> Counter:
        return Counter(item.kind for item in self.seen)

    def leaks(self) -> list[str]:
        """Every place a dealer was shown the reserve, another dealer's identity or another dealer's maximum."""
        reserve = amount_pattern(self.reserve_minor)
        found = []
        for item in self.seen:
            others = [d for k, d in self.dealers.items() if k != item.dealer]
            problems = []
            if reserve.search(item.text):
                problems.append("the reserve")
            for other in others:
                problems += [f"{other.key}'s identity ({needle})" for needle in other.identity()
                             if needle.lower() in item.text.lower()]
                if other.max_minor and amount_pattern(other.max_minor).search(item.text):
                    problems.append(f"{other.key}'s maximum")
            problems += self._json_problems(item, others)
            found += [f"{item.dealer} saw {problem} in {item.kind} {item.where}" for problem in problems]
        return found

    def _json_problems(self, item: Seen, others: list[Dealer]) -> list[str]:
        if item.kind not in ("json", "api", "ws"):
            return []
        try:
            data = json.loads(item.text)
        except ValueError:
            return []
        other_ids = {d.user.pk for d in others}
        problems = []

        def walk(node):
            if isinstance(node, dict):
                for k, v in node.items():
                    if k in SECRET_KEYS:
                        problems.append(f"the key {k!r}")
                    if k in USER_KEYS and isinstance(v, int) and not isinstance(v, bool) and v in other_ids:
                        problems.append(f"another dealer's id under {k!r}")
                    walk(v)
            elif isinstance(node, list):
                for v in node:
                    walk(v)

        walk(data)
        return problems
