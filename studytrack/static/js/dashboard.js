// The leader's dashboard: draws the charts from the JSON in #dashboard-data (data-charts).
// Loaded as a file: the CSP allows no inline script. Chart sizes come from dashboard.css;
// tooltips use ECharts' richText mode (no HTML injected into the page).
(function () {
  "use strict";

  var holder = document.getElementById("dashboard-data");
  if (!holder || typeof window.echarts === "undefined") {
    return;
  }
  var data;
  try {
    data = JSON.parse(holder.getAttribute("data-charts") || "{}");
  } catch (error) {
    return;
  }
  var locale = (document.documentElement.lang || "").toLowerCase().indexOf("zh") === 0 ? "ZH" : "EN";
  var charts = [];

  function tooltip(percent) {
    return {
      trigger: "axis",
      renderMode: "richText",
      confine: true,
      valueFormatter: function (value) {
        if (value === null || value === undefined || value === "-") {
          return "—";
        }
        return percent ? value + "%" : String(value);
      }
    };
  }

  function grid() {
    return { left: 8, right: 16, top: 40, bottom: 8, containLabel: true };
  }

  function percentAxis() {
    return { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } };
  }

  var builders = {
    months: function (d) {
      return {
        tooltip: tooltip(false),
        legend: { top: 0 },
        grid: grid(),
        xAxis: { type: "category", data: d.labels },
        yAxis: { type: "value", minInterval: 1 },
        series: d.series.map(function (s) {
          return { name: s.name, type: "bar", data: s.data };
        })
      };
    },
    attendance: function (d) {
      return {
        tooltip: tooltip(true),
        legend: { top: 0 },
        grid: grid(),
        xAxis: { type: "category", data: d.labels },
        yAxis: percentAxis(),
        series: [{ name: d.name, type: "line", data: d.data, connectNulls: false, symbolSize: 6 }]
      };
    },
    units: function (d) {
      return {
        tooltip: tooltip(true),
        legend: { top: 0 },
        grid: grid(),
        xAxis: { type: "category", data: d.labels, axisLabel: { interval: 0, rotate: d.labels.length > 4 ? 30 : 0 } },
        yAxis: percentAxis(),
        series: d.series.map(function (s) {
          return { name: s.name, type: "bar", data: s.data };
        })
      };
    }
  };

  var elements = document.querySelectorAll("[data-chart]");
  Array.prototype.forEach.call(elements, function (element) {
    var name = element.getAttribute("data-chart");
    if (!builders[name] || !data[name]) {
      return;
    }
    var chart = window.echarts.init(element, null, { locale: locale, renderer: "canvas" });
    chart.setOption(builders[name](data[name]));
    charts.push(chart);
  });

  // Follow the size of each chart's box (set by dashboard.css): a window resize, a scrollbar
  // appearing, the grid stacking on a phone.
  var pending = null;
  function resizeAll() {
    if (pending) {
      window.clearTimeout(pending);
    }
    pending = window.setTimeout(function () {
      charts.forEach(function (chart) { chart.resize(); });
    }, 100);
  }
  if (typeof window.ResizeObserver === "function") {
    var observer = new window.ResizeObserver(resizeAll);
    Array.prototype.forEach.call(elements, function (element) { observer.observe(element); });
  } else {
    window.addEventListener("resize", resizeAll);
  }
})();
