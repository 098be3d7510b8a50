/* Registry forms: add and remove member rows without a round trip, and show the fields
   that matter for each role (due date for pregnant women, relationship for children).
   Without JavaScript the page still works: every field shows and "Add member" posts. */
(function () {
  "use strict";
  function wire(row) {
    var role = row.querySelector("select[name$='-role']");
    var pregnant = row.querySelector("input[name$='-pregnant']");
    function sync() {
      var r = role ? role.value : "";
      row.querySelectorAll("[data-show]").forEach(function (el) {
        var want = el.getAttribute("data-show");
        if (want === "child") el.hidden = r !== "child";
        else if (want === "adult") el.hidden = r === "child" || r === "pregnant";
        else if (want === "pregnant") el.hidden = !(r === "pregnant" || (pregnant && pregnant.checked && r !== "child"));
      });
    }
    if (role) role.addEventListener("change", sync);
    if (pregnant) pregnant.addEventListener("change", sync);
    sync();
    var del = row.querySelector("input[name$='-DELETE']");
    var button = row.querySelector("[data-remove]");
    if (del && button) {
      del.closest(".delete").hidden = true;
      button.hidden = false;
      button.addEventListener("click", function () { del.checked = true; row.hidden = true; });
    }
  }
  document.querySelectorAll("[data-member]").forEach(wire);
  var add = document.querySelector("[data-add-member]");
  var template = document.getElementById("member-template");
  var total = document.querySelector("input[name$='-TOTAL_FORMS']");
  var list = document.getElementById("members");
  if (add && template && total && list) {
    add.addEventListener("click", function (event) {
      event.preventDefault();
      var n = parseInt(total.value, 10) || 0;
      var box = document.createElement("div");
      box.innerHTML = template.innerHTML.replace(/__prefix__/g, n).replace(/__num__/g, n + 1);
      var row = box.firstElementChild;
      list.appendChild(row);
      total.value = n + 1;
      wire(row);
      var first = row.querySelector("input:not([type=hidden]), select");
      if (first) first.focus();
    });
  }
})();
