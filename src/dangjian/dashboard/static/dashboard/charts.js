/* The dashboard's charts (issue 16): each container [data-chart=i] draws chart i of the JSON in
   #chart-data with ECharts; a click on a bar or slice opens the list of the records it counts (the
   point's url). On the wall display (body.dj-wall) the charts take turns every data-seconds. */
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || typeof echarts === "undefined") { return; }
  var charts = JSON.parse(source.textContent);
  var wall = document.body.classList.contains("dj-wall");
  var text = wall ? "#ffffff" : "#212529";
  var instances = [];

  function option(chart, narrow) {
    var data = chart.points.map(function (p) { return { name: p.label, value: p.value, url: p.url }; });
    var base = {
      aria: { enabled: true },
      textStyle: { fontSize: wall ? 22 : 12, color: text },
      tooltip: { trigger: "item" },
      animation: !wall
    };
    if (chart.kind === "pie") {
      base.series = [{ type: "pie", radius: wall ? "70%" : narrow ? "42%" : "65%", data: data,
        label: { color: text, fontSize: wall ? 24 : 12, formatter: "{b}: {c}" } }];
      return base;
    }
    base.grid = { left: 8, right: 16, top: 16, bottom: 8, containLabel: true };
    base.xAxis = { type: "category", data: data.map(function (d) { return d.name; }),
      axisLabel: { color: text, interval: 0, rotate: data.length > 5 ? 30 : 0, fontSize: wall ? 20 : 11 } };
    base.yAxis = { type: "value", minInterval: 1, axisLabel: { color: text, fontSize: wall ? 20 : 11 } };
    base.series = [{ type: "bar", name: chart.unit, data: data,
      itemStyle: { color: wall ? "#ffcf33" : "#b02a37" },
      label: { show: true, position: "top", color: text, fontSize: wall ? 22 : 11 } }];
    return base;
  }

  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var chart = charts[Number(el.dataset.chart)];
    if (!wall) { el.style.height = "300px"; }
    var instance = echarts.init(el, null, { renderer: "canvas" });
    instance.setOption(option(chart, el.clientWidth < 480));
    instance.on("click", function (params) {
      if (params.data && params.data.url) { window.location.assign(params.data.url); }
    });
    el.style.cursor = "pointer";
    instances.push(instance);
  });
  window.addEventListener("resize", function () { instances.forEach(function (i) { i.resize(); }); });

  if (wall) {
    var slides = Array.prototype.slice.call(document.querySelectorAll(".dj-wall-slide"));
    var seconds = Math.max(3, Number(document.body.dataset.seconds) || 15);
    var shown = 0;
    if (slides.length > 1) {
      window.setInterval(function () {
        slides[shown].hidden = true;
        shown = (shown + 1) % slides.length;
        slides[shown].hidden = false;
        instances.forEach(function (i) { i.resize(); });
      }, seconds * 1000);
    }
  }
})();
