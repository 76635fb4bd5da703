// The risk scorecard's charts (Apache ECharts, served by SafetyNet): per level, each unit's
// score as a stacked bar of its metrics' contributions. Labels come from #scorecard-data.
(function () {
  "use strict";
  var blob = document.getElementById("scorecard-data");
  if (!blob || typeof echarts === "undefined") { return; }
  var data = JSON.parse(blob.textContent);
  data.levels.forEach(function (level) {
    var el = document.getElementById("chart-" + level.id);
    if (!el) { return; }
    var chart = echarts.init(el, "safetynet", {renderer: "svg"});
    chart.setOption({
      animation: false,
      textStyle: {fontFamily: window.getComputedStyle(el).fontFamily},
      tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
      legend: {bottom: 0, type: "scroll"},
      grid: {left: 8, right: 24, top: 8, bottom: 40, containLabel: true},
      xAxis: {type: "value"},
      yAxis: {type: "category", inverse: true, data: level.units},
      series: level.series.map(function (s) {
        return {type: "bar", stack: "score", name: s.name, data: s.data};
      })
    });
    el.setAttribute("data-ready", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  });
}());
