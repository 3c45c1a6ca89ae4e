// The accounting of disclosures: the patient's verified audit trail, the
// entries within a date range, as CSV (computed in this browser).

export interface PlainEntry {
  actor: string;
  action: string;
  record_id: string | number | null;
  subject: string | null;
  record_type: string | null;
  purpose: string | null;
  at: string | number;
}

/** Midnight at the start of `day` (YYYY-MM-DD) in this browser's time zone, in ms. */
export function dayStart(day: string): number {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y, m - 1, d).getTime();
}

/** The entries (with their index in the trail) whose time is within [from, to], both days included. */
export function inRange(entries: PlainEntry[], from: string, to: string) {
  const lo = from ? dayStart(from) : -Infinity;
  const hi = to ? dayStart(to) + 24 * 60 * 60 * 1000 : Infinity; // the end of `to`: the next midnight, excluded
  return entries.map((e, index) => ({ index, e })).filter(({ e }) => Number(e.at) >= lo && Number(e.at) < hi);
}

function cell(v: unknown) {
  const s = v == null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const CSV_HEADER = ['entry', 'time', 'actor', 'action', 'record', 'purpose'];

/** RFC 4180 CSV: one line per entry, times in ISO 8601 UTC. */
export function disclosuresCsv(rows: { index: number; e: PlainEntry }[]): string {
  const lines = [CSV_HEADER.join(',')];
  for (const { index, e } of rows) {
    lines.push([index, new Date(Number(e.at)).toISOString(), e.actor, e.action, e.record_id ?? '', e.purpose ?? ''].map(cell).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** YYYY-MM-DD of a time in this browser's time zone. */
export function isoDay(ms: number) {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}
