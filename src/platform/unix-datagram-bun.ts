// One datagram to a unix socket, for sd_notify. Neither Bun nor node:dgram has
// unix datagram sockets (dgram is udp4/udp6 only; Bun.udpSocket is UDP), so
// this calls libc's socket/sendto/close through bun:ffi: no native module to
// build or ship, only the libc every glibc Linux (x86_64, aarch64) has.
// Opened lazily: a process without $NOTIFY_SOCKET never loads libc this way.
import { dlopen, FFIType, ptr } from "bun:ffi";

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000; // same value on x86_64 and aarch64
const SUN_PATH_MAX = 108;

type Libc = ReturnType<typeof openLibc>;
let libc: Libc | undefined;

function openLibc() {
  return dlopen("libc.so.6", {
    socket: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
    sendto: { args: [FFIType.i32, FFIType.ptr, FFIType.u64, FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i64 },
    close: { args: [FFIType.i32], returns: FFIType.i32 },
  }).symbols;
}

/** Sends `message` to the socket at `path` ("@name": the abstract namespace). Throws on failure. */
export function sendUnixDatagram(path: string, message: string): void {
  const name = new TextEncoder().encode(path.startsWith("@") ? `\0${path.slice(1)}` : path);
  if (name.length >= SUN_PATH_MAX) throw new Error(`socket path too long: ${path}`);
  // struct sockaddr_un: sa_family_t (u16, host order) then sun_path; a path needs its NUL, an abstract name does not.
  const addr = new Uint8Array(2 + SUN_PATH_MAX);
  new DataView(addr.buffer).setUint16(0, AF_UNIX, true);
  addr.set(name, 2);
  const addrLength = 2 + name.length + (path.startsWith("@") ? 0 : 1);
  const body = new TextEncoder().encode(message);
  libc ??= openLibc();
  const fd = libc.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw new Error("socket(AF_UNIX, SOCK_DGRAM) failed");
  try {
    const sent = libc.sendto(fd, ptr(body), body.length, 0, ptr(addr), addrLength);
    if (Number(sent) !== body.length) throw new Error(`sendto ${path} failed`);
  } finally {
    libc.close(fd);
  }
}
