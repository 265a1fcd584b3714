// Tables that stack on a phone (templates/gpect_workflow/_tables.html): the column headers a table lists
// in data-labels become its CSS variables --label-1, --label-2…, which gpect.css shows before the cells.
// Set through the CSS object model, which the pages' Content-Security-Policy allows, unlike style="".
"use strict";
document.querySelectorAll("table[data-labels]").forEach(function (table) {
  JSON.parse(table.getAttribute("data-labels")).forEach(function (name, index) {
    table.style.setProperty("--label-" + (index + 1), JSON.stringify(String(name)));
  });
});
