/* The offline queue: every submission is first written to IndexedDB with its
   idempotency key, then sent; what could not be sent stays and is retried when the
   network returns. The server answers a retried key with the first answer, so a
   submission is never recorded twice. Submissions are sent one at a time in the order
   they were made (each carries a sequence number taken when it is stored); one that
   cannot be sent yet stops the round, so nothing behind it overtakes it. */
(function (global) {
  "use strict";
  const DB = "ug-inspector", STORE = "outbox", SENT = "sent";

  function open() {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open(DB, 1);
      req.onupgradeneeded = () => {
        const db = req.result;
        if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE, { keyPath: "key" });
        if (!db.objectStoreNames.contains(SENT)) db.createObjectStore(SENT, { keyPath: "key" });
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }

  async function tx(store, mode, fn) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const t = db.transaction(store, mode), s = t.objectStore(store);
      const result = fn(s);
      t.oncomplete = () => resolve(result && result.result !== undefined ? result.result : result);
      t.onerror = () => reject(t.error);
    });
  }

  function newKey() {
    if (global.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "k" + Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
  }

  function csrf() {
    const m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  /* The place of an item in the queue: its sequence number (older items, stored before
     there was one, by the time they were made). */
  function seqOf(item) { return typeof item.seq === "number" ? item.seq : Date.parse(item.created) || 0; }
  function inOrder(a, b) { return seqOf(a) - seqOf(b) || (a.created < b.created ? -1 : a.created > b.created ? 1 : 0); }

  /* An error answer's words: in the user's language (display) when the server gives it. */
  async function errorOf(response) {
    try {
      const a = await response.json();
      return { message: (a && a.message) || "", display: (a && a.display) || "" };
    } catch (e) { return { message: "", display: "" }; }
  }

  const listeners = [];
  let flushing = false;

  const Queue = {
    newKey: newKey,
    onChange(fn) { listeners.push(fn); },
    changed() { listeners.forEach((fn) => fn()); },
    /* item: {key, kind, title, url, payload (object), photos: [Blob]} */
    async add(item) {
      item.created = new Date().toISOString();
      item.attempts = 0;
      /* After everything already waiting, read and written in one transaction (IndexedDB
         runs read-write transactions on a store one after the other, across tabs too). */
      await tx(STORE, "readwrite", (s) => {
        const all = s.getAll();
        all.onsuccess = () => {
          const last = all.result.filter((i) => i.key !== item.key).reduce((m, i) => Math.max(m, seqOf(i)), 0);
          item.seq = Math.max(Date.now(), last + 1);
          s.put(item);
        };
      });
      Queue.changed();
      Queue.flush();
    },
    /* Waiting submissions, oldest first. */
    async pending() { return ((await tx(STORE, "readonly", (s) => s.getAll())) || []).sort(inOrder); },
    async sent() { return (await tx(SENT, "readonly", (s) => s.getAll())) || []; },
    async sendOne(item) {
      const body = new FormData();
      body.append("payload", JSON.stringify(Object.assign({}, item.payload, { idempotency_key: item.key })));
      (item.photos || []).forEach((blob, i) => body.append("photos", blob, blob.name || "photo" + i + ".jpg"));
      let response;
      try {
        response = await fetch(item.url, {
          method: "POST", body: body, credentials: "same-origin",
          headers: { "X-CSRFToken": csrf(), "Idempotency-Key": item.key },
        });
      } catch (e) {
        return false; /* offline: keep it */
      }
      if (response.status >= 500 || response.status === 429 || response.status === 401 || response.status === 403) {
        const why = await errorOf(response);
        item.attempts += 1;
        item.lastError = "HTTP " + response.status + (why.display || why.message ? " · " + (why.display || why.message) : "");
        await tx(STORE, "readwrite", (s) => s.put(item));
        return false;
      }
      let answer = {};
      try { answer = (await response.json()) || {}; } catch (e) { /* not JSON */ }
      const record = { key: item.key, title: item.title, kind: item.kind, status: response.status,
        number: answer.number || null, at: new Date().toISOString(),
        message: answer.message || (response.status >= 400 && !answer.display ? "HTTP " + response.status : ""),
        display: answer.display || "" };
      await tx(SENT, "readwrite", (s) => s.put(record));
      await tx(STORE, "readwrite", (s) => s.delete(item.key));
      return true;
    },
    async flush() {
      if (flushing) return;
      flushing = true;
      try {
        /* The oldest first, read afresh each time: one saved meanwhile goes after the
           rest; one that cannot be sent now keeps its place and stops the round. */
        for (;;) {
          const [oldest] = await Queue.pending();
          if (!oldest || !(await Queue.sendOne(oldest))) break;
          Queue.changed();
        }
      } finally {
        flushing = false;
        Queue.changed();
      }
    },
  };

  global.addEventListener("online", () => Queue.flush());
  setInterval(() => { Queue.pending().then((p) => { if (p.length) Queue.flush(); }); }, 3000);
  global.UGQueue = Queue;
})(window);
