/**
 * A value JSON can carry. Built from interfaces: as one recursive type alias it made the RPC stub
 * types hit TS2589 (instantiation excessively deep).
 */
export type JsonValue = string | number | boolean | null | JsonArray | JsonObject;
/** A JSON object. */
export interface JsonObject {
  [key: string]: JsonValue;
}
/** A JSON array. */
export interface JsonArray extends Array<JsonValue> {}

/**
 * `T` as it crosses Durable Object RPC. The RPC stub types turn a method's result into `never` when
 * any part is `unknown`, and zod's `.passthrough()` (public JWKs) types extra members as
 * `unknown`; those members came from JSON, so they are JSON values. Still assignable to `T`.
 */
export type RpcValue<T> = unknown extends T
  ? JsonValue
  : T extends readonly (infer U)[]
    ? RpcValue<U>[]
    : T extends object
      ? { [K in keyof T]: RpcValue<T[K]> }
      : T;
