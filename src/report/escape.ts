/**
 * Escaping for the reports. HTML, SVG and XML share one rule set here: the five markup
 * characters become entities, and characters XML 1.0 forbids (C0 controls but tab, line feed
 * and carriage return; lone surrogates) become U+FFFD, so any text a run produced (a process
 * error, a fault description) can be embedded as is.
 */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text or attribute value, safe inside HTML, SVG and XML. */
export function esc(value: string | number): string {
  return String(value)
    .replace(/[&<>"']/g, (c) => ENTITIES[c] as string)
    // eslint-disable-next-line no-control-regex -- XML 1.0 forbids these characters: the pattern has to name them
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** A number for an SVG coordinate: two decimals at most, never NaN or Infinity (those become 0). */
export function num(value: number): string {
  if (!Number.isFinite(value)) return '0';
  const rounded = Math.round(value * 100) / 100;
  return Object.is(rounded, -0) ? '0' : String(rounded);
}

/** True-time µs as milliseconds for people: `15 102.5 ms` (thin-space thousands, up to 3 decimals). */
export function fmtMs(micros: number, decimals = 1): string {
  const fixed = (micros / 1000).toFixed(decimals);
  const trimmed = fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
  return `${groupThousands(trimmed)} ms`;
}

/** `15000` → `15 000` (a thin no-break space as the thousands separator). */
export function groupThousands(text: string): string {
  const [int, frac] = text.split('.');
  const sign = int?.startsWith('-') ? '-' : '';
  const digits = (int ?? '').replace('-', '');
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, '\u202F');
  return `${sign}${grouped}${frac === undefined ? '' : `.${frac}`}`;
}
