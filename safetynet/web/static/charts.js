// The charts' font (Apache ECharts, served by SafetyNet): one theme, "safetynet", that names
// the page's own font for every text, axis label and legend. ECharts lays out an axis (room
// for its labels, which labels to skip) measuring each label in the label's own font, not in
// the option's textStyle: without this a label drawn in the page's wider font runs out of
// the chart or into its neighbour.
(function () {
  "use strict";
  if (typeof echarts === "undefined") { return; }
  var font = window.getComputedStyle(document.body).fontFamily;
  var axis = {axisLabel: {fontFamily: font}, nameTextStyle: {fontFamily: font}};
  // a value axis's ticks never run into each other: the ones that would are left out
  var values = {axisLabel: {fontFamily: font, hideOverlap: true}, nameTextStyle: {fontFamily: font}};
  echarts.registerTheme("safetynet", {
    textStyle: {fontFamily: font},
    legend: {textStyle: {fontFamily: font}},
    categoryAxis: axis, valueAxis: values, logAxis: values, timeAxis: values
  });
}());
