/* The inspector app (城管通): tasks nearest first (list and map), report a problem
   (photos, movable GPS pin, grid, matter search with recent picks, asset within 30 m,
   description, self-handled), answer tasks with photos, and the offline queue. */
(function () {
  "use strict";
  const T = JSON.parse(document.getElementById("i18n").textContent);
  const Q = window.UGQueue;
  const app = document.getElementById("app");
  let here = null; /* {lat, lng} */

  if ("serviceWorker" in navigator) {
    const sw = navigator.serviceWorker;
    sw.register("/inspector/sw.js", { scope: "/inspector/" }).catch(() => {});
    /* The first visit asks for its data (districts, grids, tasks, catalogues) before the
       service worker controls the page, so those answers did not pass through it. When
       it takes over it is told their addresses; it fetches and keeps the ones the app
       needs offline (sw.js), so the app works offline after one visit. */
    if (!sw.controller && "PerformanceObserver" in window) {
      let since = null;
      const early = [];
      const tell = (urls) => { if (urls.length && sw.controller) sw.controller.postMessage({ keep: urls }); };
      const observer = new PerformanceObserver((list) => {
        const urls = list.getEntries()
          .filter((e) => e.initiatorType === "fetch" && (since === null || e.startTime < since))
          .map((e) => e.name);
        if (since === null) early.push(...urls); else tell(urls);
      });
      observer.observe({ type: "resource", buffered: true });
      sw.addEventListener("controllerchange", () => {
        since = performance.now();
        tell(early.splice(0));
        setTimeout(() => observer.disconnect(), 30000); /* answers still on their way */
      }, { once: true });
    }
  }

  /* --- tabs ------------------------------------------------------------------ */
  const maps = {};
  app.querySelectorAll("[data-tab]").forEach((b) => b.addEventListener("click", () => show(b.dataset.tab)));
  function show(name) {
    app.querySelectorAll(".tab").forEach((s) => { s.hidden = s.id !== "tab-" + name; });
    app.querySelectorAll("[data-tab]").forEach((b) => b.setAttribute("aria-selected", String(b.dataset.tab === name)));
    /* A map made while its tab was hidden has no size: sizing it now lets it fit the
       district and draw the grids (UG.makeMap waits for that). */
    [maps.tasks, maps.report].forEach((m) => m && m.invalidateSize());
  }

  /* --- network status and queue ---------------------------------------------- */
  /* While another tab keeps the app's database from being upgraded (Q.blocked), nothing can
     be saved: that is what the status says. */
  function net() { document.getElementById("net-status").textContent = Q.blocked ? T.blocked : navigator.onLine ? T.online : T.offline; }
  window.addEventListener("online", net); window.addEventListener("offline", net); net();

  /* Fill a whole translated sentence: each {name} once, taken literally. */
  function fill(sentence, values) { return sentence.replace(/\{(\w+)\}/g, (m, k) => (Object.prototype.hasOwnProperty.call(values, k) ? String(values[k]) : m)); }

  async function renderQueue() {
    net();
    let pending, sent;
    try { pending = await Q.pending(); sent = await Q.sent(30); /* the newest 30 */ } catch (e) { return; }
    document.getElementById("queue-count").textContent = pending.length;
    const list = document.getElementById("queue-list"); list.innerHTML = "";
    for (const item of pending) {
      const li = document.createElement("li");
      li.textContent = `${item.title} · ${item.created.slice(0, 16).replace("T", " ")}` + (item.lastError ? ` · ${item.lastError}` : "");
      list.appendChild(li);
    }
    const done = document.getElementById("sent-list"); done.innerHTML = "";
    for (const item of sent) {
      const li = document.createElement("li");
      li.className = "sent-item";
      const text = item.number ? T.sent : T.failed;  // whole sentences: translators order the parts
      li.textContent = fill(text, { title: item.title, number: item.number, reason: UG.errorText(item) });
      done.appendChild(li);
    }
  }
  Q.onChange(renderQueue); renderQueue();
  document.getElementById("send-now").addEventListener("click", () => Q.flush());

  /* A submission that could not be saved on the device: why, where the user looks. */
  function notSaved(error, out) {
    out.textContent = error && error.code === "blocked" ? T.blocked
      : fill(T.not_saved, { reason: (error && (error.message || error.name)) || String(error) });
  }

  /* Signing out keeps this user's waiting submissions on the device (they are sent when
     the user signs in here again, never under another user): the user is told and asked. */
  UG.beforeSignOut = async () => {
    let waiting = [];
    try { waiting = await Promise.race([Q.pending(), new Promise((resolve) => setTimeout(() => resolve([]), 1000))]); } catch (e) { /* unreadable: nothing to say */ }
    return !waiting.length || window.confirm(T.sign_out_waiting);
  };

  /* --- tasks ------------------------------------------------------------------- */
  async function loadTasks() {
    const url = "/api/v1/intake/tasks" + (here ? `?lat=${here.lat}&lng=${here.lng}` : "");
    let tasks = [];
    try { const r = await fetch(url, { credentials: "same-origin" }); if (r.ok) tasks = await r.json(); } catch (e) { return; }
    const list = document.getElementById("task-list"); list.innerHTML = "";
    if (maps.tasks && maps.taskLayer) maps.taskLayer.clearLayers();
    if (!tasks.length) { list.innerHTML = `<li class="muted">${T.no_tasks}</li>`; }
    for (const t of tasks) {
      const li = document.createElement("li"), b = document.createElement("button");
      b.type = "button"; b.className = "task";
      b.textContent = `${T[t.task]} · ${t.number} · ${t.matter} · ${t.address || ""}` + (here ? ` · ${t.distance_m} m` : "");
      b.onclick = () => openAnswer(t);
      li.appendChild(b); list.appendChild(li);
      if (maps.taskLayer) L.marker([t.lat, t.lng]).bindPopup(`${T[t.task]} ${t.number}`).addTo(maps.taskLayer);
    }
  }
  const answerForm = document.getElementById("answer-form");
  function openAnswer(t) {
    answerForm.hidden = false;
    answerForm.number.value = t.number; answerForm.action.value = t.task;
    document.getElementById("answer-title").textContent = `${T[t.task]} ${t.number}`;
    answerForm.querySelector("[data-label-true]").textContent = T["true_" + t.task];
    answerForm.querySelector("[data-label-false]").textContent = T["false_" + t.task];
  }
  answerForm.querySelector("[data-cancel]").onclick = () => { answerForm.hidden = true; };
  answerForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = answerForm, number = f.number.value;
    try {
      await Q.add({
        key: Q.newKey(), kind: "answer", title: `${T.answer} ${number}`,
        url: `/api/v1/intake/tasks/${encodeURIComponent(number)}/answer`,
        payload: { action: f.action.value, result: f.result.value === "true", note: f.note.value },
        photos: Array.from(f.photos.files),
      });
    } catch (err) { notSaved(err, document.getElementById("answer-title")); return; }
    f.reset(); f.hidden = true;
  });

  /* --- report --------------------------------------------------------------------- */
  const form = document.getElementById("report-form");
  let pin = null;
  /* Bumped by every new place and by a reset: answers for an older place are dropped. */
  let placing = 0;
  async function located(lat, lng) {
    const mine = ++placing;
    form.lat.value = lat.toFixed(7); form.lng.value = lng.toFixed(7);
    const label = document.getElementById("grid-name");
    document.getElementById("asset-select").length = 1; /* the assets near the old place */
    let name;
    try {
      const r = await fetch(`/api/v1/geo/locate?lat=${lat}&lng=${lng}`);
      name = r.ok ? (await r.json()).grid.name : T.outside;
    } catch (e) { name = `${lat.toFixed(5)}, ${lng.toFixed(5)}`; }
    if (mine !== placing) return;
    label.textContent = name;
    loadAssets(mine);
  }
  async function loadAssets(mine) {
    const select = document.getElementById("asset-select");
    if (!form.lat.value) return;
    try {
      const r = await fetch(`/api/v1/intake/assets/nearby?lat=${form.lat.value}&lng=${form.lng.value}&radius_m=30`, { credentials: "same-origin" });
      if (!r.ok) return;
      const assets = await r.json();
      if (mine !== placing) return;
      select.length = 1;
      for (const a of assets) select.add(new Option(`${a.type_name} ${a.name} (${a.ident}) · ${a.distance_m} m`, a.ident));
    } catch (e) { /* offline: no asset list */ }
  }
  /* The whole catalogues, kept by the service worker: a search the server cannot
     answer (offline) is answered from them, word by word as the server does (a code
     starting with the word, or a name, plain name or keywords holding it). */
  const catalogue = {};
  function wholeCatalogue(kind) {
    if (!catalogue[kind]) {
      catalogue[kind] = fetch(`/api/v1/catalog/${kind}`, { credentials: "same-origin" })
        .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`))))
        .catch((e) => { delete catalogue[kind]; throw e; });
    }
    return catalogue[kind];
  }
  function searchKept(types, q) {
    const words = q.toLowerCase().split(/\s+/).filter(Boolean);
    return types.filter((t) => {
      const text = [t.name, t.plain_name, t.keywords].join("\n").toLowerCase();
      return words.every((w) => t.code.toLowerCase().startsWith(w) || text.includes(w));
    });
  }
  /* Online, the catalogues are fetched (and so kept) when no copy younger than a day is. */
  async function keepCatalogues() {
    for (const kind of ["matters", "components"]) {
      try {
        const kept = "caches" in window ? await caches.match(`/api/v1/catalog/${kind}`) : null;
        const age = kept ? Date.now() - Date.parse(kept.headers.get("Date") || "") : NaN;
        if (!(age < 86400000)) await wholeCatalogue(kind);
      } catch (e) { /* offline: the kept copy, if any, serves */ }
    }
  }
  function recent() { try { return JSON.parse(localStorage.getItem("ug-recent-matters") || "[]"); } catch (e) { return []; } }
  function choose(code, name) {
    form.matter_code.value = code;
    document.getElementById("matter-chosen").textContent = `${code} ${name}`;
    const list = [{ code, name }].concat(recent().filter((m) => m.code !== code)).slice(0, 6);
    localStorage.setItem("ug-recent-matters", JSON.stringify(list));
    renderRecent();
    document.getElementById("matter-results").innerHTML = "";
  }
  function renderRecent() {
    const box = document.getElementById("recent-matters"); if (!box) return; box.innerHTML = "";
    for (const m of recent()) {
      const b = document.createElement("button"); b.type = "button"; b.className = "chip";
      b.textContent = m.name; b.onclick = () => choose(m.code, m.name); box.appendChild(b);
    }
  }
  let searchTimer = null, searching = 0;
  const gridHint = form ? document.getElementById("grid-name").textContent : "";
  /* After a report is saved (sent or queued) the next one starts empty: its own matter,
     place, asset, description and photos. Hidden inputs keep a value set by script
     through form.reset() (it becomes their default), so they are emptied one by one. */
  function resetReport() {
    placing += 1; searching += 1; clearTimeout(searchTimer);
    form.reset();
    for (const name of ["matter_code", "lat", "lng"]) { form[name].value = ""; form[name].removeAttribute("value"); }
    document.getElementById("matter-chosen").textContent = "";
    document.getElementById("matter-results").innerHTML = "";
    document.getElementById("asset-select").length = 1;
    document.getElementById("grid-name").textContent = gridHint;
    if (pin) pin.clear();
  }
  if (form) {
    renderRecent();
    document.getElementById("matter-search").addEventListener("input", (e) => {
      clearTimeout(searchTimer);
      const q = e.target.value.trim(), mine = ++searching;
      searchTimer = setTimeout(async () => {
        const out = document.getElementById("matter-results"); out.innerHTML = "";
        if (!q) return;
        const found = [];
        for (const kind of ["matters", "components"]) {
          try {
            const r = await fetch(`/api/v1/catalog/${kind}?q=${encodeURIComponent(q)}`);
            if (r.ok) found.push(...(await r.json()).slice(0, 10));
          } catch (err) { /* offline: the kept catalogue */
            try { found.push(...searchKept(await wholeCatalogue(kind), q).slice(0, 10)); } catch (e2) { /* none kept */ }
          }
        }
        if (mine !== searching) return; /* a newer search, or the form was reset */
        out.innerHTML = "";
        for (const m of found.slice(0, 15)) {
          const li = document.createElement("li"), b = document.createElement("button");
          b.type = "button"; b.textContent = `${m.code} ${m.name}`; b.dataset.code = m.code;
          b.onclick = () => choose(m.code, m.name); li.appendChild(b); out.appendChild(li);
        }
      }, 250);
    });
    document.getElementById("use-gps").addEventListener("click", () => {
      if (!navigator.geolocation) return;
      navigator.geolocation.getCurrentPosition((p) => {
        here = { lat: p.coords.latitude, lng: p.coords.longitude };
        if (pin) { pin.place(here.lat, here.lng); maps.report.setView([here.lat, here.lng], 18); }
      }, () => {}, { enableHighAccuracy: true, timeout: 10000 });
    });
    let saving = false;
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (saving) return; /* a double tap must not save the report twice */
      const out = document.getElementById("report-result");
      if (!form.lat.value) { out.textContent = T.need_place; return; }
      if (!form.matter_code.value) { out.textContent = T.need_matter; return; }
      const payload = {
        channel: "inspector", matter_code: form.matter_code.value,
        lng: parseFloat(form.lng.value), lat: parseFloat(form.lat.value),
        address: form.address.value, description: form.description.value,
        component_ident: form.component_ident.value, self_handled: form.self_handled.checked,
      };
      const key = Q.newKey();
      saving = true;
      try {
        await Q.add({ key, kind: "report", title: `${T.report} ${form.matter_code.value} ${form.address.value}`,
          url: "/api/v1/intake/reports/with-photos", payload, photos: Array.from(form.photos.files) });
      } catch (err) {
        notSaved(err, out); /* not saved: the form keeps what was entered */
        return;
      } finally { saving = false; }
      /* Saved on the device (and being sent): the next report starts from scratch. */
      out.textContent = navigator.onLine ? "" : T.queued;
      resetReport();
    });
  }

  /* --- maps ------------------------------------------------------------------------- */
  (async function () {
    if (window.L) {
      try {
        maps.tasks = await UG.makeMap(document.getElementById("tasks-map"));
        maps.taskLayer = L.layerGroup().addTo(maps.tasks);
        if (form) {
          maps.report = await UG.makeMap(document.getElementById("report-map"));
          pin = UG.movablePin(maps.report, located);
        }
      } catch (e) { /* no map offline: the list still works */ }
    }
    if (navigator.geolocation) {
      navigator.geolocation.getCurrentPosition((p) => { here = { lat: p.coords.latitude, lng: p.coords.longitude }; loadTasks(); }, () => {}, { timeout: 5000 });
    }
    loadTasks();
    if (form && navigator.onLine) keepCatalogues();
  })();
  window.UGInspector = {
    choose: choose,
    place: (lat, lng) => pin && pin.place(lat, lng),
    reloadTasks: loadTasks,
    mapReady: () => pin !== null,  // the report map (and its pin) exists
    mapShown: () => Boolean(maps.report && maps.report.ugAreaShown),  // fitted, grids drawn
  };
})();
