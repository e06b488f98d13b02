// Gavel: small progressive enhancements. Pages work without JavaScript.
(function () {
  "use strict";

  // The words the page scripts write (live.js, countdown.js), in the reader's language: <script id="live-texts">
  // (live/templatetags/live.py), {name} fields filled in. One reader for all of them: Gavel.text(key, values).
  var texts = null;
  window.Gavel = window.Gavel || {};
  window.Gavel.text = function (key, values) {
    if (texts === null) {
      var el = document.getElementById("live-texts");
      try { texts = el ? JSON.parse(el.textContent) : {}; } catch (e) { texts = {}; }
    }
    var text = texts[key] || "";
    Object.keys(values || {}).forEach(function (name) { text = text.split("{" + name + "}").join(values[name]); });
    return text;
  };

  function onReady(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  onReady(function () {
    // Mobile navigation toggle.
    var toggle = document.querySelector("[data-nav-toggle]");
    var nav = document.getElementById("site-nav");
    if (toggle && nav) {
      toggle.addEventListener("click", function () {
        var open = nav.classList.toggle("open");
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
      });
    }

    // Buttons that ask before doing something irreversible: <button data-confirm="...">
    document.addEventListener("click", function (event) {
      var el = event.target.closest("[data-confirm]");
      if (el && !window.confirm(el.getAttribute("data-confirm"))) {
        event.preventDefault();
        event.stopPropagation();
      }
    }, true);

    // A choice that takes effect at once (the language switcher): <select data-autosubmit> sends its form.
    document.addEventListener("change", function (event) {
      var el = event.target.closest("[data-autosubmit]");
      if (el && el.form) el.form.submit();
    });
  });
})();
