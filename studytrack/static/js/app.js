// studytrack's own behaviour. Loaded as a file: the CSP allows no inline script.
(function () {
  "use strict";
  // <form data-confirm="..."> asks before submitting (deactivate, remove, …).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
})();
