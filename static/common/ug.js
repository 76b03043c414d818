/* What every page shares, loaded by the top bar of base.html (before any page script):

   - UG.csrf(): the CSRF token for a POST;
   - UG.newKey(): a fresh idempotency key (a UUID; also on plain http, where
     crypto.randomUUID is missing);
   - UG.errorText(body, response): an API error ({code, message, field, display?}) in the
     user's language (display), else its message, else the HTTP status;
   - the top bar's menu button on a phone;
   - forgetting what the inspector app keeps on the device (copies of API answers and the
     list of sent submissions hold case addresses) when the user signs out, or when
     another user (or nobody) is signed in than last time; submissions still waiting are
     kept (each belongs to its user, static/intake/offline-queue.js);
   - before signing out, the page may ask (UG.beforeSignOut, a function answering true to
     go on, or a promise of it): the inspector app warns when submissions still wait. */
(function (global) {
  "use strict";
  const doc = global.document;
  doc.documentElement.classList.add("ug-js");

  function csrf() {
    const m = doc.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    const field = doc.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function newKey() {
    const c = global.crypto;
    if (c && c.randomUUID) return c.randomUUID();
    if (c && c.getRandomValues) {
      const b = c.getRandomValues(new Uint8Array(16));
      b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80; /* version 4, variant 1 */
      const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    }
    return "k" + Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
  }

  function errorText(body, response) {
    const text = (body && (body.display || body.message)) || "";
    if (text || !response) return text;
    return `${response.status} ${response.statusText || ""}`.trim();
  }

  /* The inspector app's sent list (IndexedDB "ug-inspector", store "sent"): emptied. The
     database is not created where there is none. */
  function forgetSent() {
    const idb = global.indexedDB;
    if (!idb) return Promise.resolve();
    return new Promise((resolve) => {
      let req;
      try { req = idb.open("ug-inspector"); } catch (e) { resolve(); return; }
      req.onupgradeneeded = () => req.transaction.abort(); /* none yet: leave it so */
      req.onerror = () => resolve();
      req.onsuccess = () => {
        const db = req.result, done = () => { db.close(); resolve(); };
        db.onversionchange = done;
        let t;
        try { t = db.transaction("sent", "readwrite"); } catch (e) { done(); return; }
        t.objectStore("sent").clear();
        t.oncomplete = t.onerror = t.onabort = done;
      };
    });
  }

  /* The inspector app's caches (its service worker names them all "ug-…"): the app shell
     (the page shows who is signed in) and copies of API answers; and its sent list. Gone
     on sign-out; the next visit online fills them again. */
  function forgetKept() {
    const cached = !("caches" in global) ? Promise.resolve() : caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("ug-")).map((k) => caches.delete(k))))
      .catch(() => undefined);
    return Promise.all([cached, forgetSent()]).then(() => undefined);
  }

  /* Sign out: ask the page (UG.beforeSignOut), forget (a second at most), then send the form. */
  doc.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-sign-out") || form.dataset.forgotten) return;
    event.preventDefault();
    if (form.dataset.signingOut) return;
    form.dataset.signingOut = "1";
    const go = () => { form.dataset.forgotten = "1"; form.submit(); };
    const forget = () => Promise.race([forgetKept(), new Promise((resolve) => setTimeout(resolve, 1000))]).then(go, go);
    const ask = global.UG && global.UG.beforeSignOut;
    Promise.resolve()
      .then(() => (typeof ask === "function" ? ask() : true))
      .then((yes) => yes, () => true) /* the question failed: signing out keeps everything waiting */
      .then((yes) => { if (yes) forget(); else delete form.dataset.signingOut; });
  });

  /* Signed out elsewhere (the session ended) or someone else signed in on this device:
     the kept copies are not theirs. */
  function checkUser() {
    const bar = doc.querySelector(".topbar[data-user]");
    if (!bar) return;
    try {
      const last = global.localStorage.getItem("ug-user"), now = bar.dataset.user;
      if (last && last !== now) forgetKept();
      global.localStorage.setItem("ug-user", now);
    } catch (e) { /* no storage: nothing kept to compare */ }
  }
  if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", checkUser); else checkUser();

  /* The top bar on a phone: the menu button shows and hides the links, language and
     sign-out (without scripts they are all shown). */
  doc.addEventListener("click", (event) => {
    const button = event.target instanceof Element && event.target.closest(".topbar-toggle");
    if (!button) return;
    const bar = button.closest(".topbar"), open = !bar.classList.contains("open");
    bar.classList.toggle("open", open);
    button.setAttribute("aria-expanded", String(open));
  });
  doc.addEventListener("keydown", (event) => {
    const bar = doc.querySelector(".topbar.open");
    if (event.key !== "Escape" || !bar) return;
    bar.classList.remove("open");
    const button = bar.querySelector(".topbar-toggle");
    button.setAttribute("aria-expanded", "false");
    button.focus();
  });

  global.UG = Object.assign(global.UG || {}, { csrf: csrf, newKey: newKey, errorText: errorText, forgetKept: forgetKept });
})(window);
