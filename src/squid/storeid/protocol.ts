// Squid's helper line protocol as the store-id helper sees it (squid.conf
// `store_id_program`, Squid 4+): one request per line, one reply per line.
//
//   with concurrency:    "<channel> <URL> [extras...]"  →  "<channel> OK store-id=<key>" | "<channel> ERR"
//   without concurrency: "<URL> [extras...]"            →  "OK store-id=<key>" | "ERR"
//
// The channel ID lets replies come back in any order; without it Squid pairs
// replies with requests by position, so they must keep the order of the requests.
// "ERR" means "no store-id": Squid keys the object on its own URL.
// An OK also carries SHARED_KEY_NOTE=yes: Squid adds a helper's other kv-pairs to
// the transaction's notes, and squid.conf stores only blobs that have this note.

/** The note name squid.conf's `acl ... note` matches; kv-pair syntax, no spaces. */
export const SHARED_KEY_NOTE = "regcache_shared_key";

export type HelperLine =
  | { kind: "request"; channel?: string; url: string }
  | { kind: "malformed"; channel?: string }
  | { kind: "empty" };

const CHANNEL = /^\d+$/;

/** Splits one input line (without its "\n"); extras after the URL are ignored. */
export function parseHelperLine(line: string): HelperLine {
  const tokens = line.replace(/\r$/, "").split(/[ \t]+/).filter((t) => t !== "");
  if (tokens.length === 0) return { kind: "empty" };
  // A URL is never all digits, so a leading number can only be a channel ID.
  const channel = CHANNEL.test(tokens[0]!) ? tokens.shift() : undefined;
  const url = tokens[0];
  if (url === undefined || !/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(url)) return { kind: "malformed", channel };
  return { kind: "request", channel, url };
}

/** One reply line, "\n" included; storeId undefined means ERR. */
export function formatHelperReply(channel: string | undefined, storeId: string | undefined): string {
  const prefix = channel === undefined ? "" : `${channel} `;
  return storeId === undefined ? `${prefix}ERR\n` : `${prefix}OK store-id=${storeId} ${SHARED_KEY_NOTE}=yes\n`;
}
