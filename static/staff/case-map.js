/* A small map on the case page: the case's point coloured by its light, and its grid. */
(function () {
  "use strict";
  var el = document.getElementById("case-map");
  if (!el || !window.L) return;
  var d = el.dataset, lat = Number(d.lat), lng = Number(d.lng);
  var map = L.map(el, { scrollWheelZoom: false, maxZoom: 19 }).setView([lat, lng], 17);
  if (d.tiles) L.tileLayer(d.tiles, { maxZoom: 19 }).addTo(map);
  var colours = { red: "#b42318", yellow: "#d08700", green: "#1e7b34" };
  var delta = 0.004;
  fetch("/api/v1/geo/grids.geojson?bbox=" + [lng - delta, lat - delta, lng + delta, lat + delta].join(",") + "&limit=200", { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (fc) {
      L.geoJSON(fc, {
        style: function (f) { return f.properties.code === d.grid ? { color: "#0b5cad", weight: 2, fillOpacity: 0.08 } : { color: "#9fb3c8", weight: 1, fillOpacity: 0 }; },
        onEachFeature: function (f, layer) { if (f.properties.code === d.grid) layer.bindTooltip(f.properties.code, { permanent: true, direction: "top", className: "grid-code" }); }
      }).addTo(map);
    }).catch(function () {});
  L.circleMarker([lat, lng], { radius: 9, color: "#fff", weight: 2, fillColor: colours[d.light] || "#52606d", fillOpacity: 1 }).addTo(map);
})();
