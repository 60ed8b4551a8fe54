export { documentedRoutes, openApiDocument, openApiPath } from './openapi-document.ts';
export { publicCorsOptions, publicCorsPaths } from './public-cors.ts';
