// The admin's agency and user pickers (select2) name their combobox after the chosen option
// only, so with nothing chosen a screen reader announces a nameless field (axe-core:
// aria-input-field-name). Give each picker its form label's text as its name. This script is
// deferred, so its jQuery "ready" handler runs after the one of Django's autocomplete.js that
// builds the pickers; inline rows added later are named when added.
(function () {
  "use strict";

  function nameSelect2(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var label = document.querySelector('label[for="' + select.id + '"]');
      var widget = select.nextElementSibling;
      if (!label || !widget || !widget.classList.contains("select2")) {
        return;
      }
      var name = label.textContent.replace(/:\s*$/, "").trim();
      widget.querySelectorAll('[role="combobox"], [role="textbox"]').forEach(function (el) {
        el.setAttribute("aria-label", name);
      });
    });
  }

  // The two-list picker (SelectFilter2.js, built on "load") puts an aria-label on its search
  // icon, a plain span, which assistive technology ignores (axe-core: aria-prohibited-attr):
  // the icon is an image with that description.
  function roleIcons(root) {
    root.querySelectorAll(".selector .help-tooltip[aria-label]:not([role])").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  }

  window.addEventListener("load", function () {
    roleIcons(document);
  });

  if (window.django && window.django.jQuery) {
    window.django.jQuery(function () {
      nameSelect2(document);
    });
  }
  document.addEventListener("formset:added", function (event) {
    window.setTimeout(function () {
      nameSelect2(event.target);
    }, 0);
  });
})();
