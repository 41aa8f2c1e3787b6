// What a command needs from the outside world; main supplies the real ones,
// tests can supply their own.
import type { Platform } from "../platform/types.ts";

export interface CliIo {
  platform: Platform;
  env: Record<string, string | undefined>;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
}
