// The listing wizard's first step: once a full VIN is typed, ask the server what it encodes (decoded offline,
// marketplace/vin_decode.py) and fill the make and the year where they are still empty. The seller sees what was
// filled in and confirms or corrects it; nothing they typed is overwritten. Without JavaScript nothing changes.
(function () {
  "use strict";

  function start() {
    var form = document.querySelector("form[data-vin-decode-url]");
    if (!form) return;
    var vin = form.querySelector("input[name=vin]");
    var make = form.querySelector("input[name=make]");
    var year = form.querySelector("input[name=first_registration_year]");
    var note = form.querySelector("[data-vin-decoded]");
    var asked = "";
    function decode() {
      var value = (vin.value || "").trim().toUpperCase();
      if (value.length !== 17 || value === asked) return;
      asked = value;
      fetch(form.getAttribute("data-vin-decode-url") + "?vin=" + encodeURIComponent(value),
            { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (facts) {
          if (!facts || !facts.make) return;
          var filled = [];
          if (make && !make.value) { make.value = facts.make; filled.push("make " + facts.make); }
          if (year && !year.value && facts.model_year) {
            year.value = facts.model_year;
            filled.push("model year " + facts.model_year);
          }
          if (note) {
            note.textContent = "From the VIN: " + facts.make + (facts.country ? ", built in " + facts.country : "") +
              (facts.model_year ? ", model year " + facts.model_year : "") + "." +
              (filled.length ? " We filled in the " + filled.join(" and the ") + ": please check it." : "");
            note.hidden = false;
          }
        }, function () {});
    }
    if (vin) {
      vin.addEventListener("change", decode);
      vin.addEventListener("input", decode);
    }
  }

  if (document.readyState !== "loading") start();
  else document.addEventListener("DOMContentLoaded", start);
})();
