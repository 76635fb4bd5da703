// The dashboard's charts (Apache ECharts, served by SafetyNet). Every label and number comes
// from the page's JSON blob (#dashboard-data), already translated and computed by the server.
(function () {
  "use strict";
  var blob = document.getElementById("dashboard-data");
  if (!blob || typeof echarts === "undefined") { return; }
  var data = JSON.parse(blob.textContent);
  var L = data.labels;
  var yuan = function (v) { return Number(v).toLocaleString(undefined, {minimumFractionDigits: 0, maximumFractionDigits: 0}); };
  var pct = function (v) { return v === null ? "—" : (v * 100).toFixed(1) + "%"; };
  var charts = [];

  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var c = echarts.init(el, null, {renderer: "svg"});
    option.animation = false;
    option.textStyle = {fontFamily: "inherit"};
    c.setOption(option);
    el.setAttribute("data-ready", "1");
    charts.push(c);
  }

  chart("chart-layers", {
    tooltip: {trigger: "axis", valueFormatter: yuan},
    grid: {left: 8, right: 24, top: 8, bottom: 8, containLabel: true},
    xAxis: {type: "value", axisLabel: {formatter: yuan}},
    yAxis: {type: "category", inverse: true, data: data.layers.map(function (r) { return r.name; })},
    series: [{type: "bar", name: L.paid, data: data.layers.map(function (r) { return r.yuan; }),
              label: {show: true, position: "right", formatter: function (p) { return yuan(p.value); }}}]
  });

  chart("chart-levels", {
    tooltip: {trigger: "axis"},
    legend: {top: 0},
    grid: {left: 8, right: 8, top: 32, bottom: 8, containLabel: true},
    xAxis: {type: "category", data: data.levels.map(function (r) { return r.name; })},
    yAxis: [{type: "value", name: L.reimbursement_share, axisLabel: {formatter: pct}, max: 1},
            {type: "value", name: L.visit_share, axisLabel: {formatter: pct}, max: 1}],
    series: [
      {type: "bar", name: L.reimbursement_share, data: data.levels.map(function (r) { return r.reimbursement_share; }),
       tooltip: {valueFormatter: pct}},
      {type: "bar", name: L.visit_share, yAxisIndex: 1, data: data.levels.map(function (r) { return r.visit_share; }),
       tooltip: {valueFormatter: pct}}
    ]
  });

  chart("chart-monthly", {
    tooltip: {trigger: "axis"},
    legend: {top: 0},
    grid: {left: 8, right: 8, top: 32, bottom: 8, containLabel: true},
    xAxis: {type: "category", data: data.months.map(function (r) { return r.period; })},
    yAxis: [{type: "value", name: L.compensation_yuan, axisLabel: {formatter: yuan}},
            {type: "value", name: L.visits}],
    series: [
      {type: "bar", name: L.compensation_yuan, data: data.months.map(function (r) { return r.compensation_yuan; }),
       tooltip: {valueFormatter: yuan}},
      {type: "line", name: L.visits, yAxisIndex: 1, data: data.months.map(function (r) { return r.visits; })}
    ]
  });

  chart("chart-ratio", {
    tooltip: {trigger: "axis", valueFormatter: pct},
    legend: {top: 0},
    grid: {left: 8, right: 8, top: 32, bottom: 8, containLabel: true},
    xAxis: {type: "category", data: data.months.map(function (r) { return r.period; })},
    yAxis: {type: "value", min: 0, max: 1, axisLabel: {formatter: pct}},
    series: [
      {type: "line", name: L.ratio_poor, data: data.months.map(function (r) { return r.ratio_poor; })},
      {type: "line", name: L.ratio_all, data: data.months.map(function (r) { return r.ratio_all; })}
    ]
  });

  chart("chart-oop", {
    tooltip: {trigger: "axis"},
    legend: {top: 0},
    grid: {left: 8, right: 8, top: 32, bottom: 8, containLabel: true},
    xAxis: {type: "category", data: data.oop.map(function (r) { return r.band; }), name: L.oop_band},
    yAxis: {type: "value", name: L.persons},
    series: [
      {type: "bar", stack: "p", name: L.poor, data: data.oop.map(function (r) { return r.poor; })},
      {type: "bar", stack: "p", name: L.others, data: data.oop.map(function (r) { return r.others; })}
    ]
  });

  chart("chart-townships", {
    tooltip: {formatter: function (p) {
      var d = p.data; return d.name + "<br>" + L.compensation_yuan + ": " + yuan(d.value[0]) +
        "<br>" + L.ratio_all + ": " + pct(d.ratio) + "<br>" + L.per_capita + ": " + yuan(d.per_capita); }},
    visualMap: {type: "continuous", min: data.ratio_range[0], max: data.ratio_range[1], dimension: 1,
                text: [L.ratio_all, ""], orient: "horizontal", left: "center", bottom: 0,
                inRange: {color: ["#d9e6f2", "#1d5fa0"]}, formatter: pct},
    series: [{type: "treemap", roam: false, nodeClick: false, breadcrumb: {show: false}, bottom: 40,
              label: {formatter: function (p) { return p.name + "\n" + pct(p.data.ratio); }},
              data: data.townships.map(function (r) {
                return {name: r.name, value: [r.compensation_yuan, r.ratio === null ? 0 : r.ratio],
                        ratio: r.ratio, per_capita: r.per_capita};
              })}]
  });

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
