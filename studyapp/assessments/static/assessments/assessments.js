// Attempt page: the countdown, the autosave status, and moving order items.
// Everything works without this file: the deadline time is printed, Save buttons post the form.
(function () {
  "use strict";

  // Countdown: the deadline comes from the server, and so does "now" (the device clock may be off).
  function startCountdown(box) {
    var deadline = Date.parse(box.getAttribute("data-deadline"));
    var offset = Date.parse(box.getAttribute("data-server-now")) - Date.now();
    var left = box.querySelector("[data-countdown-left]");
    var expiredUrl = box.getAttribute("data-expired-url");
    if (isNaN(deadline) || !left) return;
    left.hidden = false;
    var leaving = false;

    function pad(n) { return n < 10 ? "0" + n : String(n); }

    function tick() {
      var ms = deadline - (Date.now() + offset);
      if (ms <= 0) {
        left.textContent = "Time is up: submitting…";
        box.classList.add("urgent");
        if (!leaving && expiredUrl) {
          leaving = true;
          // Let any save in flight land first; the server submits what was saved by the deadline.
          setTimeout(function () { window.location.assign(expiredUrl); }, 1500);
        }
        return;
      }
      var total = Math.floor(ms / 1000);
      var hours = Math.floor(total / 3600);
      var minutes = Math.floor((total % 3600) / 60);
      var seconds = total % 60;
      left.textContent = (hours ? hours + ":" + pad(minutes) : minutes) + ":" + pad(seconds) + " left";
      box.classList.toggle("urgent", total < 60);
      box.classList.toggle("soon", total < 300);
      setTimeout(tick, 1000 - (ms % 1000) + 5);
    }
    tick();
  }

  function statusOf(section) {
    return section && section.querySelector(".save-status");
  }

  function setStatus(section, text, state) {
    var status = statusOf(section);
    if (!status) return;
    status.textContent = text;
    status.classList.remove("saved", "saving", "refused");
    if (state) status.classList.add(state);
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var section = event.detail.elt;
    if (section.classList && section.classList.contains("attempt-question")) {
      setStatus(section, "Saving…", "saving");
    }
  });

  // A late answer comes back as 409 with the reason: show it instead of failing silently.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr && event.detail.xhr.status === 409) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // The status was swapped (outerHTML): read the new one to mark its question answered or not.
  document.addEventListener("htmx:afterSettle", function (event) {
    var element = event.detail.elt;
    var section = element && element.closest ? element.closest(".attempt-question") : null;
    var status = statusOf(section);
    if (!status) return;
    var link = document.querySelector('[data-jump="' + status.getAttribute("data-position") + '"]');
    if (link) link.classList.toggle("answered", status.getAttribute("data-answered") === "1");
  });

  function notSaved(event) {
    var section = event.detail.elt;
    if (section.classList && section.classList.contains("attempt-question")) {
      setStatus(section, "Not saved: no connection. Your next change retries, or press Save.", "refused");
    }
  }
  document.addEventListener("htmx:sendError", notSaved);
  document.addEventListener("htmx:responseError", notSaved);

  // Order questions: ↑ ↓ move an item, the numbers follow, and the change is saved.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-order-move]");
    if (!button) return;
    var item = button.closest(".order-item");
    var list = item.parentElement;
    if (button.getAttribute("data-order-move") === "up" && item.previousElementSibling) {
      list.insertBefore(item, item.previousElementSibling);
    } else if (button.getAttribute("data-order-move") === "down" && item.nextElementSibling) {
      list.insertBefore(item.nextElementSibling, item);
    }
    var inputs = list.querySelectorAll(".order-position");
    for (var i = 0; i < inputs.length; i++) inputs[i].value = i + 1;
    button.focus();
    list.dispatchEvent(new Event("change", { bubbles: true }));
  });

  function init() {
    var boxes = document.querySelectorAll("[data-deadline]");
    for (var i = 0; i < boxes.length; i++) startCountdown(boxes[i]);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
