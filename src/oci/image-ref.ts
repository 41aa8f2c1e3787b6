// Image references as people write them: "docker.io/library/nginx:1.27",
// "quay.io/org/app@sha256:…", or a bare repository ("docker.io/library/nginx").
// regcache's names have no registry host with a port: the first component is
// the name of a configured upstream, so the last ':' after the last '/' is a tag.
import { isDigest } from "./digest.ts";
import { isValidName, isValidTag } from "./names.ts";

export interface ImageRef {
  /** Repository name, first component included ("docker.io/library/nginx"). */
  name: string;
  tag?: string;
  digest?: string;
}

/** Parses a reference; undefined when any part breaks the distribution grammar. */
export function parseImageRef(text: string): ImageRef | undefined {
  let rest = text.trim();
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(digest)) return undefined;
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!isValidTag(tag)) return undefined;
  }
  if (!isValidName(rest)) return undefined;
  return { name: rest, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** The reference to ask a registry for: the digest when there is one, else the tag. */
export function referenceOf(ref: ImageRef): string | undefined {
  return ref.digest ?? ref.tag;
}

export function formatImageRef(ref: ImageRef): string {
  return `${ref.name}${ref.tag !== undefined ? `:${ref.tag}` : ""}${ref.digest !== undefined ? `@${ref.digest}` : ""}`;
}
