// Countdowns: <span class="countdown" data-ends-at="ISO"> inside an element with data-server-time="ISO" and
// data-soft-close-seconds (the rule's window, from the settings: a countdown inside it is marked "soon").
// The offset between the server's clock and this device's is taken once at load, so a wrong phone clock
// does not show a wrong time left (and again on each live resync). The server decides the end; this is only a
// display. Live updates move an end by changing data-ends-at; each tick reads it afresh.
// Its words come in the reader's language from the page (<script id="live-texts">, live/templatetags/live.py).
(function () {
  "use strict";

  var t = window.Gavel.text;  // static/js/gavel.js

  function format(ms) {
    if (ms <= 0) return t("ending");
    var s = Math.floor(ms / 1000);
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    s = s % 60;
    if (d > 0) return t("days_hours", { d: d, h: h });
    if (h > 0) return t("hours_minutes", { h: h, m: m });
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  function start() {
    var holder = document.querySelector("[data-server-time]");
    var serverNow = holder ? Date.parse(holder.getAttribute("data-server-time")) : NaN;
    var offset = isNaN(serverNow) ? 0 : serverNow - Date.now();
    var softCloseMs = 1000 * (parseInt(holder ? holder.getAttribute("data-soft-close-seconds") : "", 10) || 0);
    // live.js learns the server's clock again on every resync (detail: the server's time in ms).
    document.addEventListener("gavel:server-time", function (event) { offset = event.detail - Date.now(); });
    var items = Array.prototype.slice.call(document.querySelectorAll(".countdown[data-ends-at]"));
    if (!items.length) return;
    // The absolute end, in this device's time zone (the server writes it in the site's zone, named).
    var local = document.querySelector("time[data-ends-local]");
    var shownEnd = "";
    function showLocalEnd() {
      var iso = items[0].getAttribute("data-ends-at");
      if (!local || iso === shownEnd) return;
      shownEnd = iso;
      var end = new Date(Date.parse(iso));
      if (isNaN(end.getTime())) return;
      local.setAttribute("datetime", iso);
      try {
        local.textContent = new Intl.DateTimeFormat(document.documentElement.getAttribute("lang") || undefined, { weekday: "short", day: "numeric", month: "short",
          hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "short" }).format(end);
      } catch (e) {
        local.textContent = end.toString();
      }
    }
    function tick() {
      showLocalEnd();
      var now = Date.now() + offset;
      items.forEach(function (el) {
        var left = Date.parse(el.getAttribute("data-ends-at")) - now;
        el.textContent = format(left);
        el.classList.toggle("countdown-soon", left > 0 && left <= softCloseMs);
      });
    }
    tick();
    window.setInterval(tick, 1000);
  }

  if (document.readyState !== "loading") start();
  else document.addEventListener("DOMContentLoaded", start);
})();
