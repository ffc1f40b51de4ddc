// Sagewatch console: draws the charts from the data-series the server rendered (the tables hold the same figures
// without JavaScript), and draws them again after htmx swaps a part of the page or the window is resized; follows
// the live tail (an EventSource on the table's data-tail address; each "inference" event is a row to put on top).
(function () {
  "use strict";

  var COLORS = { invocations: "#0b5cad", errors: "#a8071a", throttles: "#b35c00", p50: "#1d6b32", p99: "#0b5cad",
    model_p99: "#6a3d9a", gateway_p99: "#b35c00", distance: "#0b5cad", threshold: "#a8071a" };

  function series(label, key, extra) {
    var s = { label: label, stroke: COLORS[key], width: 2, spanGaps: false, points: { show: true, size: 4 } };
    for (var name in extra || {}) { s[name] = extra[name]; }
    return s;
  }

  function timeChart(element, data) {
    var kind = element.getAttribute("data-chart");
    var columns, config;
    if (kind === "traffic") {
      columns = [data.t, data.invocations, data.errors, data.throttles];
      config = [series("invocations", "invocations"), series("errors", "errors"), series("throttled", "throttles")];
    } else {
      columns = [data.t, data.p50, data.p99, data.model_p99, data.gateway_p99];
      config = [series("p50 ms", "p50"), series("p99 ms", "p99"), series("model p99 ms", "model_p99"),
        series("gateway p99 ms", "gateway_p99")];
    }
    return new uPlot({ width: width(element), height: 220, series: [{}].concat(config),
      axes: [{}, { size: 60 }], legend: { live: false } }, columns, element);
  }

  function driftChart(element, data) {
    if (!data.features || data.features.length === 0) { return null; }
    var x = data.features.map(function (_, i) { return i; });
    var bars = uPlot.paths.bars({ size: [0.6, 60] });
    return new uPlot({ width: width(element), height: 220,
      scales: { x: { time: false, range: [-0.5, data.features.length - 0.5] } },
      axes: [{ values: function (u, ticks) { return ticks.map(function (t) { return data.features[t] || ""; }); },
        splits: function () { return x; } }, { size: 60 }],
      series: [{}, series("distance", "distance", { paths: bars, fill: "rgba(11,92,173,0.35)" }),
        series("threshold", "threshold", { dash: [6, 4] })],
      legend: { live: false } }, [x, data.distance, data.threshold], element);
  }

  function width(element) {
    var box = element.getBoundingClientRect().width || element.parentNode.getBoundingClientRect().width;
    return Math.max(240, Math.floor(box || 600));
  }

  var drawn = [];

  function draw(root) {
    if (typeof uPlot === "undefined") { return; }
    var elements = (root || document).querySelectorAll(".chart[data-series]");
    for (var i = 0; i < elements.length; i++) {
      var element = elements[i];
      if (element.getAttribute("data-drawn")) { continue; }
      var data = JSON.parse(element.getAttribute("data-series"));
      var plot = element.getAttribute("data-chart") === "drift" ? driftChart(element, data) : timeChart(element, data);
      element.setAttribute("data-drawn", "1");
      if (plot) { drawn.push({ element: element, plot: plot }); }
    }
  }

  // One tail at a time, on the table the page shows now (a filter swaps the table: the old tail is closed). The
  // browser reconnects by itself after each answer's retry delay, sending the last event's id, so the same code
  // follows a held stream and one answer per request (Lambda); reconnecting is not an error, so nothing is logged.
  var tail = null;

  function follow() {
    var element = document.querySelector("tbody[data-tail]");
    if (tail && tail.element === element) { return; }
    if (tail) { tail.source.close(); tail = null; }
    if (!element || typeof EventSource === "undefined") { return; }
    var source = new EventSource(element.getAttribute("data-tail"));
    source.addEventListener("open", function () { element.setAttribute("data-tail-state", "open"); });
    source.addEventListener("error", function () {
      // CLOSED: refused for good (e.g. the session ended); otherwise the browser is already asking again
      if (source.readyState === EventSource.CLOSED) { element.setAttribute("data-tail-state", "closed"); }
    });
    source.addEventListener("inference", function (event) {
      element.insertAdjacentHTML("afterbegin", event.data);
    });
    tail = { element: element, source: source };
  }

  document.addEventListener("DOMContentLoaded", function () {
    window.requestAnimationFrame(function () { draw(document); });
    follow();
  });
  document.addEventListener("htmx:afterSwap", function (event) { draw(event.target); follow(); });
  window.addEventListener("resize", function () {
    drawn.forEach(function (d) { d.plot.setSize({ width: width(d.element), height: 220 }); });
  });
}());
