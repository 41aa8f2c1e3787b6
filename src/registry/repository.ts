// A local repository (pushed to this registry) as the Repository seam sees it.
// The operations themselves live beside this file, one file per resource.
import { lazyParse } from "../repository/lazy-parse.ts";
import type { Repository } from "../repository/types.ts";
import { deleteBlob, statBlob } from "./blobs.ts";
import type { RegistryContext } from "./context.ts";
import { listReferrers, listTags, MAX_PAGE } from "./listing.ts";
import { deleteManifest, getManifest, putManifest } from "./manifests.ts";
import { appendChunk, cancelUpload, finishUpload, monolithicUpload, startUpload, tryMount, uploadStatus } from "./uploads.ts";

export function localRepository(ctx: RegistryContext, name: string): Repository {
  return {
    name,
    async getManifest(reference) {
      const m = getManifest(ctx, name, reference);
      return { digest: m.digest, mediaType: m.mediaType, content: m.content, parsed: lazyParse(m.content, m.mediaType) };
    },
    putManifest: async (reference, bytes, contentType) => putManifest(ctx, name, reference, bytes, contentType),
    deleteManifest: async (reference) => deleteManifest(ctx, name, reference),
    getBlob: async (digest) => ({ kind: "file", ...statBlob(ctx, name, digest) }),
    deleteBlob: async (digest) => deleteBlob(ctx, name, digest),
    startUpload: () => startUpload(ctx, name),
    mountBlob: async (digest, from) => tryMount(ctx, name, digest, from),
    appendChunk: (id, body, range) => appendChunk(ctx, name, id, body, range),
    finishUpload: (id, digest, body) => finishUpload(ctx, name, id, digest, body),
    uploadStatus: (id) => uploadStatus(ctx, name, id),
    cancelUpload: (id) => cancelUpload(ctx, name, id),
    monolithicUpload: (digest, body) => monolithicUpload(ctx, name, digest, body),
    tags: async (n, last) => listTags(ctx, name, n ?? MAX_PAGE, last),
    referrers: async (subject, artifactType) => listReferrers(ctx, name, subject, artifactType),
  };
}
