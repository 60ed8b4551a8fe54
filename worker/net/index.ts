export { INTERNAL_ZONES, internalZoneOf, normalizeHostName } from './host-name.ts';
export { type AddressClass, classifyIpLiteral, isGlobalUnicast } from './ip-address.ts';
export {
  checkOutboundUrl,
  describeRefusal,
  type OutboundUrlCheck,
  type OutboundUrlPolicy,
  type OutboundUrlRefusal,
} from './outbound-url.ts';
