// docker-registry 2.8 writes its access log to stdout in Apache "combined" format
// (its JSON `formatter` applies only to the application log, which goes to stderr):
//   127.0.0.1 - - [25/Nov/2026:03:35:29 +0000] "GET /v2/ HTTP/1.1" 200 2 "" "curl/7.88.1"
// A line is written after the handler returns, so it can trail the client's response.
// The user field stays "-" even for basic-auth requests, so it is not parsed.

export interface AccessLogEntry {
  method: string;
  /** The request target as logged, query string included. */
  path: string;
  status: number;
  userAgent: string;
}

export interface RequestFilter {
  method?: string;
  /** A string must equal the path without its query; a RegExp is tested on the full path. */
  path?: string | RegExp;
  status?: number;
}

const COMBINED = /^\S+ \S+ \S+ \[[^\]]*\] "(\S+) (\S+) [^"]*" (\d{3}) \S+ "[^"]*" "([^"]*)"/;

/** Returns undefined for lines that are not access-log lines. */
export function parseAccessLine(line: string): AccessLogEntry | undefined {
  const match = COMBINED.exec(line);
  if (!match) return undefined;
  const [, method, path, status, userAgent] = match;
  return { method, path, status: Number(status), userAgent };
}

export function matchesFilter(entry: AccessLogEntry, filter: RequestFilter = {}): boolean {
  if (filter.method !== undefined && entry.method !== filter.method.toUpperCase()) return false;
  if (filter.status !== undefined && entry.status !== filter.status) return false;
  if (typeof filter.path === "string" && entry.path.split("?")[0] !== filter.path) return false;
  if (filter.path instanceof RegExp && !filter.path.test(entry.path)) return false;
  return true;
}
