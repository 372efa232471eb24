// Swagger UI, served from the local npm package (no CDN: the docs work offline).
window.addEventListener("load", () => {
  if (typeof SwaggerUIBundle === "undefined") return;
  window.ui = SwaggerUIBundle({
    url: "/api/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
  });
});
