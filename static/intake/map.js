/* Shared Leaflet helpers: a map that works without a tile server (it draws the unit
   grids from our GeoJSON), and a movable pin. */
(function (global) {
  "use strict";
  function cfg(el) { return { tiles: el.dataset.tiles || "", district: el.dataset.district || "" }; }
  function sized(map) { const s = map.getSize(); return s.x > 0 && s.y > 0; }
  /* Resolves once the map has a size (at once if it has one). */
  function whenSized(map) {
    return new Promise((resolve) => {
      if (sized(map)) { resolve(); return; }
      function onResize() { if (sized(map)) { map.off("resize", onResize); resolve(); } }
      map.on("resize", onResize);
    });
  }

  /* Fit the user's district (the element's data-district; else the first one) unless a
     centre was given, and draw the grids in view. */
  async function showArea(map, opts) {
    try {
      const districts = await (await fetch("/api/v1/geo/districts")).json();
      await whenSized(map); /* hidden again meanwhile: fit it when it is shown */
      const home = districts.find((d) => d.code === opts.district) || districts[0];
      if (home && home.bbox && !opts.lat) {
        const b = home.bbox;
        /* At once, not animated: the grids are asked for the view it leaves. */
        map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { animate: false });
      }
      const b = map.getBounds();
      const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].join(",");
      const grids = await (await fetch("/api/v1/geo/grids.geojson?limit=2000&bbox=" + bbox)).json();
      L.geoJSON(grids, { style: { color: "#7b93ad", weight: 1, fillOpacity: 0.03 }, interactive: false }).addTo(map);
    } catch (e) { /* offline: the map still takes a pin */ }
    map.ugAreaShown = true;
  }

  /* A map made in a hidden container (an inactive tab) has no size: Leaflet cannot fit
     anything into it. It resolves at once, and fits the district and draws the grids the
     first time it gets a size (the page calls map.invalidateSize() when it shows it).
     map.ugArea is a promise for that; map.ugAreaShown is true once it is done. */
  async function makeMap(el, opts) {
    opts = opts || {};
    const map = L.map(el, { zoomControl: true });
    const c = cfg(el);
    if (c.tiles) { L.tileLayer(c.tiles, { maxZoom: 19 }).addTo(map); }
    map.setView([opts.lat || 39.9, opts.lng || 116.4], opts.zoom || 16);
    map.ugAreaShown = false;
    opts.district = opts.district || c.district;
    map.ugArea = whenSized(map).then(() => showArea(map, opts));
    if (sized(map)) await map.ugArea;
    return map;
  }

  function movablePin(map, onMove) {
    let marker = null;
    function place(lat, lng) {
      if (!marker) {
        marker = L.marker([lat, lng], { draggable: true }).addTo(map);
        marker.on("dragend", () => { const p = marker.getLatLng(); onMove(p.lat, p.lng); });
      } else { marker.setLatLng([lat, lng]); }
      onMove(lat, lng);
    }
    /* Take the pin off the map (a new report starts without a place). */
    function clear() { if (marker) { marker.remove(); marker = null; } }
    map.on("click", (e) => place(e.latlng.lat, e.latlng.lng));
    return { place: place, clear: clear, get: () => marker && marker.getLatLng() };
  }

  global.UG = Object.assign(global.UG || {}, { makeMap: makeMap, movablePin: movablePin });
})(window);
