// sd_notify(3) without libsystemd: with Type=notify, systemd passes a unix
// datagram socket in $NOTIFY_SOCKET and waits for READY=1 before it calls the
// service started (so `systemctl start` returns once regcache really serves).
// Without $NOTIFY_SOCKET (not under systemd, or Type=simple) every call is a no-op.
export type SendDatagram = (path: string, message: string) => void;

export interface Notifier {
  /** The server listens and serves. */
  ready(): void;
  /** Shutdown started (in-flight transfers are finishing). */
  stopping(): void;
  /** A config reload started; call ready() when it is done. For the SIGHUP reload to come. */
  reloading(): void;
}

export function createNotifier(env: Record<string, string | undefined>, send: SendDatagram | undefined, warn: (msg: string, fields: Record<string, unknown>) => void): Notifier {
  const socket = env.NOTIFY_SOCKET;
  const notify = (message: string) => {
    if (!socket) return;
    if (!send) return warn("NOTIFY_SOCKET is set but this runtime cannot send to it; use Type=simple", { socket });
    try {
      send(socket, message);
    } catch (e) {
      // Never fatal: systemd's start timeout reports it, and the server itself is fine.
      warn("sd_notify failed", { socket, message, error: String(e) });
    }
  };
  return {
    ready: () => notify(`READY=1\nSTATUS=serving\nMAINPID=${process.pid}`),
    stopping: () => notify("STOPPING=1\nSTATUS=finishing in-flight transfers"),
    // MONOTONIC_USEC (CLOCK_MONOTONIC, which hrtime reads) lets Type=notify-reload (systemd 253+) match the reload to its signal.
    reloading: () => notify(`RELOADING=1\nMONOTONIC_USEC=${process.hrtime.bigint() / 1000n}`),
  };
}
