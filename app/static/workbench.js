// oncoregio workbench: the planner token (sessionStorage, sent as a header, never in a URL),
// running and deleting scenarios through the JSON API, and reloading a page that needs a
// token when reads are closed. No framework, no external resources.
(function () {
  "use strict";
  var KEY = "oncoregio.token";

  function token() {
    try { return window.sessionStorage.getItem(KEY) || ""; } catch (e) { return ""; }
  }

  function authHeaders(extra) {
    var headers = extra || {};
    var t = token();
    if (t) { headers.Authorization = "Bearer " + t; }
    return headers;
  }

  function say(id, text, isError) {
    var el = document.getElementById(id);
    if (!el) { return; }
    el.textContent = text;
    el.className = isError ? "error" : "";
  }

  function problemText(response, body) {
    if (body && body.detail) { return response.status + ": " + body.detail; }
    return response.status + " " + response.statusText;
  }

  function setUpToken() {
    var form = document.getElementById("token-form");
    if (!form) { return; }
    form.hidden = false;
    var input = document.getElementById("token-input");
    function show() {
      say("token-status", token() ? "A token is set for this browser session."
                                  : "No token set: you can read, not run or delete.");
      var del = document.getElementById("delete-scenario");
      if (del) { del.hidden = !token(); }
    }
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var value = input.value.trim();
      if (!value) { say("token-status", "Enter a token first.", true); input.focus(); return; }
      try { window.sessionStorage.setItem(KEY, value); } catch (e) {
        say("token-status", "This browser does not allow session storage.", true); return;
      }
      input.value = "";
      show();
      if (document.body.dataset.needsToken) { reloadWithToken(); }
    });
    document.getElementById("token-forget").addEventListener("click", function () {
      try { window.sessionStorage.removeItem(KEY); } catch (e) { /* nothing stored */ }
      show();
    });
    show();
  }

  // reads closed: fetch this page again with the token and show it
  function reloadWithToken() {
    if (!token()) { return; }
    fetch(window.location.href, { headers: authHeaders({ Accept: "text/html" }) })
      .then(function (r) {
        if (r.status === 401 || r.status === 403) {
          say("token-status", "The server did not accept this token (" + r.status + ").", true);
          return null;
        }
        return r.text();
      })
      .then(function (html) {
        if (html === null) { return; }
        document.open();
        document.write(html);
        document.close();
      });
  }

  function values(form, name) {
    return Array.prototype.map.call(
      form.querySelectorAll("[name='" + name + "']:checked, select[name='" + name + "'] option:checked"),
      function (el) { return el.value; });
  }

  function scenarioBody(form) {
    var f = form.elements;
    var body = { care_type: f.care_type.value, method: f.method.value,
                 minutes: Number(f.minutes.value), apply_norm: f.apply_norm.checked,
                 keep: values(form, "keep"), close: values(form, "close"),
                 allocation: form.querySelector("[name='allocation']:checked").value };
    if (body.method !== "set_covering" && f.centres.value !== "") {
      body.centres = Number(f.centres.value);
    }
    if (f.min_volume.value !== "") { body.min_volume = Number(f.min_volume.value); }
    var regions = values(form, "regions");
    if (regions.length) { body.regions = regions; }
    if (body.allocation === "choice" && f.choice_model) { body.choice_model = f.choice_model.value; }
    if (f.name.value.trim()) { body.name = f.name.value.trim(); }
    return body;
  }

  function setUpScenarioForm() {
    var form = document.getElementById("scenario-form");
    if (!form) { return; }
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (!token()) {
        say("form-status", "Running a scenario needs a planner token: enter it above.", true);
        document.getElementById("token-input").focus();
        return;
      }
      var button = document.getElementById("run");
      button.disabled = true;
      say("form-status", "Running the scenario…");
      fetch("/scenarios", { method: "POST", body: JSON.stringify(scenarioBody(form)),
                            headers: authHeaders({ "Content-Type": "application/json",
                                                   Accept: "application/json" }) })
        .then(function (r) {
          return r.json().catch(function () { return null; }).then(function (body) {
            if (r.status === 201 && body && body.id) {
              say("form-status", "Done: opening the result.");
              window.location.assign("/app/scenarios/" + encodeURIComponent(body.id));
              return;
            }
            button.disabled = false;
            say("form-status", "Not run: " + problemText(r, body), true);
          });
        })
        .catch(function (e) {
          button.disabled = false;
          say("form-status", "Not run: " + e, true);
        });
    });
  }

  function setUpDelete() {
    var button = document.getElementById("delete-scenario");
    if (!button) { return; }
    button.addEventListener("click", function () {
      var id = button.dataset.scenario;
      if (!window.confirm("Delete scenario " + id + "?")) { return; }
      fetch("/scenarios/" + encodeURIComponent(id), { method: "DELETE", headers: authHeaders() })
        .then(function (r) {
          if (r.status === 204) { window.location.assign("/app/scenarios"); return; }
          return r.json().catch(function () { return null; }).then(function (body) {
            say("delete-status", "Not deleted: " + problemText(r, body), true);
          });
        });
    });
  }

  function start() {
    setUpToken();
    setUpScenarioForm();
    setUpDelete();
    if (document.body.dataset.needsToken) { reloadWithToken(); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
