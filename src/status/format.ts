// Numbers as an operator reads them: sizes in binary units, times as "3 min ago".
export function bytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function ago(time: number | undefined, now: number): string {
  if (time === undefined) return "never";
  const s = Math.max(0, Math.round((now - time) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

export const percent = (ratio: number | null) => (ratio === null ? "–" : `${Math.round(ratio * 100)}%`);

export const isoTime = (time: number) => new Date(time).toISOString();
