// Small progressive enhancements; every page works without them.
"use strict";

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const input = document.getElementById(button.dataset.copy);
  if (!input) return;
  input.select();
  const done = () => { button.textContent = button.dataset.copied || "OK"; };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(input.value).then(done, () => {});
  } else {
    // Plain http on a LAN has no async clipboard; the selected text can be copied by hand.
    done();
  }
});

// When a page comes back with unanswered questions, bring the first one into view.
document.addEventListener("DOMContentLoaded", () => {
  const first = document.querySelector(".item-missing");
  if (first) {
    first.scrollIntoView({ block: "center" });
    const radio = first.querySelector("input");
    if (radio) radio.focus({ preventScroll: true });
  }
});
