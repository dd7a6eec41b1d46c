// Starts Swagger UI (served by the app from the swagger-ui-bundle package) on the app's own schema.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});
