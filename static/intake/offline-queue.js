/* The offline queue: every submission is first written to IndexedDB with its
   idempotency key, then sent; what could not be sent stays and is retried when the
   network returns. The server answers a retried key with the first answer, so a
   submission is never recorded twice. Submissions are sent one at a time in the order
   they were made (each carries a sequence number taken when it is stored); one that
   cannot be sent yet stops the round, so nothing behind it overtakes it.
   Every item and sent record belongs to the user who made it (the signed-in user the
   top bar names, base.html): a page sends and lists only its user's items, so on a shared
   device another user's waiting reports are neither shown nor sent under the wrong
   session; they wait until their user signs in here again. */
(function (global) {
  "use strict";
  const UG = global.UG; /* static/common/ug.js: csrf, newKey, errorText */
  const DB = "ug-inspector", STORE = "outbox", SENT = "sent";
  /* Version 2 adds the indexes: waiting items by sequence number (the oldest is read with
     a cursor, not by reading and sorting the whole store) and sent records by time.
     Version 3 adds the user: waiting items by user and sequence number, sent records by
     user and time. */
  const VERSION = 3, BY_SEQ = "seq", BY_AT = "at", BY_USER_SEQ = "user-seq", BY_USER_AT = "user-at";
  /* The owner of what earlier versions stored (no user then): the first signed-in user who
     opens the app takes them over (claim), so none is lost, and from then on they are
     sent only under that user, never under whoever comes next. */
  const UNCLAIMED = "?";

  /* The signed-in user's id ("" when nobody is), read from the top bar each time. */
  function currentUser() {
    const bar = global.document.querySelector(".topbar");
    return (bar && bar.dataset.user) || "";
  }
  /* The keys [user, …] of one user in a [user, x] index. */
  function ofUser(user) { return IDBKeyRange.bound([user], [user, []]); }
  /* Another user signed in on this device since this page was drawn (ug.js records the
     user of every page): this page's session is not its user's any more, nothing is sent. */
  function sessionIsMine() {
    try {
      const last = global.localStorage.getItem("ug-user");
      return last === null || last === currentUser();
    } catch (e) { return true; }
  }

  /* The place of an item in the queue: its sequence number (older items, stored before
     there was one, by the time they were made). */
  function seqOf(item) { return typeof item.seq === "number" ? item.seq : Date.parse(item.created) || 0; }
  function inOrder(a, b) { return seqOf(a) - seqOf(b) || (a.created < b.created ? -1 : a.created > b.created ? 1 : 0); }

  function upgrade(db, t) {
    const outbox = db.objectStoreNames.contains(STORE) ? t.objectStore(STORE) : db.createObjectStore(STORE, { keyPath: "key" });
    const sent = db.objectStoreNames.contains(SENT) ? t.objectStore(SENT) : db.createObjectStore(SENT, { keyPath: "key" });
    if (!outbox.indexNames.contains(BY_SEQ)) outbox.createIndex(BY_SEQ, "seq");
    if (!outbox.indexNames.contains(BY_USER_SEQ)) outbox.createIndex(BY_USER_SEQ, ["user", "seq"]);
    if (!sent.indexNames.contains(BY_AT)) sent.createIndex(BY_AT, "at");
    if (!sent.indexNames.contains(BY_USER_AT)) sent.createIndex(BY_USER_AT, ["user", "at"]);
    /* An index leaves out items without its keys. Items stored before sequence numbers get
       one now, in the order they were made, so they keep their place; items and records
       stored before users are unclaimed until a user opens the app. */
    const legacy = [];
    outbox.openCursor().onsuccess = (e) => {
      const cursor = e.target.result;
      if (cursor) {
        if (typeof cursor.value.seq !== "number" || typeof cursor.value.user !== "string") legacy.push(cursor.value);
        cursor.continue();
        return;
      }
      let previous = -Infinity;
      for (const item of legacy.filter((i) => typeof i.seq !== "number").sort(inOrder)) {
        item.seq = Math.max(seqOf(item), previous + 1);
        previous = item.seq;
      }
      for (const item of legacy) {
        if (typeof item.user !== "string") item.user = UNCLAIMED;
        outbox.put(item);
      }
    };
    sent.openCursor().onsuccess = (e) => {
      const cursor = e.target.result;
      if (!cursor) return;
      if (typeof cursor.value.user !== "string") cursor.update(Object.assign(cursor.value, { user: UNCLAIMED }));
      cursor.continue();
    };
  }

  /* The signed-in user takes over the unclaimed items and records (see UNCLAIMED). */
  function claim(db) {
    const user = currentUser();
    if (!user) return Promise.resolve();
    return new Promise((resolve) => {
      let t;
      try { t = db.transaction([STORE, SENT], "readwrite"); } catch (e) { resolve(); return; }
      for (const [store, index] of [[STORE, BY_USER_SEQ], [SENT, BY_USER_AT]]) {
        t.objectStore(store).index(index).openCursor(ofUser(UNCLAIMED)).onsuccess = (e) => {
          const cursor = e.target.result;
          if (!cursor) return;
          cursor.update(Object.assign(cursor.value, { user }));
          cursor.continue();
        };
      }
      t.oncomplete = t.onerror = t.onabort = () => resolve();
    });
  }

  /* A tab still running an older version of this script holds the database open and
     does not let it be upgraded: the open waits until that tab is closed. Meanwhile
     nothing can be saved; every call fails at once with this error (code "blocked"), and
     Queue.blocked is true, so the page can say to close the other tabs. */
  function blockedError() {
    const error = new Error("close other urbangrid tabs to finish updating the app");
    error.code = "blocked";
    return error;
  }

  /* One connection, opened once; closed when another tab upgrades the database. */
  let connection = null;
  function open() {
    if (!connection) {
      connection = new Promise((resolve, reject) => {
        let req;
        try { req = indexedDB.open(DB, VERSION); } catch (e) { connection = null; reject(e); return; }
        let waited = false;
        req.onupgradeneeded = () => upgrade(req.result, req.transaction);
        req.onblocked = () => {
          if (waited) return;
          waited = true;
          reject(blockedError()); /* `connection` stays this failed promise until the open ends */
          Queue.blocked = true;
          Queue.changed();
        };
        req.onsuccess = () => {
          const db = req.result;
          db.onversionchange = () => { db.close(); connection = null; }; /* let a newer version upgrade */
          db.onclose = () => { connection = null; };
          claim(db).then(() => {
            if (!waited) { resolve(db); return; }
            connection = Promise.resolve(db);
            Queue.blocked = false;
            Queue.changed();
            Queue.flush();
          });
        };
        req.onerror = () => {
          connection = null;
          if (waited) { Queue.blocked = false; Queue.changed(); }
          reject(req.error);
        };
      });
      connection.catch(() => undefined); /* each caller handles the failure */
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
    blocked: false, /* see blockedError */
    onChange(fn) { listeners.push(fn); },
    changed() { listeners.forEach((fn) => fn()); },
    /* item: {key, kind, title, url, payload (object), photos: [Blob]}; the signed-in user
       is recorded with it. */
    async add(item) {
      item.user = currentUser();
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
    /* The signed-in user's waiting submissions, oldest first. */
    async pending() {
      const range = ofUser(currentUser());
      return (await tx(STORE, "readonly", (t) => t.objectStore(STORE).index(BY_USER_SEQ).getAll(range))) || [];
    },
    /* The signed-in user's oldest waiting submission, or null: their first entry of the index. */
    async oldest() {
      const range = ofUser(currentUser());
      return tx(STORE, "readonly", (t, box) => {
        box.value = null;
        t.objectStore(STORE).index(BY_USER_SEQ).openCursor(range).onsuccess = (e) => { const c = e.target.result; box.value = c ? c.value : null; };
      });
    },
    /* The signed-in user's sent records; with `limit`, only that many, newest first. */
    async sent(limit) {
      const range = ofUser(currentUser());
      if (!limit) return (await tx(SENT, "readonly", (t) => t.objectStore(SENT).index(BY_USER_AT).getAll(range))) || [];
      return tx(SENT, "readonly", (t, box) => {
        box.value = [];
        t.objectStore(SENT).index(BY_USER_AT).openCursor(range, "prev").onsuccess = (e) => {
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
      const record = { key: item.key, user: item.user, title: item.title, kind: item.kind, status: response.status,
        number: answer.number || null, at: new Date().toISOString(),
        message: answer.message || (response.status >= 400 && !answer.display ? "HTTP " + response.status : ""),
        display: answer.display || "" };
      /* Recorded as sent and taken off the queue together. */
      await tx([STORE, SENT], "readwrite", (t) => { t.objectStore(SENT).put(record); t.objectStore(STORE).delete(item.key); });
      return true;
    },
    async flush() {
      if (flushing || !sessionIsMine()) return;
      flushing = true;
      try {
        /* The oldest first, read afresh each time: one saved meanwhile goes after the
           rest; one that cannot be sent now keeps its place and stops the round. */
        for (;;) {
          const oldest = await Queue.oldest();
          if (!oldest || !(await Queue.sendOne(oldest))) break;
          Queue.changed();
        }
      } catch (e) {
        /* The database cannot be opened now (Queue.blocked): a later round sends. */
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
