/*
 * Page behaviour that the strict Content-Security-Policy keeps out of the templates:
 * no inline handlers, so elements opt in through data- attributes.
 */
(function () {
  "use strict";

  function bind(root) {
    // The language selector submits on change; its button stays for keyboards and no-JS.
    root.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      if (select.dataset.bound === "1") {
        return;
      }
      select.dataset.bound = "1";
      var button = select.form && select.form.querySelector("[data-autosubmit-button]");
      if (button) {
        button.classList.add("visually-hidden");
      }
      select.addEventListener("change", function () { select.form.requestSubmit(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { bind(document); });
  document.addEventListener("htmx:afterSettle", function (event) { bind(event.target); });
  // A swapped table region keeps keyboard users in place: move focus to its caption.
  document.addEventListener("htmx:afterSwap", function (event) {
    var caption = event.target.querySelector && event.target.querySelector("caption[tabindex]");
    if (caption && event.detail.requestConfig && event.detail.requestConfig.triggeringEvent &&
        event.detail.requestConfig.triggeringEvent.type === "click") {
      caption.focus({preventScroll: true});
    }
  });
})();
