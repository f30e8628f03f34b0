// The session report: the Print button, and copying the news-release draft.
// Loaded as a file: the CSP allows no inline script.
(function () {
  "use strict";

  function say(button, key) {
    var status = document.getElementById(button.getAttribute("data-copy-status"));
    if (status) {
      status.textContent = button.getAttribute(key) || "";
    }
  }

  function copyBySelection(field) {
    field.focus();
    field.select();
    field.setSelectionRange(0, field.value.length);
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  function copy(button) {
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    if (!field) {
      return;
    }
    // The Clipboard API needs a secure context; many intranets run plain HTTP.
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(
        function () { say(button, "data-copied-message"); },
        function () {
          say(button, copyBySelection(field) ? "data-copied-message" : "data-copy-failed-message");
        }
      );
    } else {
      say(button, copyBySelection(field) ? "data-copied-message" : "data-copy-failed-message");
    }
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target || !target.closest) {
      return;
    }
    if (target.closest("[data-report-print]")) {
      event.preventDefault();
      window.print();
      return;
    }
    var button = target.closest("[data-copy-target]");
    if (button) {
      event.preventDefault();
      copy(button);
    }
  });
})();
