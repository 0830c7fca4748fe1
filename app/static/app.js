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

// Per-item answer time for the response-quality flags: milliseconds from the page being shown
// (or the previous answer on it) to this answer, sent with the autosave. Without JavaScript the
// server has only its per-page times.
let lastAnswerAt = performance.now();
window.addEventListener("pageshow", () => { lastAnswerAt = performance.now(); });

// Candidate pages: save each answer as it is clicked, so a closed tab or a lost connection
// loses nothing. Without JavaScript the page's own form saves the page on Next/Back.
// A save that fails for a passing reason (no connection, 5xx, 429: the server or its database
// is briefly away) is retried with growing waits while that answer is still the chosen one;
// the answer stays on the page meanwhile and the page says it is not saved yet.
const retries = new Map(); // item id -> timer of its next try

function saveAnswer(form, input, body, attempt) {
  const status = document.getElementById("save-status");
  const show = (text) => { if (status) status.textContent = text; };
  const item = input.name;
  fetch(form.dataset.autosave, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body,
    credentials: "same-origin",
  }).then((response) => {
    if (response.ok) {
      show(form.dataset.saved || "");
      const fieldset = input.closest("fieldset");
      if (fieldset) fieldset.classList.remove("item-missing");
      return;
    }
    if (response.status >= 500 || response.status === 429) throw new Error("passing");
    show(form.dataset.failed || ""); // refused for good: Next saves the page's form
  }).catch(() => {
    show(form.dataset.retrying || form.dataset.failed || "");
    const wait = Math.min(30000, 1000 * 2 ** attempt);
    clearTimeout(retries.get(item));
    retries.set(item, setTimeout(() => {
      retries.delete(item);
      if (input.checked) saveAnswer(form, input, body, attempt + 1);
    }, wait));
  });
}

document.addEventListener("change", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || input.type !== "radio") return;
  const form = input.closest("form[data-autosave]");
  if (!form || !input.name.startsWith("item-")) return;
  const now = performance.now();
  const ms = Math.round(now - lastAnswerAt);
  lastAnswerAt = now;
  clearTimeout(retries.get(input.name)); // a newer answer replaces one waiting to be retried
  const body = JSON.stringify({
    questionnaire: form.dataset.questionnaire,
    item: input.name.slice("item-".length),
    value: Number(input.value),
    ms,
  });
  saveAnswer(form, input, body, 0);
});

// Phone-width tables become stacked cards (app.css): each data cell gets its column's heading
// as data-label, so the card can say what each value is.
document.addEventListener("DOMContentLoaded", () => {
  for (const table of document.querySelectorAll(".table-wrap > table")) {
    const heads = [];
    for (const th of table.querySelectorAll("thead tr:last-child th")) {
      const text = th.textContent.replace(/[\u2191\u2193]/g, "").replace(/\s+/g, " ").trim();
      for (let n = 0; n < (th.colSpan || 1); n += 1) heads.push(text);
    }
    for (const row of table.querySelectorAll("tbody tr")) {
      let column = 0;
      for (const cell of row.children) {
        if (cell.tagName === "TD" && heads[column] && !cell.dataset.label) {
          cell.dataset.label = heads[column];
        }
        // A card leaves out what the row has nothing for, rather than a heading with no value.
        if (!cell.textContent.trim() && !cell.querySelector("input, select, textarea, img, svg")) {
          cell.classList.add("empty");
        }
        column += cell.colSpan || 1;
      }
    }
    table.classList.add("cards");
  }
});
