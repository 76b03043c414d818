/* The workbench map: unit grids by zoom level with their codes, components, cases by
   light (single points clustered at street zoom, server-side counts per cell below),
   a heat layer, and a box to list the cases of an area. No tile server needed. */
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L) return;
  var d = el.dataset;
  var centre = d.centre.split(",").map(Number);
  var map = L.map(el, { preferCanvas: true, zoomControl: true, maxZoom: 19, minZoom: 10 }).setView(centre, 14);
  if (d.tiles) L.tileLayer(d.tiles, { maxZoom: 19 }).addTo(map);
  var COLOURS = { red: "#b42318", yellow: "#d08700", green: "#1e7b34", "": "#52606d" };
  var GRID_ZOOM = 12, CODE_ZOOM = 17;

  var grids = L.geoJSON(null, {
    style: { color: "#486581", weight: 1, fillOpacity: 0.03 },
    onEachFeature: function (f, layer) {
      layer.bindTooltip(f.properties.code, { permanent: map.getZoom() >= CODE_ZOOM, direction: "center", className: "grid-code" });
    }
  }).addTo(map);
  var clusters = L.markerClusterGroup({ chunkedLoading: true, maxClusterRadius: 50, disableClusteringAtZoom: 19,
    iconCreateFunction: function (cluster) {
      var red = 0;
      cluster.getAllChildMarkers().forEach(function (m) { if (m.options.light === "red") red++; });
      return clusterIcon(cluster.getChildCount(), red);
    } });
  var cells = L.layerGroup();
  var cases = L.layerGroup([clusters, cells]).addTo(map);
  var heat = L.heatLayer ? L.heatLayer([], { radius: 25, blur: 20, minOpacity: 0.3 }) : L.layerGroup();
  var assets = L.layerGroup();
  var overlays = {};
  overlays[d.labelGrids] = grids; overlays[d.labelCases] = cases; overlays[d.labelHeat] = heat; overlays[d.labelAssets] = assets;
  L.control.layers(null, overlays, { collapsed: false }).addTo(map);
  L.control.scale({ imperial: false }).addTo(map);
  var status = document.getElementById("map-status");
  var lightSelect = document.getElementById("map-light");

  function clusterIcon(n, red) {
    var size = n < 10 ? 30 : n < 100 ? 36 : n < 1000 ? 44 : 52;
    var cls = red > 0 ? "cell cell-red" : "cell";
    return L.divIcon({ html: '<span style="line-height:' + (size - 4) + 'px">' + n + "</span>", className: cls, iconSize: [size, size] });
  }
  function bboxParam() {
    var b = map.getBounds();
    return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(6); }).join(",");
  }
  var pending = {};
  function getJSON(key, url) {
    if (pending[key]) pending[key].abort();
    var ctrl = new AbortController(); pending[key] = ctrl;
    return fetch(url, { credentials: "same-origin", signal: ctrl.signal, headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); });
  }
  function caseUrl(number) { return d.caseUrl.replace("NUMBER", encodeURIComponent(number)); }

  function loadCases() {
    var url = d.casesUrl + "?bbox=" + bboxParam() + "&zoom=" + map.getZoom() + "&light=" + encodeURIComponent(lightSelect.value);
    getJSON("cases", url).then(function (data) {
      clusters.clearLayers(); cells.clearLayers();
      var heatPoints = [];
      if (data.mode === "points") {
        var markers = data.points.map(function (p) {
          var m = L.circleMarker([p.lat, p.lng], { radius: 7, color: "#fff", weight: 1.5, fillColor: COLOURS[p.l] || COLOURS[""], fillOpacity: 0.95, light: p.l });
          m.bindPopup('<a href="' + caseUrl(p.n) + '">' + p.n + "</a>");
          heatPoints.push([p.lat, p.lng, 1]);
          return m;
        });
        clusters.addLayers(markers);
      } else {
        var max = 1;
        data.cells.forEach(function (c) { if (c.n > max) max = c.n; });
        data.cells.forEach(function (c) {
          var m = L.marker([c.lat, c.lng], { icon: clusterIcon(c.n, c.red), keyboard: false, title: c.n + " (" + c.red + " red)" });
          m.on("click", function () { map.setView([c.lat, c.lng], Math.min(map.getZoom() + 2, 18)); });
          cells.addLayer(m);
          heatPoints.push([c.lat, c.lng, c.n / max]);
        });
      }
      if (heat.setLatLngs) heat.setLatLngs(heatPoints);
      status.textContent = data.total + " " + d.labelCasesInView;
    }).catch(function (e) { if (e.name !== "AbortError") status.textContent = "⚠ " + e.message; });
  }
  function loadGrids() {
    if (!map.hasLayer(grids)) return;
    if (map.getZoom() < GRID_ZOOM) { grids.clearLayers(); return; }
    getJSON("grids", d.gridsUrl + "?bbox=" + bboxParam() + "&limit=3000").then(function (fc) {
      grids.clearLayers(); grids.addData(fc);
    }).catch(function () {});
  }
  function loadAssets() {
    if (!map.hasLayer(assets)) return;
    getJSON("assets", d.assetsUrl + "?bbox=" + bboxParam() + "&zoom=" + map.getZoom()).then(function (data) {
      assets.clearLayers();
      data.items.forEach(function (a) {
        assets.addLayer(L.circleMarker([a.lat, a.lng], { radius: 4, color: "#6b3fa0", weight: 1, fillOpacity: 0.6 }).bindTooltip(a.name + " " + a.ident));
      });
    }).catch(function () {});
  }
  var timer = null;
  function refresh() {
    clearTimeout(timer);
    timer = setTimeout(function () { loadCases(); loadGrids(); loadAssets(); }, 150);
  }
  map.on("moveend", refresh);
  map.on("overlayadd", refresh);
  lightSelect.addEventListener("change", loadCases);
  setInterval(loadCases, 30000);

  // Fit the district on first load.
  fetch("/api/v1/geo/districts", { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (list) {
    if (list && list.length && list[0].bbox) { var b = list[0].bbox; map.fitBounds([[b[1], b[0]], [b[3], b[2]]]); }
    else refresh();
  }).catch(refresh);

  // Draw an area (rectangle) to list its cases.
  var drawButton = document.getElementById("draw-box");
  var clearButton = document.getElementById("clear-box");
  var drawing = false, start = null, rect = null;
  function setDrawing(on) {
    drawing = on; drawButton.setAttribute("aria-pressed", on ? "true" : "false");
    if (on) { map.dragging.disable(); el.classList.add("drawing"); } else { map.dragging.enable(); el.classList.remove("drawing"); }
  }
  drawButton.addEventListener("click", function () { setDrawing(!drawing); });
  map.on("mousedown", function (e) {
    if (!drawing) return;
    start = e.latlng;
    if (rect) map.removeLayer(rect);
    rect = L.rectangle([start, start], { color: "#0b5cad", weight: 2, fillOpacity: 0.08 }).addTo(map);
  });
  map.on("mousemove", function (e) { if (drawing && start && rect) rect.setBounds([start, e.latlng]); });
  map.on("mouseup", function () {
    if (!drawing || !start || !rect) return;
    start = null; setDrawing(false);
    var b = rect.getBounds();
    var box = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(6); }).join(",");
    var url = d.listUrl + "?open=1&bbox=" + box;
    if (window.htmx) htmx.ajax("GET", url, { target: "#area-list", swap: "innerHTML" });
    else window.location = url;
    var more = document.getElementById("area-more");
    if (!more) { more = document.createElement("p"); more.id = "area-more"; }
  });
  clearButton.addEventListener("click", function () {
    if (rect) map.removeLayer(rect); rect = null;
    document.getElementById("area-list").innerHTML = "";
  });
})();
