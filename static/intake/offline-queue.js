/* The offline queue: every submission is first written to IndexedDB with its
   idempotency key, then sent; what could not be sent stays and is retried when the
   network returns. The server answers a retried key with the first answer, so a
   submission is never recorded twice. Submissions are sent one at a time in the order
   they were made (each carries a sequence number taken when it is stored); one that
   cannot be sent yet stops the round, so nothing behind it overtakes it. */
(function (global) {
  "use strict";
  const UG = global.UG; /* static/common/ug.js: csrf, newKey, errorText */
  const DB = "ug-inspector", STORE = "outbox", SENT = "sent";
  /* Version 2 adds the indexes: waiting items by sequence number (the oldest is read with
     a cursor, not by reading and sorting the whole store) and sent records by time. */
  const VERSION = 2, BY_SEQ = "seq", BY_AT = "at";

  /* The place of an item in the queue: its sequence number (older items, stored before
     there was one, by the time they were made). */
  function seqOf(item) { return typeof item.seq === "number" ? item.seq : Date.parse(item.created) || 0; }
  function inOrder(a, b) { return seqOf(a) - seqOf(b) || (a.created < b.created ? -1 : a.created > b.created ? 1 : 0); }

  function upgrade(db, t) {
    const outbox = db.objectStoreNames.contains(STORE) ? t.objectStore(STORE) : db.createObjectStore(STORE, { keyPath: "key" });
    const sent = db.objectStoreNames.contains(SENT) ? t.objectStore(SENT) : db.createObjectStore(SENT, { keyPath: "key" });
    if (!outbox.indexNames.contains(BY_SEQ)) {
      outbox.createIndex(BY_SEQ, "seq");
      /* An index leaves out items without the key: items stored before sequence numbers
         get one now, in the order they were made, so they keep their place. */
      const legacy = [];
      outbox.openCursor().onsuccess = (e) => {
        const cursor = e.target.result;
        if (cursor) { if (typeof cursor.value.seq !== "number") legacy.push(cursor.value); cursor.continue(); return; }
        let previous = -Infinity;
        for (const item of legacy.sort(inOrder)) {
          item.seq = Math.max(seqOf(item), previous + 1);
          previous = item.seq;
          outbox.put(item);
        }
      };
    }
    if (!sent.indexNames.contains(BY_AT)) sent.createIndex(BY_AT, "at");
  }

  /* One connection, opened once; closed when another tab upgrades the database. */
  let connection = null;
  function open() {
    if (!connection) {
      connection = new Promise((resolve, reject) => {
        const req = indexedDB.open(DB, VERSION);
        req.onupgradeneeded = () => upgrade(req.result, req.transaction);
        req.onsuccess = () => {
          const db = req.result;
          db.onversionchange = () => { db.close(); connection = null; };
          db.onclose = () => { connection = null; };
          resolve(db);
        };
        req.onerror = () => { connection = null; reject(req.error); };
      });
    }
    return connection;
  }

  /* One transaction over `stores`: fn(t, box) returns a request (its result is the answer)
     or sets box.value. */
  async function tx(stores, mode, fn) {
    const db = await open();
    return new Promise((resolve, reject) => {
      let t;
      try { t = db.transaction(stores, mode); } catch (e) { connection = null; reject(e); return; }
      const box = {};
      const req = fn(t, box);
      t.oncomplete = () => resolve("value" in box ? box.value : req && req.result);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error);
    });
  }

  /* An error answer's words: in the user's language (display) when the server gives it. */
  async function bodyOf(response) {
    try { return await response.json(); } catch (e) { return null; }
  }

  const listeners = [];
  let flushing = false;

  const Queue = {
    newKey: UG.newKey,
    onChange(fn) { listeners.push(fn); },
    changed() { listeners.forEach((fn) => fn()); },
    /* item: {key, kind, title, url, payload (object), photos: [Blob]} */
    async add(item) {
      item.created = new Date().toISOString();
      item.attempts = 0;
      /* After everything already waiting: the highest sequence number is read (from the
         end of the index) and the item written in one transaction (IndexedDB runs
         read-write transactions on a store one after the other, across tabs too). */
      await tx(STORE, "readwrite", (t) => {
        const s = t.objectStore(STORE);
        s.index(BY_SEQ).openCursor(null, "prev").onsuccess = (e) => {
          const cursor = e.target.result;
          if (cursor && cursor.value.key === item.key) { cursor.continue(); return; } /* a resend of a waiting item */
          item.seq = Math.max(Date.now(), (cursor ? cursor.value.seq : 0) + 1);
          s.put(item);
        };
      });
      Queue.changed();
      Queue.flush();
    },
    /* Waiting submissions, oldest first. */
    async pending() { return (await tx(STORE, "readonly", (t) => t.objectStore(STORE).index(BY_SEQ).getAll())) || []; },
    /* The oldest waiting submission, or null: the first entry of the index. */
    async oldest() {
      return tx(STORE, "readonly", (t, box) => {
        box.value = null;
        t.objectStore(STORE).index(BY_SEQ).openCursor().onsuccess = (e) => { const c = e.target.result; box.value = c ? c.value : null; };
      });
    },
    /* Sent records; with `limit`, only that many, newest first. */
    async sent(limit) {
      if (!limit) return (await tx(SENT, "readonly", (t) => t.objectStore(SENT).getAll())) || [];
      return tx(SENT, "readonly", (t, box) => {
        box.value = [];
        t.objectStore(SENT).index(BY_AT).openCursor(null, "prev").onsuccess = (e) => {
          const c = e.target.result;
          if (!c) return;
          box.value.push(c.value);
          if (box.value.length < limit) c.continue();
        };
      });
    },
    async sendOne(item) {
      const body = new FormData();
      body.append("payload", JSON.stringify(Object.assign({}, item.payload, { idempotency_key: item.key })));
      (item.photos || []).forEach((blob, i) => body.append("photos", blob, blob.name || "photo" + i + ".jpg"));
      let response;
      try {
        response = await fetch(item.url, {
          method: "POST", body: body, credentials: "same-origin",
          headers: { "X-CSRFToken": UG.csrf(), "Idempotency-Key": item.key },
        });
      } catch (e) {
        return false; /* offline: keep it */
      }
      if (response.status >= 500 || response.status === 429 || response.status === 401 || response.status === 403) {
        const why = UG.errorText(await bodyOf(response));
        item.attempts += 1;
        item.lastError = "HTTP " + response.status + (why ? " · " + why : "");
        await tx(STORE, "readwrite", (t) => t.objectStore(STORE).put(item));
        return false;
      }
      const answer = (await bodyOf(response)) || {};
      const record = { key: item.key, title: item.title, kind: item.kind, status: response.status,
        number: answer.number || null, at: new Date().toISOString(),
        message: answer.message || (response.status >= 400 && !answer.display ? "HTTP " + response.status : ""),
        display: answer.display || "" };
      /* Recorded as sent and taken off the queue together. */
      await tx([STORE, SENT], "readwrite", (t) => { t.objectStore(SENT).put(record); t.objectStore(STORE).delete(item.key); });
      return true;
    },
    async flush() {
      if (flushing) return;
      flushing = true;
      try {
        /* The oldest first, read afresh each time: one saved meanwhile goes after the
           rest; one that cannot be sent now keeps its place and stops the round. */
        for (;;) {
          const oldest = await Queue.oldest();
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
  setInterval(() => { Queue.oldest().then((o) => { if (o) Queue.flush(); }, () => {}); }, 3000);
  global.UGQueue = Queue;
})(window);
