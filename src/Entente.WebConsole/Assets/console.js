// The console's only script (no inline script anywhere: the Content-Security-Policy forbids it).
// Dialogs: a button with data-open-dialog="ID" opens <dialog id="ID"> as a modal (focus moves in, Escape closes it);
// a dialog rendered with data-modal="true" (it came back with an error to fix) is reopened as a modal.
// A <select data-autosubmit> submits its form when changed (the language chooser; its button stays for keyboards).
(function () {
  "use strict";
  function modal(dialog) {
    if (!dialog || typeof dialog.showModal !== "function") return;
    if (dialog.open) dialog.close();
    dialog.showModal();
    var first = dialog.querySelector("[aria-invalid=true], select, input, textarea, button");
    if (first) first.focus();
  }
  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-open-dialog]");
    if (opener) {
      modal(document.getElementById(opener.getAttribute("data-open-dialog")));
      return;
    }
    var closer = event.target.closest("[data-close-dialog]");
    if (closer) {
      var dialog = document.getElementById(closer.getAttribute("data-close-dialog"));
      if (dialog) dialog.close();
    }
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-autosubmit]")) event.target.form.submit();
  });
  function start() {
    document.querySelectorAll("dialog[data-modal=true]").forEach(modal);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
