/* The hotline desk: address search and pin, matter search, similar open cases nearby
   (attach the call), knowledge base, save the call (idempotent). After a saved call every
   per-call field is cleared (caller, text, place and pin, matter, similar cases, outcome,
   knowledge-base pick), and answers still on their way for the previous call are dropped,
   so nothing of one call leaks into the next. */
(async function () {
  "use strict";
  const S = window.UG_DESK, form = document.getElementById("call-form");
  const $ = (id) => document.getElementById(id);
  const { csrf, newKey, errorText } = UG; /* static/common/ug.js */
  // Each call the desk takes has a number: a lookup answered for an earlier call is dropped.
  let callNo = 0;
  const get = async (url) => {
    const r = await fetch(url, { credentials: "same-origin" });
    return r.ok ? r.json() : [];
  };
  let key = newKey();
  const map = await UG.makeMap($("desk-map"));

  // The pin; clear() when a new call starts without a place.
  const pin = UG.movablePin(map, (lat, lng) => { form.lat.value = lat.toFixed(7); form.lng.value = lng.toFixed(7); similar(); });

  // The one timer of each search field still waiting (a newer keystroke replaces it; it is
  // dropped when it runs), so a new call can cancel what the last one typed.
  const timers = new Map();
  function debounce(el, fn) {
    el.addEventListener("input", () => {
      clearTimeout(timers.get(el));
      timers.set(el, setTimeout(() => { timers.delete(el); fn(); }, 250));
    });
  }
  function item(list, text, onClick) {
    const li = document.createElement("li"), b = document.createElement("button");
    b.type = "button"; b.textContent = text; b.onclick = onClick; li.appendChild(b); list.appendChild(li); return b;
  }
  const places = $("place-results");
  debounce($("place-search"), async () => {
    places.innerHTML = "";
    const q = $("place-search").value.trim(), no = callNo; if (!q) return;
    const found = await get("/api/v1/hotline/places?q=" + encodeURIComponent(q));
    if (no !== callNo) return;
    places.innerHTML = "";
    for (const p of found)
      item(places, `${p.name} ${p.address || ""}`, () => { pin.place(p.lat, p.lng); map.setView([p.lat, p.lng], 18); form.address.value = p.address || p.name; places.innerHTML = ""; });
  });
  const matters = $("matter-results");
  debounce($("matter-search"), async () => {
    matters.innerHTML = "";
    const q = $("matter-search").value.trim(), no = callNo; if (!q) return;
    const found = (await get("/api/v1/catalog/matters?q=" + encodeURIComponent(q))).slice(0, 12);
    if (no !== callNo) return;
    matters.innerHTML = "";
    for (const m of found)
      item(matters, `${m.code} ${m.name}`, () => { form.matter_code.value = m.code; $("matter-chosen").textContent = `${m.code} ${m.name}`; matters.innerHTML = ""; similar(); });
  });
  const similarList = $("similar"), similarEmpty = similarList.innerHTML;
  async function similar() {
    if (!form.matter_code.value || !form.lat.value) return;
    const no = callNo;
    const found = await get(`/api/v1/hotline/similar?matter_code=${encodeURIComponent(form.matter_code.value)}` +
      `&lat=${encodeURIComponent(form.lat.value)}&lng=${encodeURIComponent(form.lng.value)}`);
    if (no !== callNo) return;
    similarList.innerHTML = "";
    for (const c of found) {
      const b = item(similarList, `${c.number} · ${c.address} · ${c.distance_m} m · ${c.progress.status_label} · +${c.progress.support_count}`, () => {
        form.attach_to.value = c.number; form.querySelector("[name=outcome][value=support]").checked = true; });
      b.dataset.number = c.number; b.title = S.attach;
    }
  }
  const kb = $("kb-results");
  debounce($("kb-search"), async () => {
    kb.innerHTML = "";
    const no = callNo;
    const found = await get("/api/v1/hotline/knowledge?q=" + encodeURIComponent($("kb-search").value));
    if (no !== callNo) return;
    kb.innerHTML = "";
    for (const e of found)
      item(kb, `${e.title}: ${e.answer}`, () => { form.answer.value = e.answer; form.knowledge_id.value = e.id; form.querySelector("[name=outcome][value=answered]").checked = true; });
  });

  /* Ready for the next call. form.reset() alone does not clear the hidden fields (a
     hidden input's value is its default), the pin, the lists or the knowledge-base search
     outside the form. */
  function newCall() {
    callNo += 1;
    for (const t of timers.values()) clearTimeout(t);
    timers.clear();
    form.reset();
    for (const name of ["lng", "lat", "matter_code", "knowledge_id"]) form[name].value = "";
    pin.clear();
    $("matter-chosen").textContent = "";
    places.innerHTML = ""; matters.innerHTML = ""; kb.innerHTML = "";
    $("kb-search").value = "";
    similarList.innerHTML = similarEmpty;
    key = newKey();
  }

  let saving = false;
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (saving) return;
    const fd = new FormData(form), body = {};
    for (const [k, v] of fd.entries()) if (v !== "") body[k] = v;
    for (const k of ["lng", "lat"]) if (body[k]) body[k] = parseFloat(body[k]);
    if (body.knowledge_id) body.knowledge_id = parseInt(body.knowledge_id, 10);
    const out = $("call-result"), button = form.querySelector("button[type=submit]");
    saving = true; button.disabled = true;
    try {
      const r = await fetch("/api/v1/hotline/calls", { method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), "Idempotency-Key": key }, body: JSON.stringify(body) });
      let answer = null;
      try { answer = await r.json(); } catch (err) { answer = null; }
      if (!r.ok || !answer) { out.textContent = errorText(answer, r); return; }
      out.textContent = `${S.saved} ${answer.call}` + (answer.case ? ` · ${S.kase} ${answer.case.number}` : "") +
        (answer.progress ? ` · ${answer.progress.status_label}` : "");
      newCall();
      $("caller-phone").focus();
    } catch (err) {
      out.textContent = String(err && err.message ? err.message : err);
    } finally {
      saving = false; button.disabled = false;
    }
  });
  window.UGDesk = { ready: true, map: map, pin: pin, newCall: newCall, waitingSearches: () => timers.size };
})();
