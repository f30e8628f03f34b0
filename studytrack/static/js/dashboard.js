// The leader's dashboard: draws the charts from the JSON in #dashboard-data (data-charts).
// Loaded as a file: the CSP allows no inline script. Chart sizes come from dashboard.css, but
// for the per-unit chart on a phone, whose bars turn sideways and whose height follows the
// number of units; tooltips use ECharts' richText mode (no HTML injected into the page).
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
  // Below this chart width the per-unit bars lie sideways (Bootstrap's small breakpoint).
  var NARROW_CHART = 540;
  var NARROW_LABEL_WIDTH = 96;
  var WIDE_LABEL_WIDTH = 120;
  var LEGEND_AND_AXIS = 72;
  var BAR_ROW = 14;

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
    units: function (d, narrow) {
      var series = d.series.map(function (s) {
        return { name: s.name, type: "bar", data: s.data };
      });
      if (narrow) {
        // A phone: one row per unit, its name beside its bars, cut short with an ellipsis
        // (the tooltip gives it whole), the first unit at the top as in the table.
        return {
          tooltip: tooltip(true),
          legend: { top: 0 },
          grid: grid(),
          xAxis: percentAxis(),
          yAxis: {
            type: "category", data: d.labels, inverse: true,
            axisLabel: { interval: 0, width: NARROW_LABEL_WIDTH, overflow: "truncate" }
          },
          series: series
        };
      }
      return {
        tooltip: tooltip(true),
        legend: { top: 0 },
        grid: grid(),
        xAxis: {
          type: "category", data: d.labels,
          axisLabel: { interval: 0, rotate: d.labels.length > 4 ? 30 : 0, width: WIDE_LABEL_WIDTH, overflow: "truncate" }
        },
        yAxis: percentAxis(),
        series: series
      };
    }
  };

  function isNarrow(element) {
    return element.clientWidth > 0 && element.clientWidth < NARROW_CHART;
  }

  // Sideways bars need a row per unit: the box grows with the units (and back on a desk).
  function fitHeight(element, d, narrow) {
    if (!narrow || element.getAttribute("data-chart") !== "units") {
      element.style.height = "";
      return;
    }
    var rows = d.labels.length * (d.series.length * BAR_ROW + BAR_ROW);
    element.style.height = Math.max(LEGEND_AND_AXIS + rows, 240) + "px";
  }

  function draw(item) {
    var narrow = isNarrow(item.element);
    if (item.narrow === narrow) {
      item.chart.resize();
      return;
    }
    item.narrow = narrow;
    fitHeight(item.element, item.data, narrow);
    item.chart.resize();
    item.chart.setOption(builders[item.name](item.data, narrow), true);
  }

  var elements = document.querySelectorAll("[data-chart]");
  Array.prototype.forEach.call(elements, function (element) {
    var name = element.getAttribute("data-chart");
    if (!builders[name] || !data[name]) {
      return;
    }
    var chart = window.echarts.init(element, null, { locale: locale, renderer: "canvas" });
    var item = { chart: chart, element: element, name: name, data: data[name], narrow: null };
    draw(item);
    charts.push(item);
  });

  // Follow the size of each chart's box (set by dashboard.css): a window resize, a scrollbar
  // appearing, the grid stacking on a phone.
  var pending = null;
  function resizeAll() {
    if (pending) {
      window.clearTimeout(pending);
    }
    pending = window.setTimeout(function () {
      charts.forEach(draw);
    }, 100);
  }
  if (typeof window.ResizeObserver === "function") {
    var observer = new window.ResizeObserver(resizeAll);
    Array.prototype.forEach.call(elements, function (element) { observer.observe(element); });
  } else {
    window.addEventListener("resize", resizeAll);
  }
})();
