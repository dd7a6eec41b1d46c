// Starts Swagger UI (served by the app from the swagger-ui-py package) on the app's own schema.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});
