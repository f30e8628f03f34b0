// The reflection editor (templates/reflections/edit.html): a live character count, autosave to
// the server every few seconds, and a copy in this browser (localStorage) so that a closed tab,
// an expired login or a lost connection loses nothing. Loaded as a file: the CSP allows no
// inline script. Messages come translated from the form's data-msg-* attributes.
(function () {
  "use strict";

  var form = document.getElementById("reflection-form");
  if (!form) {
    return;
  }
  var body = form.querySelector("textarea[name='body']");
  var title = form.querySelector("input[name='title']");
  var version = form.querySelector("input[name='version']");
  var counter = document.getElementById("reflection-counter");
  var status = document.getElementById("reflection-save-status");
  var offer = document.getElementById("reflection-restore");
  var offerText = document.getElementById("reflection-restore-text");
  var minimum = parseInt(form.getAttribute("data-min-chars") || "0", 10) || 0;
  var key = form.getAttribute("data-storage-key");
  var url = form.getAttribute("data-autosave-url");
  var serverUpdated = parseInt(form.getAttribute("data-server-updated") || "0", 10) || 0;
  var INTERVAL = 5000;

  // 字数, as studytrack/reflections/services.py counts it: every character that is neither
  // whitespace (as Python's str.isspace) nor an invisible joiner of emoji sequences.
  var NOT_COUNTED = /[\s\u001c-\u001f\u0085\u200d\ufeff\ufe00-\ufe0f]/g;

  function countCharacters(text) {
    return Array.from(text.replace(NOT_COUNTED, "")).length; // code points, not UTF-16 units
  }

  function message(name, values) {
    var text = form.getAttribute("data-msg-" + name) || "";
    Object.keys(values || {}).forEach(function (k) {
      text = text.split("{" + k + "}").join(String(values[k]));
    });
    return text;
  }

  function csrfToken() {
    var field = form.querySelector("input[name='csrf_token']");
    if (field) {
      return field.value;
    }
    var meta = document.querySelector("meta[name='csrf-token']");
    return meta ? meta.getAttribute("content") : "";
  }

  function showCount() {
    if (!counter || !body) {
      return;
    }
    var count = countCharacters(body.value);
    if (minimum > 0) {
      counter.textContent = message("count-min", { count: count, min: minimum });
      counter.classList.toggle("is-enough", count >= minimum);
      counter.classList.toggle("is-below-minimum", count < minimum);
    } else {
      counter.textContent = message("count", { count: count });
    }
  }

  function say(text, kind) {
    if (!status) {
      return;
    }
    status.textContent = text;
    status.classList.toggle("text-danger", kind === "error");
    status.classList.toggle("text-body-secondary", kind !== "error");
  }

  // --- the copy in this browser -----------------------------------------------------------

  function readLocal() {
    try {
      var raw = window.localStorage.getItem(key);
      return raw ? JSON.parse(raw) : null;
    } catch (e) {
      return null;
    }
  }

  function keepLocal() {
    try {
      window.localStorage.setItem(key, JSON.stringify({
        title: title ? title.value : "",
        body: body.value,
        savedAt: Date.now(),
        version: version ? version.value : ""
      }));
    } catch (e) {
      // Storage full or disabled: the server copy still works.
    }
  }

  function offerRestore() {
    var local = readLocal();
    if (!local || !offer || typeof local.body !== "string") {
      return;
    }
    var localTitle = local.title || "";
    var differs = local.body !== body.value || localTitle !== (title ? title.value : "");
    if (!differs || (!local.body && !localTitle)) {
      return;
    }
    // Offer the browser's copy when it is newer than the server's, or was written on top of
    // the version the server still has (unsaved edits). Never replace the text silently.
    var sameBase = version && String(local.version || "") === String(version.value || "");
    if (!(local.savedAt > serverUpdated || sameBase)) {
      return;
    }
    offerText.textContent = message("restore", {
      time: new Date(local.savedAt).toLocaleString(),
      count: countCharacters(local.body)
    });
    offer.classList.remove("d-none");
    document.getElementById("reflection-restore-use").addEventListener("click", function () {
      if (title) {
        title.value = localTitle;
      }
      body.value = local.body;
      offer.classList.add("d-none");
      showCount();
      keepLocal();
    });
    document.getElementById("reflection-restore-discard").addEventListener("click", function () {
      offer.classList.add("d-none");
      keepLocal(); // the copy now matches the saved text
    });
  }

  // --- autosave -----------------------------------------------------------------------------

  function snapshot() {
    return (title ? title.value : "") + "\u0000" + body.value;
  }

  // What the server holds is what the page came with (the fields' default values), not what
  // they hold when this script starts: text typed while a slow phone was still loading the
  // script is a change, and is saved.
  var lastSaved = (title ? title.defaultValue : "") + "\u0000" + body.defaultValue;
  var inFlight = false;
  var stopped = false;
  var pendingSubmitter = null;

  function finish() {
    inFlight = false;
    if (pendingSubmitter !== null) {
      var submitter = pendingSubmitter;
      pendingSubmitter = null;
      stopped = true;
      if (form.requestSubmit) {
        form.requestSubmit(submitter || undefined);
      } else {
        form.submit();
      }
    }
  }

  function save() {
    var sent = snapshot();
    var data = new FormData();
    data.append("title", title ? title.value : "");
    data.append("body", body.value);
    data.append("version", version ? version.value : "");
    inFlight = true;
    say(message("saving"));
    fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" }
    }).then(function (response) {
      return response.json().catch(function () {
        return {};
      }).then(function (json) {
        return { code: response.status, json: json };
      });
    }).then(function (result) {
      var json = result.json || {};
      if (result.code === 200) {
        if (version) {
          version.value = json.version;
        }
        lastSaved = sent;
        keepLocal();
        say(message("saved", { time: json.saved_at_local || new Date().toLocaleTimeString() }));
      } else if (result.code === 401) {
        // Login expired: keep trying (the member may log in again in another tab), but say so.
        say(json.message || message("failed"), "error");
      } else if (result.code === 400 || result.code === 409 || result.code === 422
                 || result.code === 403 || result.code === 404) {
        stopped = true; // the page must be reloaded (or the text copied); the copy stays here
        say(json.message || message("failed"), "error");
      } else {
        say(message("failed"), "error");
      }
      finish();
    }).catch(function () {
      say(message("offline"), "error");
      finish();
    });
  }

  function tick() {
    if (stopped || inFlight || snapshot() === lastSaved) {
      return;
    }
    save();
  }

  function changed() {
    showCount();
    keepLocal();
  }

  body.addEventListener("input", changed);
  if (title) {
    title.addEventListener("input", changed);
  }
  form.addEventListener("submit", function (event) {
    keepLocal();
    if (inFlight) {
      // Wait for the autosave under way: its new version must go with the form.
      event.preventDefault();
      pendingSubmitter = event.submitter || null;
      return;
    }
    stopped = true;
  });
  window.addEventListener("online", tick);

  showCount();
  offerRestore();
  window.setInterval(tick, INTERVAL);
})();
