/**
 * Date normalisation (pure): RFC 822/1123 and their real-world variants, ISO 8601 with or without a
 * zone, and day/month names in English, German, French, Spanish, Portuguese, Italian, Dutch, Czech,
 * Polish and Russian. Returns an ISO 8601 UTC string, or undefined when nothing sensible is found.
 */

const MONTHS: Record<string, number> = {};
function months(n: number, ...names: string[]) {
  for (const name of names) MONTHS[name] = n;
}
months(
  1,
  'led',
  'jan',
  'january',
  'januar',
  'janvier',
  'janv',
  'enero',
  'ene',
  'janeiro',
  'gennaio',
  'gen',
  'januari',
  'leden',
  'ledna',
  'styczen',
  'stycznia',
  'sty',
  'январь',
  'января',
  'янв',
);
months(
  2,
  'uno',
  'feb',
  'february',
  'februar',
  'fevrier',
  'fevr',
  'fev',
  'febrero',
  'fevereiro',
  'febbraio',
  'februari',
  'unor',
  'unora',
  'luty',
  'lutego',
  'lut',
  'февраль',
  'февраля',
  'фев',
);
months(
  3,
  'bre',
  'mar',
  'march',
  'marz',
  'maerz',
  'mrz',
  'mars',
  'marzo',
  'marco',
  'maart',
  'mrt',
  'brezen',
  'brezna',
  'marzec',
  'marca',
  'март',
  'марта',
  'мар',
);
months(
  4,
  'dub',
  'apr',
  'april',
  'avril',
  'avr',
  'abril',
  'abr',
  'aprile',
  'duben',
  'dubna',
  'kwiecien',
  'kwietnia',
  'kwi',
  'апрель',
  'апреля',
  'апр',
);
months(5, 'kve', 'may', 'mai', 'mayo', 'maio', 'maggio', 'mag', 'mei', 'kveten', 'kvetna', 'maj', 'maja', 'май', 'мая');
months(
  6,
  'cvn',
  'jun',
  'june',
  'juni',
  'juin',
  'junio',
  'junho',
  'giugno',
  'giu',
  'cerven',
  'cervna',
  'czerwiec',
  'czerwca',
  'cze',
  'июнь',
  'июня',
  'июн',
);
months(
  7,
  'cvc',
  'jul',
  'july',
  'juli',
  'juillet',
  'juil',
  'julio',
  'julho',
  'luglio',
  'lug',
  'cervenec',
  'cervence',
  'lipiec',
  'lipca',
  'lip',
  'июль',
  'июля',
  'июл',
);
months(
  8,
  'srp',
  'aug',
  'august',
  'aout',
  'agosto',
  'ago',
  'augustus',
  'srpen',
  'srpna',
  'sierpien',
  'sierpnia',
  'sie',
  'август',
  'августа',
  'авг',
);
months(
  9,
  'zar',
  'sep',
  'sept',
  'september',
  'septembre',
  'septiembre',
  'set',
  'setembro',
  'settembre',
  'zari',
  'wrzesien',
  'wrzesnia',
  'wrz',
  'сентябрь',
  'сентября',
  'сен',
);
months(
  10,
  'rij',
  'oct',
  'october',
  'oktober',
  'okt',
  'octobre',
  'octubre',
  'outubro',
  'out',
  'ottobre',
  'ott',
  'rijen',
  'rijna',
  'pazdziernik',
  'pazdziernika',
  'paz',
  'октябрь',
  'октября',
  'окт',
);
months(11, 'nov', 'november', 'novembre', 'noviembre', 'novembro', 'listopad', 'listopadu', 'listopada', 'lis', 'ноябрь', 'ноября', 'ноя');
months(
  12,
  'pro',
  'dec',
  'december',
  'dezember',
  'dez',
  'decembre',
  'diciembre',
  'dic',
  'dezembro',
  'dicembre',
  'prosinec',
  'prosince',
  'grudzien',
  'grudnia',
  'gru',
  'декабрь',
  'декабря',
  'дек',
);

/** Named zones seen in feeds (RFC 822 plus common ones). Offsets in minutes. */
const ZONES: Record<string, number> = {
  ut: 0,
  utc: 0,
  gmt: 0,
  z: 0,
  wet: 0,
  est: -300,
  edt: -240,
  cst: -360,
  cdt: -300,
  mst: -420,
  mdt: -360,
  pst: -480,
  pdt: -420,
  akst: -540,
  akdt: -480,
  hst: -600,
  ast: -240,
  adt: -180,
  nst: -210,
  ndt: -150,
  bst: 60,
  ist: 330,
  cet: 60,
  cest: 120,
  met: 60,
  mest: 120,
  mez: 60,
  mesz: 120,
  eet: 120,
  eest: 180,
  west: 60,
  msk: 180,
  jst: 540,
  kst: 540,
  hkt: 480,
  sgt: 480,
  awst: 480,
  acst: 570,
  aest: 600,
  aedt: 660,
  nzst: 720,
  nzdt: 780,
  brt: -180,
  art: -180,
};

function fold(s: string): string {
  return s
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ł/g, 'l')
    .replace(/\.$/, '');
}

function monthOf(token: string): number | undefined {
  const t = fold(token);
  return MONTHS[t] ?? (t.length >= 3 ? MONTHS[t.slice(0, 3)] : undefined) ?? (t.length >= 4 ? MONTHS[t.slice(0, 4)] : undefined);
}

function toIso(ms: number): string | undefined {
  if (!Number.isFinite(ms)) return undefined;
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  if (y < 1900 || y > 2200) return undefined;
  return d.toISOString();
}

const ISO = /^(\d{4})-?(\d{2})-?(\d{2})(?:[T\s](\d{2}):?(\d{2})(?::?(\d{2})(?:[.,](\d+))?)?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/i;

function zoneOffset(zone: string | undefined): number | undefined {
  if (!zone) return undefined;
  const z = zone.trim().toLowerCase();
  if (z in ZONES) return ZONES[z];
  const m = /^(?:gmt|utc)?([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(z);
  if (m) return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
  if (/^[a-i,k-y]$/.test(z)) return 0; // military zones: treated as UTC (RFC 2822 says their sign is unreliable)
  return undefined;
}

/** Parses a feed date; returns ISO 8601 (UTC) or undefined. */
export function parseDate(input: string | number | Date | undefined | null): string | undefined {
  if (input === undefined || input === null) return undefined;
  if (input instanceof Date) return toIso(input.getTime());
  if (typeof input === 'number') return toIso(input < 1e12 ? input * 1000 : input);
  const s = input.trim().replace(/\s+/g, ' ');
  if (!s) return undefined;

  const iso = ISO.exec(s);
  if (iso) {
    const [, y, mo, d, h = '0', mi = '0', sec = '0', frac = '0', zone] = iso;
    const off = zoneOffset(zone) ?? 0;
    const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec), Math.round(Number(`0.${frac}`) * 1000));
    return toIso(ms - off * 60_000);
  }
  if (/^\d{9,13}$/.test(s)) return parseDate(Number(s));

  // Tokenise: words (letters in any script), numbers, times, zones.
  const timeRe = /(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*([ap]\.?m\.?)?/i;
  const tm = timeRe.exec(s);
  let hour = 0;
  let minute = 0;
  let second = 0;
  let rest = s;
  let zone: number | undefined;
  if (tm) {
    hour = Number(tm[1]);
    minute = Number(tm[2]);
    second = Number(tm[3] ?? 0);
    const ampm = tm[4]?.toLowerCase().replace(/\./g, '');
    if (ampm === 'pm' && hour < 12) hour += 12;
    if (ampm === 'am' && hour === 12) hour = 0;
    const after = s.slice(tm.index + tm[0].length).trim();
    const zm = /^\(?((?:gmt|utc|ut)?\s*[+-]\d{1,2}(?::?\d{2})?|[a-z]{1,5})\)?(?:\s|$)/i.exec(after);
    if (zm) zone = zoneOffset(zm[1]!.replace(/\s/g, ''));
    rest = `${s.slice(0, tm.index)} ${after}`;
  }
  const tokens = rest.split(/[\s,/]+|(?<=\p{L})\.|-(?=\p{L})|(?<=\p{L})-/u).filter(Boolean);
  let day: number | undefined;
  let year: number | undefined;
  const words: { idx: number; month: number | undefined }[] = [];
  tokens.forEach((t, idx) => {
    if (/\p{L}/u.test(t)) words.push({ idx, month: monthOf(t.replace(/\.$/, '')) });
  });
  // The month is the last word that names one (a leading day name such as French "mar." comes first).
  const monthWord = [...words].reverse().find((w) => w.month !== undefined);
  const month = monthWord?.month;
  for (const t of tokens) {
    const n = /^(\d{1,4})(?:st|nd|rd|th|\.)?$/i.exec(t);
    if (!n) continue;
    const v = Number(n[1]);
    if (n[1]!.length === 4) year ??= v;
    else if (day === undefined && v >= 1 && v <= 31) day = v;
    else if (year === undefined) year = v < 50 ? 2000 + v : v < 100 ? 1900 + v : v;
  }
  if (month !== undefined && day !== undefined && year !== undefined) {
    const ms = Date.UTC(year, month - 1, day, hour, minute, second);
    return toIso(ms - (zone ?? 0) * 60_000);
  }
  const fallback = Date.parse(s);
  return Number.isNaN(fallback) ? undefined : toIso(fallback);
}
