// The listing wizard's first step: once a full VIN is typed, ask the server what it encodes (decoded offline,
// marketplace/vin_decode.py) and fill the make and the year where they are still empty. The seller sees what was
// filled in and confirms or corrects it; nothing they typed is overwritten. Without JavaScript nothing changes.
// The sentence's parts come translated from the page (data-text-* on [data-vin-decoded]), with {named} fields.
(function () {
  "use strict";

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (whole, name) { return name in values ? values[name] : whole; });
  }

  function start() {
    var form = document.querySelector("form[data-vin-decode-url]");
    if (!form) return;
    var vin = form.querySelector("input[name=vin]");
    var make = form.querySelector("input[name=make]");
    var year = form.querySelector("input[name=first_registration_year]");
    var note = form.querySelector("[data-vin-decoded]");
    var asked = "";
    var texts = (note && note.dataset) || {};
    function text(name, fallback, values) { return fill(texts[name] || fallback, values || {}); }
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
          if (make && !make.value) {
            make.value = facts.make;
            filled.push(text("textFilledMake", "make {make}", { make: facts.make }));
          }
          if (year && !year.value && facts.model_year) {
            year.value = facts.model_year;
            filled.push(text("textFilledYear", "model year {year}", { year: facts.model_year }));
          }
          if (note) {
            var found = facts.make +
              (facts.country ? text("textBuiltIn", ", built in {country}", { country: facts.country }) : "") +
              (facts.model_year ? text("textModelYear", ", model year {year}", { year: facts.model_year }) : "");
            note.textContent = text("textIntro", "From the VIN: {facts}.", { facts: found }) +
              (filled.length ? text("textFilled", " We filled in the {fields}: please check it.",
                                    { fields: filled.join(text("textAnd", " and the ")) }) : "");
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
