export { schemas } from './named-schemas.ts';
export { type OpenApiDocument, openApiDocumentOf } from './openapi-document.ts';
export {
  isPreflight,
  publicCorsOptions,
  publicCorsPaths,
  resultsCorsPath,
  unknownPathCorsHeaders,
} from './public-cors.ts';
export { routeGroup } from './route-group.ts';
export {
  bodyErrors,
  emptyResponse,
  errorResponses,
  jsonBody,
  jsonResponse,
  mediaResponse,
  optionalJsonBody,
  type ResponseHeader,
} from './route-parts.ts';
export { refuseWith } from './validation-hook.ts';
