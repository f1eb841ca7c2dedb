// Question admin: show only the fields of the chosen type (the choices for single and multi).
// Without this file every type's fields are shown, and saving validates them all the same.
(function () {
  "use strict";

  function update() {
    var select = document.getElementById("id_type");
    if (!select) return;
    var type = select.value;
    var sections = document.querySelectorAll("fieldset.for-type");
    for (var i = 0; i < sections.length; i++) {
      sections[i].hidden = Boolean(type) && !sections[i].classList.contains("for-" + type);
    }
    var choices = document.getElementById("choices-group");
    if (choices) choices.hidden = Boolean(type) && type !== "single" && type !== "multi";
  }

  document.addEventListener("change", function (event) {
    if (event.target && event.target.id === "id_type") update();
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", update);
  else update();
})();
