export { documentedRoutes, openApiDocument, openApiPath } from './openapi-document.ts';
export { openApiRoutes } from './openapi-routes.ts';
export { publicCorsOptions, publicCorsPaths } from './public-cors.ts';
