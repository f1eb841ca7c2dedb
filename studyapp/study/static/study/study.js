// Study keyboard shortcuts and the order question's drag and buttons.
// Everything works without this file: it only saves clicks.
(function () {
  "use strict";

  function inTextField(element) {
    if (!element) return false;
    var tag = element.tagName;
    if (tag === "TEXTAREA" || element.isContentEditable) return true;
    if (tag !== "INPUT") return false;
    return ["text", "number", "search", "email", "password", "url"].indexOf(element.type) !== -1;
  }

  // Submit by clicking the form's own button: htmx then sends that button's name and value
  // (requestSubmit with a submitter loses them), and without htmx the browser does the same.
  function submit(form, button) {
    if (!form) return;
    button = button || form.querySelector("button[type=submit], input[type=submit]");
    if (button) button.click();
    else if (form.requestSubmit) form.requestSubmit();
    else form.submit();
  }

  // 1-9 (or a-i) pick the choices in the order shown (True and False too), before checking: a
  // radio is chosen, a checkbox ticked or unticked.
  function pickChoice(form, event) {
    if (!form) return false;
    var inputs = form.querySelectorAll("input[name=choice], input[name=truth]");
    if (!inputs.length || event.key.length !== 1) return false;
    var index = "123456789".indexOf(event.key);
    if (index < 0) index = "abcdefghi".indexOf(event.key.toLowerCase());
    if (index < 0 || index >= inputs.length) return false;
    event.preventDefault();
    var input = inputs[index];
    input.checked = input.type === "radio" ? true : !input.checked;
    input.focus();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.metaKey && event.key !== "Enter") return;
    var active = document.activeElement;
    var form = document.getElementById("question-form");
    // Ctrl/Cmd+Enter submits from the manifest editor; Enter submits from anywhere else.
    if (event.key === "Enter") {
      if (active && active.tagName === "TEXTAREA") {
        if (event.ctrlKey || event.metaKey) { event.preventDefault(); submit(form); }
        return;
      }
      if (active && (active.tagName === "BUTTON" || active.tagName === "A")) return;
      var next = document.getElementById("next-button");
      if (form) { event.preventDefault(); submit(form); }
      else if (next) { event.preventDefault(); next.click(); }
      return;
    }
    // In a text box every key types (U is a "u"): Esc leaves the box, then the keys work.
    if (event.key === "Escape" && inTextField(active)) {
      active.blur();
      return;
    }
    if (inTextField(active) || event.ctrlKey) return;
    if (pickChoice(form, event)) return;
    if (event.key === " ") {
      var reveal = document.getElementById("reveal-button");
      if (reveal) { event.preventDefault(); reveal.click(); }
      return;
    }
    if (/^[1-4]$/.test(event.key)) {
      var button = document.querySelector('#rating-form button[data-rating="' + event.key + '"]');
      if (button) { event.preventDefault(); submit(button.form, button); }
      return;
    }
    if (event.key === "u" || event.key === "U") {
      var undo = document.getElementById("undo-button");
      if (undo) { event.preventDefault(); submit(undo.form); }
    }
  });

  // Order questions: keep the number inputs in step with the visual order.
  function renumber(list) {
    var items = list.querySelectorAll(".order-item");
    for (var i = 0; i < items.length; i++) {
      items[i].querySelector(".order-position").value = i + 1;
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-move]");
    if (!button) return;
    var item = button.closest(".order-item");
    var list = item.parentElement;
    if (button.getAttribute("data-move") === "up" && item.previousElementSibling) {
      list.insertBefore(item, item.previousElementSibling);
    } else if (button.getAttribute("data-move") === "down" && item.nextElementSibling) {
      list.insertBefore(item.nextElementSibling, item);
    }
    renumber(list);
    button.focus();
  });

  var dragged = null;
  document.addEventListener("dragstart", function (event) {
    var item = event.target.closest && event.target.closest(".order-item");
    if (!item) return;
    dragged = item;
    item.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
  });
  document.addEventListener("dragover", function (event) {
    if (!dragged) return;
    var over = event.target.closest && event.target.closest(".order-item");
    if (!over || over === dragged || over.parentElement !== dragged.parentElement) return;
    event.preventDefault();
    var box = over.getBoundingClientRect();
    var after = event.clientY > box.top + box.height / 2;
    over.parentElement.insertBefore(dragged, after ? over.nextSibling : over);
  });
  document.addEventListener("dragend", function () {
    if (!dragged) return;
    dragged.classList.remove("dragging");
    renumber(dragged.parentElement);
    dragged = null;
  });
})();

// Drill timer: counts up from when the question appeared.
(function () {
  "use strict";
  var timer = document.querySelector("[data-timer-start]");
  if (!timer) return;
  var start = Date.now();
  function tick() {
    var seconds = Math.floor((Date.now() - start) / 1000);
    timer.textContent = Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
  }
  tick();
  setInterval(tick, 1000);
})();
