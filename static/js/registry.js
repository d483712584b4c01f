/* Household registry pages: cascading region selects, ID → birth date and sex, adding
 * member rows, Ctrl+Enter to save. Small and dependency-free except for htmx (vendored).
 * Every behaviour here is a convenience: the server fills and checks the same values. */
(function () {
  "use strict";

  // --- Cascading region selects --------------------------------------------------------------
  // Capture phase: the hidden region input is updated before the filter form's own "change"
  // handler (htmx, bubbling) sends the request.
  document.addEventListener("change", function (event) {
    var select = event.target.closest && event.target.closest("select[data-region-level]");
    if (!select) return;
    var cascade = select.closest("[data-region-cascade]");
    var code = select.value || select.dataset.parent || "";
    var hidden = cascade.querySelector("input[type=hidden]");
    hidden.value = code;
    if (window.htmx) {
      var url = cascade.dataset.url + "&region=" + encodeURIComponent(code);
      window.htmx.ajax("GET", url, { target: cascade, swap: "outerHTML" });
    }
  }, true);

  // --- Citizen ID → birth date and sex (GB 11643: digits 7–14 the date, 17th odd = male) ---
  var WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  var CHECKS = "10X98765432";

  function parseId(raw) {
    var text = (raw || "").replace(/[\s'’‘`\-－]/g, "").toUpperCase()
      .replace(/[０-９]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xFEE0); });
    if (text.length === 15 && /^\d{15}$/.test(text)) {
      text = text.slice(0, 6) + "19" + text.slice(6);
      var sum15 = 0;
      for (var k = 0; k < 17; k++) sum15 += Number(text[k]) * WEIGHTS[k];
      text += CHECKS[sum15 % 11];
    }
    if (!/^\d{17}[\dX]/.test(text)) return null;
    var sum = 0;
    for (var i = 0; i < 17; i++) sum += Number(text[i]) * WEIGHTS[i];
    if (CHECKS[sum % 11] !== text[17]) return null;
    var y = text.slice(6, 10), m = text.slice(10, 12), d = text.slice(12, 14);
    var date = new Date(Number(y), Number(m) - 1, Number(d));
    if (date.getMonth() !== Number(m) - 1) return null;
    return { birth: y + "-" + m + "-" + d, sex: Number(text[16]) % 2 === 1 ? "1" : "2" };
  }

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[data-id-number]")) return;
    var parsed = parseId(input.value);
    var card = input.closest("[data-member]") || input.form;
    var hint = card && card.querySelector("[data-id-hint]");
    if (!parsed) { if (hint) hint.textContent = ""; return; }
    var birth = card.querySelector("[data-birth-date]");
    var sex = card.querySelector("[data-sex]");
    if (birth && (!birth.value || birth.dataset.autofilled)) { birth.value = parsed.birth; birth.dataset.autofilled = "1"; }
    if (sex && (!sex.value || sex.dataset.autofilled)) { sex.value = parsed.sex; sex.dataset.autofilled = "1"; }
    if (hint) hint.textContent = parsed.birth + " · " + (parsed.sex === "1" ? hint.dataset.male : hint.dataset.female);
  });

  // --- Adding a member row (formset) -----------------------------------------------------------
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-add-member]");
    if (!button) return;
    event.preventDefault();
    var template = document.getElementById("member-template");
    var total = document.getElementById("id_members-TOTAL_FORMS");
    var index = Number(total.value);
    var wrapper = document.createElement("div");
    wrapper.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index)).replace(/__number__/g, String(index + 1));
    var card = wrapper.firstElementChild;
    document.getElementById("member-list").appendChild(card);
    total.value = String(index + 1);
    var first = card.querySelector("input:not([type=hidden]), select");
    if (first) first.focus();
  });

  // --- After a refused save: the cursor goes to the first field with a message ---------------
  // (not to the form's first field, which autofocus would pick), so the clerk fixes it at once.
  var firstError = document.querySelector(
    "form[data-ctrl-enter] .has-error :is(input:not([type=hidden]), select, textarea)"
  );
  if (firstError) {
    for (var folded = firstError.closest("details"); folded; folded = folded.parentElement.closest("details")) {
      folded.open = true;
    }
    firstError.focus({ preventScroll: true });
    firstError.scrollIntoView({ block: "center" });
  }

  // --- Ctrl+Enter (or ⌘+Enter) saves the form being typed in -----------------------------------
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    var form = event.target.form || (event.target.closest && event.target.closest("form"));
    if (form && form.matches("[data-ctrl-enter]")) {
      event.preventDefault();
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    }
  });
})();
