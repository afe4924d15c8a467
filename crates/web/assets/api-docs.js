// Starts the vendored Swagger UI on Berdaya's OpenAPI document. Nothing loads from the internet.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/api/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
  });
});
