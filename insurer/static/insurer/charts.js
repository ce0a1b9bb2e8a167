/*
 * Draws every chart on a page with Apache ECharts.
 *
 * The strict Content-Security-Policy forbids inline scripts, so a page declares a chart as
 *   {{ spec|json_script:"chart-x" }}  <div class="chart" data-chart="chart-x"></div>
 * and this file finds the containers, reads the JSON spec by id and draws it. It knows
 * nothing about the domain. Spec:
 *   bar/line: {kind, categories: [..], axes: [{name, format}], series: [{name, type, axis, data, dashed}]}
 *   pie:      {kind: "pie", donut, format, items: [{name, value}]}
 * format is "count" | "money" | "percent". Charts drawn by htmx swaps are handled too.
 */
(function () {
  "use strict";

  var PALETTE = ["#1f4e79", "#2e86c1", "#f39c12", "#27ae60", "#c0392b", "#8e44ad", "#16a085", "#7f8c8d",
                 "#d35400", "#2c3e50"];

  function locale() {
    return document.documentElement.lang || "en";
  }

  function formatter(kind) {
    var lang = locale();
    var plain = new Intl.NumberFormat(lang, {maximumFractionDigits: 0});
    var compact = new Intl.NumberFormat(lang, {notation: "compact", maximumFractionDigits: 1});
    var pct = new Intl.NumberFormat(lang, {maximumFractionDigits: 2});
    return function (value, forAxis) {
      if (value === null || value === undefined || value === "-") {
        return "–";
      }
      if (kind === "percent") {
        return pct.format(value) + "%";
      }
      if (kind === "money") {
        return (forAxis ? compact : plain).format(value);
      }
      return (forAxis && Math.abs(value) >= 10000 ? compact : plain).format(value);
    };
  }

  function cartesianOption(spec) {
    var axes = spec.axes && spec.axes.length ? spec.axes : [{name: "", format: "count"}];
    var formats = axes.map(function (a) { return formatter(a.format); });
    var series = spec.series.map(function (s) {
      var axis = s.axis || 0;
      var item = {
        name: s.name,
        type: s.type || spec.kind,
        yAxisIndex: axis,
        data: s.data,
        connectNulls: false,
        showSymbol: spec.categories.length <= 24,
        tooltip: {valueFormatter: function (v) { return formats[axis](v, false); }}
      };
      if (s.dashed) {
        item.lineStyle = {type: "dashed"};
      }
      if (item.type === "bar") {
        item.barMaxWidth = 24;
      }
      return item;
    });
    return {
      color: PALETTE,
      aria: {enabled: true},
      animation: false,
      tooltip: {trigger: "axis", confine: true},
      legend: {top: 0, type: "scroll"},
      grid: {left: 8, right: 8, top: 48, bottom: 8, containLabel: true},
      xAxis: {type: "category", data: spec.categories, axisTick: {alignWithLabel: true}},
      yAxis: axes.map(function (a, i) {
        return {
          type: "value",
          name: a.name,
          // Axis names sit above the labels, pointing inwards, so they are never clipped.
          nameTextStyle: {align: i === 0 ? "left" : "right"},
          position: i === 0 ? "left" : "right",
          minInterval: a.format === "count" ? 1 : 0,
          splitLine: {show: i === 0},
          axisLabel: {formatter: function (v) { return formats[i](v, true); }}
        };
      }),
      series: series
    };
  }

  function pieOption(spec) {
    var fmt = formatter(spec.format || "count");
    return {
      color: PALETTE,
      aria: {enabled: true},
      animation: false,
      tooltip: {trigger: "item", confine: true, valueFormatter: function (v) { return fmt(v, false); }},
      // The legend beside the pie, scrolling when a book has many products.
      legend: {type: "scroll", orient: "vertical", right: 0, top: "middle", itemWidth: 14, itemHeight: 10,
               textStyle: {width: 180, overflow: "truncate"}, tooltip: {show: true}},
      series: [{
        type: "pie",
        radius: spec.donut ? ["40%", "72%"] : "72%",
        center: ["30%", "50%"],
        percentPrecision: 0,
        // Shares inside the slices: outside labels get cut off in a narrow card.
        label: {position: "inside", formatter: "{d}%", color: "#fff"},
        labelLine: {show: false},
        data: spec.items
      }]
    };
  }

  function isEmpty(spec) {
    if (spec.kind === "pie") {
      return !spec.items || spec.items.length === 0;
    }
    return !spec.categories || spec.categories.length === 0;
  }

  function draw(el) {
    if (el.dataset.chartDrawn === "1" || typeof window.echarts === "undefined") {
      return;
    }
    var source = document.getElementById(el.dataset.chart);
    if (!source) {
      return;
    }
    var spec = JSON.parse(source.textContent);
    el.dataset.chartDrawn = "1";
    if (isEmpty(spec)) {
      el.classList.add("chart-empty");
      el.textContent = el.dataset.emptyText || "–";
      return;
    }
    var chart = window.echarts.init(el, null, {renderer: "canvas", locale: locale().indexOf("zh") === 0 ? "ZH" : "EN"});
    chart.setOption(spec.kind === "pie" ? pieOption(spec) : cartesianOption(spec));
    if (typeof ResizeObserver !== "undefined") {
      new ResizeObserver(function () { chart.resize(); }).observe(el);
    }
  }

  function drawAll(root) {
    (root || document).querySelectorAll("[data-chart]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:afterSettle", function (event) { drawAll(event.target); });
})();
