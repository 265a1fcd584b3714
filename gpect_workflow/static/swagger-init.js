// Starts Swagger UI on the API's documentation page (templates/gpect_workflow/api/swagger_ui.html), from a
// file rather than an inline script, which the pages' Content-Security-Policy refuses.
"use strict";
(function () {
  var container = document.getElementById("swagger-ui-container");
  var config = JSON.parse(container.getAttribute("data-config"));
  config.url = container.getAttribute("data-spec-url");
  config.dom_id = "#swagger-ui-container";
  window.ui = SwaggerUIBundle(config);
})();
