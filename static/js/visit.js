/* The visit form on a phone with a weak connection.
 *
 * - Everything typed is kept in localStorage (per household) until the server confirms the
 *   save, so a dropped connection, a reload or a closed tab loses nothing.
 * - Saving goes through fetch(): if the network fails, the server errs or the session has
 *   expired, the page says plainly that the visit was NOT saved and keeps the form as it is.
 * - The hidden client_token is kept with the draft: a retry after an answer that got lost
 *   on the way back is recognised by the server and not saved twice.
 * - "记录位置" asks the browser for the position (only over HTTPS or on localhost).
 * Without script the form posts normally and the server answers with the same checks. */
(function () {
  "use strict";
  var form = document.getElementById("visit-form");
  if (!form) return;
  var status = document.getElementById("visit-status");
  var key = form.dataset.draftKey;
  var SKIP = { csrfmiddlewaretoken: true, photo: true };
  var TIMEOUT_MS = 30000;

  function text(id) { var t = document.getElementById(id); return t ? t.innerHTML.trim() : ""; }

  function show(kind, message) {
    status.innerHTML = "";
    var box = document.createElement("div");
    box.className = "alert py-2 alert-" + kind;
    box.setAttribute("role", kind === "danger" ? "alert" : "status");
    box.textContent = message;
    status.appendChild(box);
    box.scrollIntoView({ block: "nearest" });
  }

  function saveDraft() {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || SKIP[el.name] || el.type === "file") return;
      data[el.name] = el.type === "checkbox" ? el.checked : el.value;
    });
    try { localStorage.setItem(key, JSON.stringify(data)); } catch (e) { /* private mode */ }
  }

  function restoreDraft() {
    var raw;
    try { raw = localStorage.getItem(key); } catch (e) { return; }
    if (!raw) return;
    var data;
    try { data = JSON.parse(raw); } catch (e) { return; }
    var restored = false;
    Object.keys(data).forEach(function (name) {
      var el = form.elements[name];
      if (!el || el.type === "file") return;
      if (el.type === "checkbox") { el.checked = !!data[name]; }
      else if (el.value !== data[name]) { el.value = data[name]; }
      if (data[name] && name !== "visited_on" && name !== "kind" && name !== "client_token") restored = true;
    });
    if (restored) document.getElementById("draft-note").classList.remove("d-none");
  }

  function clearErrors() {
    form.querySelectorAll("[data-errors-for]").forEach(function (el) { el.textContent = ""; });
    form.querySelectorAll(".has-error").forEach(function (el) { el.classList.remove("has-error"); });
  }

  function showErrors(errors) {
    var general = [];
    Object.keys(errors).forEach(function (name) {
      var slot = form.querySelector('[data-errors-for="' + name + '"]');
      if (slot) {
        slot.textContent = errors[name].join(" ");
        slot.parentElement.classList.add("has-error");
      } else {
        general = general.concat(errors[name]);
      }
    });
    show("danger", text("msg-invalid") + (general.length ? " " + general.join(" ") : ""));
  }

  // A draft only exists for what was typed on this page; the server's own values win when
  // it re-rendered the form with errors (no-script path).
  if (!status.querySelector(".alert")) restoreDraft();
  form.addEventListener("input", saveDraft);
  form.addEventListener("change", saveDraft);

  form.addEventListener("submit", function (event) {
    if (!window.fetch || !window.FormData) return; // plain post
    event.preventDefault();
    saveDraft();
    clearErrors();
    var button = document.getElementById("visit-save");
    button.disabled = true;
    show("secondary", text("msg-saving"));
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, TIMEOUT_MS) : null;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json", "X-Requested-With": "fetch" },
      credentials: "same-origin",
      redirect: "manual",
      signal: controller ? controller.signal : undefined,
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (response.type === "opaqueredirect" || response.status === 403 || response.status === 302) {
        show("danger", text("msg-login"));
        return null;
      }
      if (type.indexOf("application/json") === -1) {
        show("danger", text("msg-server").replace("%s", String(response.status)));
        return null;
      }
      return response.json().then(function (body) {
        if (body.ok) {
          try { localStorage.removeItem(key); } catch (e) { /* ignore */ }
          show("success", body.message);
          window.location.assign(body.redirect);
        } else {
          showErrors(body.errors || {});
        }
      });
    }).catch(function () {
      show("danger", text("msg-offline"));
    }).then(function () {
      if (timer) clearTimeout(timer);
      button.disabled = false;
    });
  });

  // --- Location ---------------------------------------------------------------------------
  var locate = form.querySelector("[data-locate]");
  var note = document.getElementById("location-note");
  if (locate) {
    locate.addEventListener("click", function () {
      if (!navigator.geolocation) { note.textContent = note.dataset.failed; return; }
      navigator.geolocation.getCurrentPosition(function (position) {
        form.elements.latitude.value = position.coords.latitude.toFixed(6);
        form.elements.longitude.value = position.coords.longitude.toFixed(6);
        form.elements.location_accuracy_m.value = Math.round(position.coords.accuracy);
        note.textContent = note.dataset.located + " ±" + Math.round(position.coords.accuracy) + "m";
        saveDraft();
      }, function () {
        note.textContent = note.dataset.failed;
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }

  // --- Ctrl+Enter ------------------------------------------------------------------------------
  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    }
  });
})();
