/* The queue works without this file; with it, one checkbox selects every comment on the page.
   Its label comes from the page (data-select-all), in the moderators' language. */
(function () {
  "use strict";
  var bulk = document.querySelector("fieldset.bulk");
  var boxes = Array.prototype.slice.call(document.querySelectorAll('input[type=checkbox][name=id][form=bulk]'));
  if (!bulk || !boxes.length) return;

  var label = document.createElement("label");
  label.className = "select-all";
  var all = document.createElement("input");
  all.type = "checkbox";
  label.appendChild(all);
  label.appendChild(document.createTextNode(bulk.getAttribute("data-select-all")));
  bulk.insertBefore(label, bulk.querySelector("legend").nextSibling);

  function sync() {
    var checked = boxes.filter(function (box) { return box.checked; }).length;
    all.checked = checked === boxes.length;
    all.indeterminate = checked > 0 && checked < boxes.length;
  }
  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
  });
  boxes.forEach(function (box) { box.addEventListener("change", sync); });
  sync();
})();
