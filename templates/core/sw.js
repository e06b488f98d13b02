// Gavel's service worker: shows web pushes (core.push) and opens the page a notification links to.
"use strict";

self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { title: event.data.text() }; }
  event.waitUntil(self.registration.showNotification(data.title || "Gavel", {
    body: data.body || "", tag: data.id ? "gavel-" + data.id : undefined, data: { url: data.url || "/notifications/" },
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = (event.notification.data && event.notification.data.url) || "/notifications/";
  if (url.charAt(0) !== "/" || url.charAt(1) === "/") url = "/notifications/";  // our own pages only
  event.waitUntil(self.clients.openWindow(url));
});
