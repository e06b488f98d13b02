// "Turn on push here" (notification preferences): registers /sw.js, subscribes with the server's VAPID key and
// hands the subscription to the API (core.api.PushSubscriptionApi).
(function () {
  "use strict";
  var button = document.querySelector("[data-push-enable]");
  var status = document.querySelector("[data-push-status]");
  if (!button) return;
  // The sentences come from the page, in its language (core/notification_preferences.html).
  function say(name) { status.textContent = button.getAttribute("data-text-" + name); }
  if (!("serviceWorker" in navigator) || !("PushManager" in window)) {
    button.disabled = true;
    say("unsupported");
    return;
  }
  function key(base64url) {
    var raw = atob(base64url.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((base64url.length + 3) % 4));
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  function csrf() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  button.addEventListener("click", function () {
    navigator.serviceWorker.register("/sw.js").then(function (registration) {
      return registration.pushManager.subscribe({ userVisibleOnly: true,
        applicationServerKey: key(button.getAttribute("data-vapid-key")) });
    }).then(function (subscription) {
      return fetch(button.getAttribute("data-subscribe-url"), {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
        body: JSON.stringify(subscription.toJSON()),
      });
    }).then(function (response) {
      say(response.ok ? "on" : "failed");
    }).catch(function () { say("refused"); });
  });
})();
