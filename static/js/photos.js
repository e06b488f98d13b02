// Photo page: upload as soon as files are chosen (htmx swaps in the new thumbnails).
// Without JavaScript the "Upload" button posts the form and the page reloads.
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("[data-photo-input]") || !input.files || !input.files.length) return;
    var form = input.closest("form[data-photo-upload]");
    if (!form) return;
    if (typeof form.requestSubmit === "function") form.requestSubmit();
    else form.submit();
  });

  // While htmx uploads, keep the button from being pressed twice.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.target.closest && event.target.closest("form[data-photo-upload]");
    var button = form && form.querySelector("[data-upload-button]");
    if (button) button.disabled = true;
  });
})();
