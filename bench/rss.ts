// Peak resident memory of a process, from the kernel: VmHWM in /proc/PID/status.
// Writing "5" to /proc/PID/clear_refs resets that high-water mark to the current RSS
// (Linux >= 4.0), so a phase can be measured on its own.
import { readFileSync, writeFileSync } from "node:fs";

const MiB = 1024 * 1024;

function statusField(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(status);
  if (!match) throw new Error(`/proc/${pid}/status has no ${field}`);
  return (Number(match[1]) * 1024) / MiB;
}

/** Peak RSS in MiB since start or the last resetPeakRss(). */
export const peakRssMiB = (pid: number) => statusField(pid, "VmHWM");
export const rssMiB = (pid: number) => statusField(pid, "VmRSS");

/** Resets the peak; returns false when the kernel does not allow it (then the peak covers the whole run). */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}
