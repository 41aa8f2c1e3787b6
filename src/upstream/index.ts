// The upstream module's public face: the client factory, its types and the
// error class with its failure classes. Other modules import from here.

export { createUpstreamClient, MANIFEST_LIMIT } from "./client.ts";
export type { BlobResult, ManifestResult, TagList, TagListOptions, UpstreamClient, UpstreamClientOptions } from "./client.ts";
export { MAX_TAGS } from "./client.ts";
export { classifyError, UpstreamError } from "./errors.ts";
export type { FailureClass } from "./errors.ts";
