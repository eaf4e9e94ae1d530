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
      ["delete-scenario", "delete-sweep"].forEach(function (id) {
        var del = document.getElementById(id);
        if (del) { del.hidden = !token(); }
      });
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

  // POST a JSON body; on 201 open the created thing's page, else say why not
  function postAndOpen(form, url, body, button, what, pagePrefix) {
    if (!token()) {
      say("form-status", "Running a " + what + " needs a planner token: enter it above.", true);
      document.getElementById("token-input").focus();
      return;
    }
    button.disabled = true;
    say("form-status", "Running the " + what + "…");
    fetch(url, { method: "POST", body: JSON.stringify(body),
                 headers: authHeaders({ "Content-Type": "application/json",
                                        Accept: "application/json" }) })
      .then(function (r) {
        return r.json().catch(function () { return null; }).then(function (answer) {
          if (r.status === 201 && answer && answer.id) {
            say("form-status", "Done: opening the result.");
            window.location.assign(pagePrefix + encodeURIComponent(answer.id));
            return;
          }
          button.disabled = false;
          say("form-status", "Not run: " + problemText(r, answer), true);
        });
      })
      .catch(function (e) {
        button.disabled = false;
        say("form-status", "Not run: " + e, true);
      });
  }

  function setUpScenarioForm() {
    var form = document.getElementById("scenario-form");
    if (!form) { return; }
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      postAndOpen(form, "/scenarios", scenarioBody(form), document.getElementById("run"),
                  "scenario", "/app/scenarios/");
    });
  }

  // "none, 20, 40" -> [null, 20, 40]; a word that is neither a number nor "none" is kept as
  // text, so the API names it in its 422
  function norms(text) {
    return text.split(",").map(function (part) { return part.trim(); })
      .filter(function (part) { return part !== ""; })
      .map(function (part) {
        if (part.toLowerCase() === "none") { return null; }
        var n = Number(part);
        return isNaN(n) ? part : n;
      });
  }

  function sweepBody(form) {
    var f = form.elements;
    var body = { care_type: f.care_type.value, method: f.method.value,
                 k_min: Number(f.k_min.value), k_max: Number(f.k_max.value),
                 k_step: Number(f.k_step.value), norms: norms(f.norms.value),
                 minutes: Number(f.minutes.value), time_limit: Number(f.time_limit.value) };
    // a linked set: the care type first, then the others chosen (each once)
    var linked = values(form, "linked_with").filter(function (id) {
      return id !== body.care_type; });
    if (linked.length) {
      body.care_types = [body.care_type].concat(linked);
      delete body.care_type;
    }
    var regions = values(form, "regions");
    if (regions.length) { body.regions = regions; }
    if (f.name.value.trim()) { body.name = f.name.value.trim(); }
    return body;
  }

  function setUpSweepForm() {
    var form = document.getElementById("sweep-form");
    if (!form) { return; }
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      postAndOpen(form, "/sweeps", sweepBody(form), document.getElementById("run-sweep"),
                  "sweep", "/app/sweeps/");
    });
  }

  // a delete button carries the id in data-<kind>; after a 204 the list page opens
  function setUpDelete(buttonId, kind, apiPrefix, listPage) {
    var button = document.getElementById(buttonId);
    if (!button) { return; }
    button.addEventListener("click", function () {
      var id = button.dataset[kind];
      if (!window.confirm("Delete " + kind + " " + id + "?")) { return; }
      fetch(apiPrefix + encodeURIComponent(id), { method: "DELETE", headers: authHeaders() })
        .then(function (r) {
          if (r.status === 204) { window.location.assign(listPage); return; }
          return r.json().catch(function () { return null; }).then(function (body) {
            say("delete-status", "Not deleted: " + problemText(r, body), true);
          });
        });
    });
  }

  function start() {
    setUpToken();
    setUpScenarioForm();
    setUpSweepForm();
    setUpDelete("delete-scenario", "scenario", "/scenarios/", "/app/scenarios");
    setUpDelete("delete-sweep", "sweep", "/sweeps/", "/app/sweeps");
    if (document.body.dataset.needsToken) { reloadWithToken(); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
