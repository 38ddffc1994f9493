// Validates the course's timestamps without building Date objects (this runs once per log line).
// Accepted: `YYYY-MM-DDTHH:MM`, optionally `:SS`, optionally `.` + 3, 6 or 9 fraction digits
// (Java's LocalDateTime.toString drops zero seconds and trims the fraction to those widths).
// Because every field is fixed-width, two valid timestamps compare chronologically as strings.

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digits(s: string, from: number, count: number): number {
  let v = 0;
  for (let i = from; i < from + count; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

export function isValidTimestamp(s: string): boolean {
  const n = s.length;
  if (n !== 16 && n !== 19 && n !== 23 && n !== 26 && n !== 29) return false;
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58) return false;
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  if (year < 1000 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59) return false;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > DAYS[month - 1] + (leap ? 1 : 0)) return false;
  if (n === 16) return true;
  if (s.charCodeAt(16) !== 58) return false;
  const second = digits(s, 17, 2);
  if (second < 0 || second > 59) return false;
  if (n === 19) return true;
  return s.charCodeAt(19) === 46 && digits(s, 20, n - 20) >= 0;
}

/** Local time `d` in the course's format with whole seconds: `2023-11-29T14:05:40`. */
export function formatLocalTimestamp(d: Date): string {
  const p = (v: number) => (v < 10 ? `0${v}` : `${v}`);
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
