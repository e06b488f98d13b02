// Photo galleries ([data-gallery]) and full-screen zoom for any photo link marked data-lightbox.
//
// The track is a CSS scroll-snap row, so a finger swipes it natively; the arrow buttons, the thumbnails and the
// arrow keys (when the track has focus) move it one photo at a time. A photo link opens a full-screen <dialog>:
// ← and → page through the photos of the same group, Enter, Space or a click zooms in and out, Escape closes
// and gives focus back to the link. Without JavaScript every photo is simply a link to its large version.
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  function gallery(root) {
    var track = root.querySelector("[data-gallery-track]");
    if (!track) return;
    var slides = Array.prototype.slice.call(track.querySelectorAll("[data-gallery-slide]"));
    var count = root.querySelector("[data-gallery-count]");
    var controls = root.querySelector("[data-gallery-controls]");
    if (controls) controls.hidden = false;

    function current() {
      var width = track.clientWidth || 1;
      return Math.max(0, Math.min(slides.length - 1, Math.round(track.scrollLeft / width)));
    }
    function go(index) {
      index = (index + slides.length) % slides.length;
      track.scrollTo({ left: index * track.clientWidth, behavior: "smooth" });
      if (count) count.textContent = (index + 1) + " / " + slides.length;
    }
    var timer = null;
    track.addEventListener("scroll", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        if (count) count.textContent = (current() + 1) + " / " + slides.length;
      }, 80);
    });
    var prev = root.querySelector("[data-gallery-prev]"), next = root.querySelector("[data-gallery-next]");
    if (prev) prev.addEventListener("click", function () { go(current() - 1); });
    if (next) next.addEventListener("click", function () { go(current() + 1); });
    track.addEventListener("keydown", function (event) {
      if (event.key === "ArrowLeft") { go(current() - 1); event.preventDefault(); }
      if (event.key === "ArrowRight") { go(current() + 1); event.preventDefault(); }
    });
    Array.prototype.forEach.call(root.querySelectorAll("[data-gallery-thumb]"), function (thumb) {
      thumb.addEventListener("click", function (event) {
        event.preventDefault();
        go(parseInt(thumb.getAttribute("data-gallery-thumb"), 10));
      });
    });
  }

  // One full-screen viewer for the page.
  var dialog = null, image = null, caption = null, group = [], at = 0, opener = null;

  // The viewer's words, in the page's language: data-* of the page's [data-lightbox-texts] (includes/_gallery.html),
  // English where a page has none.
  var ENGLISH = {fullScreen: "Photo, full screen", previous: "Previous photo", next: "Next photo", zoom: "Zoom",
                 close: "Close", photo: "Photo", caption: "{name} ({number} of {count})"};
  function text(key) {
    var holder = document.querySelector("[data-lightbox-texts]");
    return (holder && holder.dataset[key]) || ENGLISH[key];
  }

  function viewer() {
    if (dialog) return dialog;
    dialog = document.createElement("dialog");
    dialog.className = "lightbox";
    dialog.setAttribute("aria-label", text("fullScreen"));
    dialog.innerHTML =
      '<div class="lightbox-bar">' +
      '<button type="button" class="button button-small" data-lb-prev>‹</button>' +
      '<span class="lightbox-caption" aria-live="polite"></span>' +
      '<button type="button" class="button button-small" data-lb-next>›</button>' +
      '<button type="button" class="button button-small" data-lb-zoom aria-pressed="false"></button>' +
      '<button type="button" class="button button-small" data-lb-close></button>' +
      "</div>" +
      '<div class="lightbox-stage"><img alt=""></div>';
    dialog.querySelector("[data-lb-prev]").setAttribute("aria-label", text("previous"));
    dialog.querySelector("[data-lb-next]").setAttribute("aria-label", text("next"));
    dialog.querySelector("[data-lb-zoom]").textContent = text("zoom");
    dialog.querySelector("[data-lb-close]").textContent = text("close");
    document.body.appendChild(dialog);
    image = dialog.querySelector("img");
    caption = dialog.querySelector(".lightbox-caption");
    var zoom = dialog.querySelector("[data-lb-zoom]");
    function toggleZoom() {
      var on = dialog.classList.toggle("zoomed");
      zoom.setAttribute("aria-pressed", on ? "true" : "false");
    }
    dialog.querySelector("[data-lb-prev]").addEventListener("click", function () { show(at - 1); });
    dialog.querySelector("[data-lb-next]").addEventListener("click", function () { show(at + 1); });
    dialog.querySelector("[data-lb-close]").addEventListener("click", function () { dialog.close(); });
    zoom.addEventListener("click", toggleZoom);
    image.addEventListener("click", toggleZoom);
    dialog.addEventListener("keydown", function (event) {
      if (event.key === "ArrowLeft") { show(at - 1); event.preventDefault(); }
      if (event.key === "ArrowRight") { show(at + 1); event.preventDefault(); }
    });
    dialog.addEventListener("close", function () {
      dialog.classList.remove("zoomed");
      if (opener) opener.focus();
    });
    return dialog;
  }

  function show(index) {
    at = (index + group.length) % group.length;
    var link = group[at], img = link.querySelector("img");
    image.src = link.getAttribute("href");
    image.alt = img ? img.alt : "";
    caption.textContent = text("caption").replace("{name}", img ? img.alt : text("photo"))
      .replace("{number}", String(at + 1)).replace("{count}", String(group.length));
    dialog.classList.remove("zoomed");
    var both = group.length > 1;
    dialog.querySelector("[data-lb-prev]").hidden = !both;
    dialog.querySelector("[data-lb-next]").hidden = !both;
  }

  onReady(function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-gallery]"), gallery);
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("a[data-lightbox]");
      if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
      event.preventDefault();
      var scope = link.closest("[data-gallery], [data-lightbox-group]") || document;
      group = Array.prototype.slice.call(scope.querySelectorAll("a[data-lightbox]"));
      opener = link;
      viewer();
      show(Math.max(0, group.indexOf(link)));
      dialog.showModal();
      dialog.querySelector("[data-lb-close]").focus();
    });
  });
})();
