// Assessment builder: after htmx replaces the builder (add, move, remove), focus goes back to the
// button that was pressed, or the nearest sensible place, so keyboard users keep their place.
(function () {
  "use strict";
  var lastId = null;

  document.addEventListener("htmx:beforeRequest", function (event) {
    var active = document.activeElement;
    lastId = active && active.id ? active.id : null;
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "builder") return;
    var element = lastId ? document.getElementById(lastId) : null;
    if (!element || element.disabled) element = document.getElementById("items-heading");
    if (element) {
      if (!element.hasAttribute("tabindex") && element.tagName === "H2") element.setAttribute("tabindex", "-1");
      element.focus({ preventScroll: element.id === "items-heading" ? false : true });
    }
  });
})();
