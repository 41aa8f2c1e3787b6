// A minimal ustar writer: enough for image layers that podman and skopeo unpack.
// Names must fit the 100-byte name field; no links, no long-name extensions.

export interface TarEntry {
  /** Relative path; directories end with "/". */
  name: string;
  /** File content; omitted for directories. */
  content?: Uint8Array;
}

const BLOCK = 512;

function writeString(header: Buffer, offset: number, length: number, value: string): void {
  const bytes = Buffer.from(value, "utf8");
  if (bytes.length > length) throw new Error(`tar: "${value}" does not fit in ${length} bytes`);
  bytes.copy(header, offset);
}

// Numeric fields are zero-padded octal followed by a NUL.
function writeOctal(header: Buffer, offset: number, length: number, value: number): void {
  writeString(header, offset, length, value.toString(8).padStart(length - 1, "0") + "\0");
}

function headerFor(entry: TarEntry): Buffer {
  const isDir = entry.name.endsWith("/");
  const header = Buffer.alloc(BLOCK);
  writeString(header, 0, 100, entry.name);
  writeOctal(header, 100, 8, isDir ? 0o755 : 0o644);
  writeOctal(header, 108, 8, 0); // uid
  writeOctal(header, 116, 8, 0); // gid
  writeOctal(header, 124, 12, isDir ? 0 : (entry.content?.length ?? 0));
  writeOctal(header, 136, 12, 0); // mtime: fixed, so equal input gives an equal tar
  header.fill(" ", 148, 156); // the checksum is computed with its own field as spaces
  writeString(header, 156, 1, isDir ? "5" : "0");
  writeString(header, 257, 6, "ustar\0");
  writeString(header, 263, 2, "00");
  writeString(header, 265, 32, "root");
  writeString(header, 297, 32, "root");
  let sum = 0;
  for (const byte of header) sum += byte;
  writeString(header, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  return header;
}

export function makeTar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    parts.push(headerFor(entry));
    if (entry.content && !entry.name.endsWith("/")) {
      parts.push(Buffer.from(entry.content));
      const padding = (BLOCK - (entry.content.length % BLOCK)) % BLOCK;
      parts.push(Buffer.alloc(padding));
    }
  }
  parts.push(Buffer.alloc(BLOCK * 2)); // end-of-archive marker
  return Buffer.concat(parts);
}
