// Live updates over WebSockets (see live/consumers.py for the frames).
//
// - The auction page ([data-live-auction]) follows /ws/auctions/<id>/: price, bid count, reserve badge, leader
//   and "You lead"/"Outbid", the next valid bid, bid history and the countdown's end.
// - The dealer dashboard ([data-live-dashboard]) follows /ws/dashboard/ and updates the matching cards.
// - The sale page ([data-live-sale]) follows /ws/sales/<id>/: on every change of the sale (paid, handed over, paid
//   out…) it re-reads the page with the viewer's own session and swaps in each [data-sale-live] part whose server
//   rendering changed; a part nobody changed on the server (a half-typed collection form) stays as it is.
// - Every signed-in page (<body data-live-user>) follows /ws/user/ and shows notifications ("You have been
//   outbid on …") as a toast.
//
// Every frame is the full public state of one auction with a sequence number (event_seq) and the first event
// it covers (coalesced_from). A frame that does not follow the state on screen (a gap) makes the page refetch
// the state over REST. After any (re)connection the page resyncs over REST before it applies live frames again;
// while the socket is down it says so and reconnects with capped, jittered exponential backoff.
(function () {
  "use strict";

  var CLOSE_REFUSED = 4403;
  var CLOSE_SIGNED_OUT = 4401;  // the user's access was revoked (live.consumers): reconnecting would be refused
  var BACKOFF_FIRST_MS = 500, BACKOFF_MAX_MS = 15000;
  // The words this script writes, in the reader's language: <script id="live-texts"> (live/templatetags/live.py).
  var t = window.Gavel.text;  // static/js/gavel.js
  function bidsText(count) { return t(count === 1 ? "bids_one" : "bids_other", { count: count }); }
  // A bidder's anonymous name ("Dealer 3") as the reader reads it; the label itself stays as the server sent it.
  function labelShown(label) {
    var match = /^Dealer (\d+)$/.exec(label || "");
    if (match) return t("dealer_number", { number: match[1] });
    return label === "Dealer" || !label ? t("dealer") : label;
  }
  var MY_STATE = { leading: ["badge-ok", t("you_lead")], outbid: ["badge-err", t("outbid")],
                   not_bidding: ["", t("not_bidding")] };
  var OUTCOME = { sold: ["badge-ok", t("sold")], awaiting_seller: ["badge-warn", t("awaiting_seller")],
                  no_bids: ["", t("no_bids")], unsold: ["", t("unsold")], cancelled: ["badge-err", t("cancelled")] };

  // Money in minor units, like core.money's format(show_minor=False) in the page's language: €12,500, 12.500 € in
  // German (¥12,500 for a currency without minor units). The site's currency and its minor digits come from the page (<html data-currency
  // data-currency-digits>, from core.money), so the script keeps no table of its own.
  var PAGE = document.documentElement;
  var CURRENCY = PAGE.getAttribute("data-currency") || "EUR";
  var DIGITS = parseInt(PAGE.getAttribute("data-currency-digits") || "2", 10);
  var LANG = PAGE.getAttribute("lang") || "en-GB";

  function money(minor) {
    if (minor === null || minor === undefined) return "—";
    var scale = Math.pow(10, DIGITS), shown = minor % scale === 0 ? 0 : DIGITS;
    try {
      return new Intl.NumberFormat(LANG, { style: "currency", currency: CURRENCY,
        minimumFractionDigits: shown, maximumFractionDigits: shown }).format(minor / scale);
    } catch (e) {
      return (minor / scale).toFixed(shown) + " " + CURRENCY;
    }
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    });
  }

  function serverTime(iso) {
    var ms = Date.parse(iso);
    if (!isNaN(ms)) document.dispatchEvent(new CustomEvent("gavel:server-time", { detail: ms }));
  }

  // "Reconnecting…" banner, shared by every socket on the page.
  var down = {};
  function banner(name, isDown, quiet) {
    // A quiet socket (the user's notifications) has nothing on screen that could go stale: no banner.
    if (quiet) return;
    if (isDown) down[name] = true; else delete down[name];
    var el = document.querySelector(".live-banner");
    if (!el) {
      el = document.createElement("div");
      el.className = "live-banner";
      el.setAttribute("role", "status");
      el.textContent = t("connection_lost");
      el.hidden = true;
      document.body.appendChild(el);
    }
    el.hidden = Object.keys(down).length === 0;
  }

  // One socket: resync on every (re)connection before applying frames; frames arriving meanwhile wait.
  // The "Reserve met / not met" badge (never the amount), once there is a price to compare.
  function showReserve(el, s) {
    if (!el || s.price_minor === null) return;
    el.innerHTML = "";
    var badge = document.createElement("span");
    badge.className = "badge " + (s.reserve_met ? "badge-ok" : "badge-warn");
    badge.textContent = s.reserve_met ? t("reserve_met") : t("reserve_not_met");
    el.appendChild(badge);
  }

  function LiveSocket(name, path, handlers) {
    var attempt = 0, ready = false, buffered = [], timer = null, socket = null, generation = 0;
    function url() { return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + path; }

    function mark(state) { document.documentElement.setAttribute("data-live-" + name, state); }

    function flush() {
      ready = true;
      mark("ready");
      var waiting = buffered;
      buffered = [];
      waiting.forEach(handlers.frame);
      banner(name, false, handlers.quiet);
    }

    function resync() {
      ready = false;
      var mine = generation;
      return handlers.resync().then(function () {
        if (mine === generation) flush();
      }, function () {
        if (mine === generation && socket) socket.close();  // try again through the reconnect path
      });
    }

    function open() {
      timer = null;
      generation += 1;
      socket = new WebSocket(url());
      var opened = false;
      socket.onopen = function () { opened = true; attempt = 0; resync(); };
      socket.onmessage = function (event) {
        var frame;
        try { frame = JSON.parse(event.data); } catch (e) { return; }
        if (ready) handlers.frame(frame); else buffered.push(frame);
      };
      socket.onclose = function (event) {
        ready = false;
        buffered = [];
        mark("down");
        if (event.code === CLOSE_REFUSED || event.code === CLOSE_SIGNED_OUT) {
          banner(name, false, handlers.quiet);
          return;
        }
        // A refused handshake (403) cannot be told apart from a network error in the browser: after a few
        // failed attempts without ever opening, the backoff simply grows to its cap.
        banner(name, true, handlers.quiet);
        var cap = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * Math.pow(2, attempt));
        attempt += 1;
        var delay = cap / 2 + Math.random() * cap / 2;
        if (!opened && attempt > 8) delay = BACKOFF_MAX_MS;
        timer = window.setTimeout(open, delay);
      };
    }

    open();
    return { resync: resync };
  }

  // ---------------------------------------------------------------- auction page
  function auctionPage(root) {
    var id = root.getAttribute("data-live-auction");
    var seq = parseInt(root.getAttribute("data-event-seq"), 10) || 0;
    var status = root.getAttribute("data-status"), outcome = root.getAttribute("data-outcome");
    var myLabel = root.getAttribute("data-my-label") || null;
    var live;

    function q(sel) { return root.querySelector(sel); }

    function myStateFor(leader) {
      if (!myLabel) return null;
      return leader === myLabel ? "leading" : "outbid";
    }

    function applyState(s, myState) {
      if (s.status !== status || s.outcome !== outcome) {
        // The page's structure changes (bid box, decision, result): let the server render it.
        window.location.reload();
        return;
      }
      var price = q("[data-price]");
      if (price) price.textContent = money(s.price_minor !== null ? s.price_minor : s.starting_price_minor);
      var label = q("[data-price-label]");
      if (label && s.price_minor !== null) label.textContent = t("current_price");
      var count = q("[data-bid-count]");
      if (count) count.textContent = bidsText(s.bid_count);
      showReserve(q("[data-reserve]"), s);
      var leader = q("[data-leader-label]");
      if (leader && s.leader_label) leader.textContent = labelShown(s.leader_label);
      var countdown = q(".countdown[data-ends-at]");
      if (countdown && s.ends_at) countdown.setAttribute("data-ends-at", s.ends_at);
      var badgeEl = q("[data-my-state]");
      if (badgeEl && myState && MY_STATE[myState]) {
        badgeEl.setAttribute("data-my-state", myState);
        badgeEl.className = "badge my-state " + MY_STATE[myState][0];
        badgeEl.textContent = MY_STATE[myState][1];
      }
      var maxLabel = q("[data-max-label]");
      if (maxLabel && myState) maxLabel.textContent = myState === "leading" ? t("raise_maximum") : t("set_maximum");
      // The all-in prices (amount + the buyer fee) come from the server, which holds the fee schedule: a live
      // frame carries none, so the page asks for them.
      if (s.price_all_in_minor !== undefined) {
        showAllIn(s);
      } else if (q("[data-price-all-in]")) {
        getJSON(root.getAttribute("data-state-url")).then(showAllIn);
      }
      var form = q("[data-bid-now-form]");
      if (form && s.minimum_next_bid_minor) {
        form.hidden = myState === "leading";
        var input = form.querySelector("input[name=amount_minor]");
        if (input) input.value = s.minimum_next_bid_minor;
        var button = form.querySelector("[data-bid-now]");
        if (button) button.textContent = t("bid_now", { amount: money(s.minimum_next_bid_minor) });
        allIn(s);
      }
      seq = s.event_seq;
      root.setAttribute("data-event-seq", String(seq));
    }

    function showAllIn(s) {
      var price = q("[data-price-all-in]");
      if (price) price.textContent = s.price_all_in_minor ? t("all_in", { amount: money(s.price_all_in_minor) }) : "";
    }

    // The all-in price (the bid plus the buyer fee, payments.fee_schedule) comes with the REST state only, not
    // in the public frames: after a frame moves the next bid, the page asks the state once, a moment later.
    var allInTimer = null;
    function allIn(s) {
      var el = q("[data-all-in-amount]");
      if (!el) return;
      if (s.all_in_next_bid_minor !== undefined) {
        el.textContent = money(s.all_in_next_bid_minor);
        el.setAttribute("data-for", String(s.minimum_next_bid_minor));
        return;
      }
      if (el.getAttribute("data-for") === String(s.minimum_next_bid_minor)) return;
      window.clearTimeout(allInTimer);
      allInTimer = window.setTimeout(function () {
        getJSON(root.getAttribute("data-state-url")).then(function (fresh) {
          if (fresh.all_in_next_bid_minor !== undefined && fresh.minimum_next_bid_minor) {
            el.textContent = money(fresh.all_in_next_bid_minor);
            el.setAttribute("data-for", String(fresh.minimum_next_bid_minor));
          }
        }, function () {});
      }, 400);
    }

    function bidItem(bid) {
      var li = document.createElement("li");
      var mine = bid.is_mine || (myLabel && bid.label === myLabel);
      if (mine) li.className = "mine";
      var who = document.createElement("span");
      who.className = "bid-label";
      who.textContent = (bid.dealer_name || labelShown(bid.label)) + (mine ? " (" + t("you") + ")" : "");
      var amount = document.createElement("span");
      amount.className = "bid-amount";
      amount.textContent = money(bid.amount_minor);
      var when = document.createElement("span");
      when.className = "muted small";
      var at = new Date(bid.created_at);
      when.textContent = (bid.kind === "auto" ? t("automatic") + " · " : "") +
        (isNaN(at) ? "" : at.toLocaleTimeString(LANG, { hour12: false }));
      li.appendChild(who); li.appendChild(amount);
      if (bid.all_in_minor) {
        var allIn = document.createElement("span");
        allIn.className = "muted small";
        allIn.setAttribute("data-bid-all-in", "");
        allIn.textContent = t("all_in", { amount: money(bid.all_in_minor) });
        li.appendChild(document.createTextNode(" "));
        li.appendChild(allIn);
      }
      li.appendChild(when);
      return li;
    }

    function showHistory(list) {
      list.hidden = !list.children.length;
      var none = q("[data-no-bids]");
      if (none) none.hidden = list.children.length > 0;
    }

    function prependBids(bids) {
      var list = q("[data-bid-history]");
      if (!list) return;
      bids.forEach(function (bid) { list.insertBefore(bidItem(bid), list.firstChild); });
      while (list.children.length > 50) list.removeChild(list.lastChild);
      showHistory(list);
    }

    function resync() {
      return Promise.all([getJSON(root.getAttribute("data-state-url")),
                          getJSON(root.getAttribute("data-bids-url"))]).then(function (both) {
        var s = both[0], bids = both[1];
        if (s.my_label) myLabel = s.my_label;
        serverTime(s.server_time);
        applyState(s, s.my_state || null);
        var list = q("[data-bid-history]");
        if (list) {
          list.innerHTML = "";
          (bids.results || bids).forEach(function (bid) { list.appendChild(bidItem(bid)); });
          showHistory(list);
        }
      });
    }

    // A bidder who may no longer buy was withdrawn and the auction worked out again: the history was rewritten and
    // the price may have gone down, so the page refetches it all and says why.
    function repriced() {
      var notice = q("[data-repriced-notice]");
      if (!notice) {
        notice = document.createElement("div");
        notice.className = "alert alert-warning small";
        notice.setAttribute("role", "status");
        notice.setAttribute("data-repriced-notice", "");
        notice.textContent = t("repriced");
        var box = q("#bid-box");
        if (box) box.insertBefore(notice, box.firstChild);
      }
      live.resync();
    }

    function frame(f) {
      if (f.type !== "state" || String(f.auction_id) !== id || f.event_seq <= seq) return;
      if (f.kind === "repriced") { repriced(); return; }
      if (f.coalesced_from > seq + 1) { live.resync(); return; }  // missed events: the history needs the API
      applyState(f, myStateFor(f.leader_label));
      prependBids(f.new_bids || []);
    }

    live = LiveSocket("auction", "/ws/auctions/" + id + "/", { resync: resync, frame: frame });
    // The end is the server's to decide; if the close never reached us, ask the API shortly after the end.
    window.setInterval(function () {
      var countdown = q(".countdown[data-ends-at]");
      if (!countdown || status !== "live") return;
      if (countdown.textContent === t("ending") && !document.hidden) live.resync();
    }, 5000);
  }

  // ---------------------------------------------------------------- dashboard
  function dashboard(root) {
    var apiBase = root.getAttribute("data-api-base");

    function cards() { return Array.prototype.slice.call(root.querySelectorAll(".auction-card[data-auction-id]")); }

    // Each card's polite live region ([data-card-announce], present from the first render so screen readers
    // follow it) says what changed: a new price, the lead won or lost, the end. Nothing is said when a resync
    // finds the card as it was.
    function announce(card, before, s, myState) {
      var region = card.querySelector("[data-card-announce]");
      if (!region) return;
      var title = card.getAttribute("data-title") || t("this_car");
      var price = s.price_minor !== null ? money(s.price_minor) : null;
      var bids = bidsText(s.bid_count);
      var text = "";
      if (s.status !== "live" && s.status !== "scheduled" && before.live) {
        text = t("announce_ended", { title: title, outcome: (OUTCOME[s.outcome] || ["", t("ended")])[1] });
      } else if (myState && myState !== before.myState && myState === "outbid") {
        text = t("announce_lost_lead", { title: title, price: price, bids: bids });
      } else if (myState && myState !== before.myState && myState === "leading") {
        text = t("announce_leading", { title: title, price: price });
      } else if (price && price !== before.price) {
        text = t("announce_price", { title: title, price: price, bids: bids }) +
          (myState === "leading" ? " " + t("announce_you_lead") : "");
      }
      if (text) region.textContent = text;
    }

    function applyCard(card, s, myState) {
      var seq = parseInt(card.getAttribute("data-event-seq"), 10) || 0;
      if (s.event_seq < seq) return;
      card.setAttribute("data-event-seq", String(s.event_seq));
      var stateEl = card.querySelector("[data-my-state]"), priceEl = card.querySelector("[data-price]");
      var before = { price: priceEl ? priceEl.textContent.trim() : null,
                     myState: stateEl ? stateEl.getAttribute("data-my-state") : null,
                     live: !!card.querySelector(".countdown[data-ends-at]") };
      var price = card.querySelector("[data-price]");
      if (price && s.price_minor !== null) price.textContent = money(s.price_minor);
      var count = card.querySelector("[data-bid-count]");
      if (count && s.price_minor !== null) count.textContent = bidsText(s.bid_count);
      showReserve(card.querySelector("[data-reserve]"), s);
      var countdown = card.querySelector(".countdown[data-ends-at]");
      if (countdown && s.status === "live") countdown.setAttribute("data-ends-at", s.ends_at);
      if (countdown && s.status !== "live" && s.status !== "scheduled") {
        var ended = OUTCOME[s.outcome] || ["", t("ended")];
        var result = document.createElement("span");
        result.className = "badge " + ended[0];
        result.textContent = ended[1];
        countdown.replaceWith(result);
      }
      var badgeEl = card.querySelector("[data-my-state]");
      if (badgeEl && myState && MY_STATE[myState]) {
        badgeEl.setAttribute("data-my-state", myState);
        badgeEl.className = "badge my-state " + MY_STATE[myState][0];
        badgeEl.textContent = MY_STATE[myState][1];
      }
      announce(card, before, s, myState);
    }

    function frame(f) {
      if (f.type !== "summary") return;
      var card = root.querySelector('.auction-card[data-auction-id="' + f.auction_id + '"]');
      if (!card) return;
      var seq = parseInt(card.getAttribute("data-event-seq"), 10) || 0;
      if (f.event_seq <= seq) return;
      // A summary is the card's whole state, so a gap in event_seq needs no refetch here.
      var myLabel = card.getAttribute("data-my-label");
      applyCard(card, f, myLabel ? (f.leader_label === myLabel ? "leading" : "outbid") : null);
    }

    function resync() {
      return Promise.all(cards().map(function (card) {
        return getJSON(apiBase + card.getAttribute("data-auction-id") + "/").then(function (s) {
          serverTime(s.server_time);
          if (s.my_label) card.setAttribute("data-my-label", s.my_label);
          applyCard(card, s, s.my_state || null);
        });
      }));
    }

    LiveSocket("dashboard", "/ws/dashboard/", { resync: resync, frame: frame });
  }

  // ---------------------------------------------------------------- sale page
  function salePage(root) {
    var id = root.getAttribute("data-live-sale");
    var rendered = {}, inFlight = null, again = false;

    function name(el) { return el.getAttribute("data-sale-live"); }
    function parts(doc) { return Array.prototype.slice.call(doc.querySelectorAll("[data-sale-live]")); }
    // The CSRF token is masked afresh on every render: it is not a change.
    function plain(el) { return el.outerHTML.replace(/(name="csrfmiddlewaretoken" value=")[^"]*"/g, "$1\""); }

    parts(document).forEach(function (el) { rendered[name(el)] = plain(el); });

    function apply(html) {
      var fresh = new DOMParser().parseFromString(html, "text/html");
      parts(fresh).forEach(function (el) {
        var key = name(el), now = plain(el);
        if (rendered[key] === now) return;
        var current = document.querySelector('[data-sale-live="' + key + '"]');
        if (!current) return;
        current.replaceWith(document.importNode(el, true));
        rendered[key] = now;
      });
    }

    function refresh() {
      if (inFlight) { again = true; return inFlight; }
      inFlight = fetch(location.pathname, { credentials: "same-origin", headers: { "X-Live-Refresh": "1" } })
        .then(function (r) {
          if (!r.ok) throw new Error("HTTP " + r.status);
          return r.text();
        })
        .then(apply)
        .finally(function () {
          inFlight = null;
          if (again) { again = false; refresh(); }
        });
      return inFlight;
    }

    LiveSocket("sale", "/ws/sales/" + id + "/", {
      resync: refresh,
      frame: function (f) { if (f.type === "sale" && String(f.sale_id) === id) refresh(); },
    });
  }

  // ---------------------------------------------------------------- the user's own channel
  function userChannel(path) {
    function toast(f) {
      var box = document.querySelector(".live-toasts");
      if (!box) {
        box = document.createElement("div");
        box.className = "live-toasts";
        box.setAttribute("role", "status");
        box.setAttribute("aria-live", "polite");
        document.body.appendChild(box);
      }
      var item = document.createElement("div");
      item.className = "live-toast live-toast-" + (f.kind || "info");
      var text = document.createElement(f.url ? "a" : "span");
      if (f.url) text.href = f.url;
      text.textContent = f.title;
      var close = document.createElement("button");
      close.type = "button";
      close.className = "link-button";
      close.setAttribute("aria-label", t("dismiss"));
      close.textContent = "×";
      close.addEventListener("click", function () { item.remove(); });
      item.appendChild(text);
      item.appendChild(close);
      box.appendChild(item);
      window.setTimeout(function () { item.remove(); }, 15000);
    }

    LiveSocket("user", path, {
      quiet: true,
      resync: function () { return Promise.resolve(); },  // notifications are also kept as rows and emails
      frame: function (f) {
        if (f.type !== "notification") return;
        toast(f);
        // The bell in the header counts it at once; the notifications page reads the rows themselves.
        document.querySelectorAll("[data-unread-count]").forEach(function (el) {
          el.textContent = String((parseInt(el.textContent, 10) || 0) + 1);
        });
      },
    });
  }

  function start() {
    if (!("WebSocket" in window)) return;
    var page = document.querySelector("[data-live-auction]");
    if (page) auctionPage(page);
    var board = document.querySelector("[data-live-dashboard]");
    if (board) dashboard(board);
    var sale = document.querySelector("[data-live-sale]");
    if (sale) salePage(sale);
    var userPath = document.body.getAttribute("data-live-user");
    if (userPath) userChannel(userPath);
  }

  if (document.readyState !== "loading") start();
  else document.addEventListener("DOMContentLoaded", start);
})();
