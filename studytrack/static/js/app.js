// studytrack's own behaviour. Loaded as a file: the CSP allows no inline script.
(function () {
  "use strict";
  // <form data-confirm="..."> asks before submitting (deactivate, remove, …); so does a submit
  // button with data-confirm, for that button only (handing in a reflection). Asked while the
  // event comes down (capture), before the form's own handlers: "no" leaves the page as it was.
  // A button asks once: a handler that holds the submission back (the editor, while an autosave
  // is under way) submits it again without asking twice.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    var asker = button && button.hasAttribute("data-confirm") ? button : form;
    var question = asker.getAttribute && asker.getAttribute("data-confirm");
    if (!question || asker.hasAttribute("data-confirmed")) {
      return;
    }
    if (window.confirm(question)) {
      if (asker === button) {
        button.setAttribute("data-confirmed", "");
      }
      return;
    }
    event.preventDefault();
    event.stopPropagation();
  }, true);
})();
