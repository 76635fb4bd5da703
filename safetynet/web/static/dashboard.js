// The dashboard's charts (Apache ECharts, served by SafetyNet). Every label and number comes
// from the page's JSON blob (#dashboard-data), already translated and computed by the server.
(function () {
  "use strict";
  var blob = document.getElementById("dashboard-data");
  if (!blob || typeof echarts === "undefined") { return; }
  var data = JSON.parse(blob.textContent);
  var L = data.labels;
  // undefined figures (nothing to divide by) arrive as null: a dash, never 0
  var yuan = function (v) { return v === null || v === undefined ? "—" : Number(v).toLocaleString(undefined, {minimumFractionDigits: 0, maximumFractionDigits: 0}); };
  // axis ticks in short form (12M, 1200万) so they never run into each other
  var short = new Intl.NumberFormat(document.documentElement.lang || undefined, {notation: "compact"});
  var compact = function (v) { return short.format(v); };
  var pct = function (v) { return v === null || v === undefined ? "—" : (v * 100).toFixed(1) + "%"; };
  var charts = [];
  var zh = (document.documentElement.lang || "").indexOf("zh") === 0;  // break CJK anywhere

  // a category axis's labels, each within its category's place (the width of the chart less
  // about 120 px of value axes and margins, shared out): wrapped at words (Chinese at any
  // character), or slanted when a word is wider than the place
  function fitted(id, names) {
    var el = document.getElementById(id);
    var place = el ? Math.max(32, Math.floor((el.clientWidth - 120) / Math.max(names.length, 1)) - 6) : 64;
    if (zh) { return {interval: 0, width: place, overflow: "breakAll"}; }
    var ctx = document.createElement("canvas").getContext("2d");
    ctx.font = "12px " + window.getComputedStyle(el || document.body).fontFamily;
    var widest = Math.max.apply(null, names.join(" ").split(/\s+/).map(function (w) {
      return ctx.measureText(w).width;
    }));
    return widest <= place ? {interval: 0, width: place, overflow: "break"} : {interval: 0, rotate: 30};
  }

  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var c = echarts.init(el, "safetynet", {renderer: "svg"});
    option.animation = false;
    // tooltips drawn inside the chart (rich text), not as HTML with style attributes: the
    // Content-Security-Policy refuses inline styles
    if (option.tooltip) { option.tooltip.renderMode = "richText"; }
    // the page's own font, by name: ECharts measures labels with it, so none is clipped
    option.textStyle = {fontFamily: window.getComputedStyle(el).fontFamily};
    c.setOption(option);
    el.setAttribute("data-ready", "1");
    charts.push(c);
  }

  chart("chart-layers", {
    tooltip: {trigger: "axis", valueFormatter: yuan},
    grid: {left: 8, right: 96, top: 8, bottom: 8, containLabel: true},  // room for the labels
    xAxis: {type: "value", splitNumber: 4, axisLabel: {formatter: compact}},  // ticks apart
    yAxis: {type: "category", inverse: true, data: data.layers.map(function (r) { return r.name; }),
            axisLabel: {width: 112, overflow: "break"}},  // long names on two lines
    series: [{type: "bar", name: L.paid, data: data.layers.map(function (r) { return r.yuan; }),
              label: {show: true, position: "right", formatter: function (p) { return yuan(p.value); }}}]
  });

  chart("chart-levels", {
    tooltip: {trigger: "axis"},
    legend: {bottom: 0},
    grid: {left: 8, right: 8, top: 32, bottom: 36, containLabel: true},
    // every level named: wrapped onto lines as wide as a level's place, or slanted when a
    // word of a name is wider than that
    xAxis: {type: "category", data: data.levels.map(function (r) { return r.name; }),
            axisLabel: fitted("chart-levels", data.levels.map(function (r) { return r.name; }))},
    yAxis: [{type: "value", name: L.reimbursement_share, nameTextStyle: {align: "left"},
             axisLabel: {formatter: pct}, max: 1},
            {type: "value", name: L.visit_share, nameTextStyle: {align: "right"},
             axisLabel: {formatter: pct}, max: 1}],
    series: [
      {type: "bar", name: L.reimbursement_share, data: data.levels.map(function (r) { return r.reimbursement_share; }),
       tooltip: {valueFormatter: pct}},
      {type: "bar", name: L.visit_share, yAxisIndex: 1, data: data.levels.map(function (r) { return r.visit_share; }),
       tooltip: {valueFormatter: pct}}
    ]
  });

  chart("chart-monthly", {
    tooltip: {trigger: "axis"},
    legend: {bottom: 0},
    grid: {left: 8, right: 8, top: 32, bottom: 28, containLabel: true},
    xAxis: {type: "category", data: data.months.map(function (r) { return r.period; })},
    yAxis: [{type: "value", name: L.compensation_yuan, nameTextStyle: {align: "left"},
             axisLabel: {formatter: compact}},
            {type: "value", name: L.visits, nameTextStyle: {align: "right"}}],
    series: [
      {type: "bar", name: L.compensation_yuan, data: data.months.map(function (r) { return r.compensation_yuan; }),
       tooltip: {valueFormatter: yuan}},
      {type: "line", name: L.visits, yAxisIndex: 1, data: data.months.map(function (r) { return r.visits; })}
    ]
  });

  chart("chart-ratio", {
    tooltip: {trigger: "axis", valueFormatter: pct},
    legend: {bottom: 0},
    grid: {left: 8, right: 8, top: 32, bottom: 28, containLabel: true},
    xAxis: {type: "category", data: data.months.map(function (r) { return r.period; })},
    yAxis: {type: "value", min: 0, max: 1, axisLabel: {formatter: pct}},
    series: [
      // short names (the chart's title says what is compared): the legend stays on one line
      {type: "line", name: L.poor, data: data.months.map(function (r) { return r.ratio_poor; })},
      {type: "line", name: L.everyone, data: data.months.map(function (r) { return r.ratio_all; })}
    ]
  });

  chart("chart-oop", {
    tooltip: {trigger: "axis"},
    legend: {top: 0},
    grid: {left: 8, right: 8, top: 32, bottom: 28, containLabel: true},
    xAxis: {type: "category", data: data.oop.map(function (r) { return r.band; }), name: L.oop_band,
            nameLocation: "middle", nameGap: 44,
            // every band named, on two lines at its dash (500– / 1,000)
            axisLabel: {interval: 0, formatter: function (v) { return v.replace("–", "–\n"); }}},
    yAxis: {type: "value", name: L.persons},
    series: [
      {type: "bar", stack: "p", name: L.poor, data: data.oop.map(function (r) { return r.poor; })},
      {type: "bar", stack: "p", name: L.others, data: data.oop.map(function (r) { return r.others; })}
    ]
  });

  // townships as a treemap: area = compensation, colour = actual compensation ratio on a
  // fixed scale (50 % light to 100 % dark, the same for every region and year, shown in a
  // legend), so a tenth of a point looks like a tenth of a point; each label dark on light
  // cells and white on dark ones
  var SCALE = [0.5, 1.0], LIGHT = [222, 235, 247], DARK = [8, 48, 107];
  var mix = function (t) {
    return LIGHT.map(function (x, i) { return Math.round(x + (DARK[i] - x) * t); });
  };
  var place = function (r) {
    return r === null ? 0 : Math.max(0, Math.min(1, (r - SCALE[0]) / (SCALE[1] - SCALE[0])));
  };
  var rgb = function (c) { return "rgb(" + c.join(",") + ")"; };
  var ink = function (c) {  // relative luminance (WCAG): dark text on light fills
    var lin = c.map(function (v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2] > 0.18 ? "#1f2933" : "#ffffff";
  };
  var stops = [0, 0.25, 0.5, 0.75, 1];
  chart("chart-townships", {
    tooltip: {formatter: function (p) {
      var d = p.data; return d.name + "\n" + L.compensation_yuan + ": " + yuan(d.value) +
        "\n" + L.ratio_all + ": " + pct(d.ratio) + "\n" + L.per_capita + ": " + yuan(d.per_capita); }},
    graphic: [
      {type: "text", left: "center", bottom: 30,
       style: {text: L.ratio_all, fontSize: 12, fill: "#444"}},
      {type: "rect", left: "center", bottom: 16, shape: {width: 240, height: 10},
       style: {fill: {type: "linear", x: 0, y: 0, x2: 1, y2: 0,
                      colorStops: stops.map(function (t) { return {offset: t, color: rgb(mix(t))}; })}}},
      {type: "group", left: "center", bottom: 0, children: stops.map(function (t) {
        return {type: "text", x: 240 * t, style: {text: pct(SCALE[0] + t * (SCALE[1] - SCALE[0])),
                fontSize: 11, fill: "#444", align: "center"}};
      })}
    ],
    series: [{type: "treemap", roam: false, nodeClick: false, breadcrumb: {show: false},
              top: 4, left: 4, right: 4, bottom: 56,
              label: {formatter: function (p) { return p.name + "\n" + pct(p.data.ratio); }},
              data: data.townships.map(function (r) {
                var c = mix(place(r.ratio));
                return {name: r.name, value: r.compensation_yuan, ratio: r.ratio,
                        per_capita: r.per_capita, itemStyle: {color: rgb(c)},
                        label: {color: ink(c)}};
              })}]
  });

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
