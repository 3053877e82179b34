/**
 * Identity data: phone numbers, resident ID numbers (GB 11643), unified social credit codes (GB 32100),
 * their masks, and finding and masking them inside free text (every spelling people use, below).
 */

export type PhoneKind = 'mobile' | 'landline';

/** Mainland mobile (11 digits from 13–19, an optional +86 dropped) or landline (0 + area code, 7–8 digits). */
export function normalizePhone(raw: string): { value: string; kind: PhoneKind } | undefined {
  const t = raw.trim().replace(/[\s()（）]/g, '');
  const mobile = /^(?:\+?86|0086)?(1[3-9]\d{9})$/.exec(t.replace(/-/g, ''));
  if (mobile) return { value: mobile[1], kind: 'mobile' };
  const land = /^(0\d{2,3})-?([2-9]\d{6,7})(?:-(\d{1,6}))?$/.exec(t);
  if (land) return { value: `${land[1]}-${land[2]}${land[3] ? `-${land[3]}` : ''}`, kind: 'landline' };
  return undefined;
}

/** 138****8000; a landline keeps its area code and last four digits: 0772-***4567. */
export function maskPhone(value: string): string {
  if (/^1\d{10}$/.test(value)) return `${value.slice(0, 3)}****${value.slice(7)}`;
  const [area, number] = value.split('-');
  if (area && number) return `${area}-${'*'.repeat(Math.max(number.length - 4, 1))}${number.slice(-4)}`;
  return '*'.repeat(value.length);
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/** GB 11643 check character of the first 17 digits. */
export function residentIdCheck(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i];
  return ID_CHECK[sum % 11];
}

/** Reason an 18-character resident ID number is not valid, or undefined. */
export function residentIdProblem(id: string, now: Date): string | undefined {
  if (!/^\d{17}[\dX]$/.test(id)) return 'must be 18 characters: 17 digits and a digit or X';
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  const birth = new Date(Date.UTC(y, m - 1, d));
  if (y < 1900 || birth.getUTCMonth() !== m - 1 || birth.getUTCDate() !== d || birth.getTime() > now.getTime()) return 'holds no valid date of birth';
  if (residentIdCheck(id) !== id[17]) return 'check digit is wrong (GB 11643)';
  return undefined;
}

const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** GB 32100 check character of the first 17 characters of a 统一社会信用代码. */
export function usccCheck(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_CHARS.indexOf(first17[i]) * USCC_WEIGHTS[i];
  return USCC_CHARS[(31 - (sum % 31)) % 31];
}

export function usccProblem(code: string): string | undefined {
  if (!/^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/.test(code)) return 'must be an 18-character 统一社会信用代码 (digits and capital letters except I, O, S, V, Z)';
  if (usccCheck(code) !== code[17]) return 'check character is wrong (GB 32100)';
  return undefined;
}

/** 110105********0123: the first six and the last four characters. */
export function maskId(id: string): string {
  if (id.length <= 10) return '*'.repeat(id.length);
  return `${id.slice(0, 6)}${'*'.repeat(id.length - 10)}${id.slice(-4)}`;
}

/** 王**: the first character and a star for each of the others (at least one). */
export function maskName(name: string): string {
  const chars = Array.from(name.trim());
  return chars[0] + '*'.repeat(Math.max(chars.length - 1, 1));
}

// ---- personal data inside free text ------------------------------------------------------------
//
// People write a phone or an ID number in many ways: 13812345678, 138 1234 5678, 138-1234-5678,
// 138.1234.5678, full-width １３８１２３４５６７８, +86 138 1234 5678, 0086…, a landline 0772-7654321 or
// (0772)7654321, an ID number in groups (110105 19491231 002X) or with a small x. The text is read with
// full-width forms folded to ASCII (one code unit for one, so positions stay those of the original);
// runs of digit groups joined by at most three separators are cut into candidates along group
// boundaries, and a candidate is personal data when it has the shape of a mainland mobile (after a +86
// or 0086), a landline with its area code, an 18-character resident ID number with a real date of birth
// (or a 15-digit one of the old form), or a bare local number right after a word that announces a phone.

export type FoundKind = 'mobile' | 'landline' | 'idNumber' | 'name';

export interface Found {
  kind: FoundKind;
  /** Span in the original text. */
  start: number;
  end: number;
  /** The value in its normal form (digits, an X; the name as written). */
  value: string;
}

/** Full-width and look-alike characters folded to ASCII, one code unit for one. */
function fold(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xff01 && c <= 0xff5e) out += String.fromCharCode(c - 0xfee0);
    else if (c === 0x3000 || c === 0x00a0 || c === 0x2002 || c === 0x2003 || c === 0x2009 || c === 0x202f) out += ' ';
    else if ((c >= 0x2010 && c <= 0x2015) || c === 0x2212 || c === 0xfe63) out += '-';
    else if (c === 0x00b7 || c === 0x30fb || c === 0x2027 || c === 0x3002) out += '.';
    else out += text[i];
  }
  return out;
}

const SEPARATORS = new Set([' ', '-', '.', '(', ')', '/', '\t']);
const PHONE_WORD = /(电话|手机|联系|座机|号码|致电|拨打|来电|tel|phone|mobile)[^\d\n]{0,6}$/i;

interface Group {
  start: number;
  end: number;
  digits: string;
  /** A '+' right before the run (an international prefix follows). */
  plus: boolean;
}

/** Digit groups of one run: digits joined by at most three separators. */
function runs(t: string): Group[][] {
  const out: Group[][] = [];
  let i = 0;
  while (i < t.length) {
    if (!isDigit(t[i])) {
      i++;
      continue;
    }
    if (i > 0 && isDigit(t[i - 1])) {
      i++;
      continue;
    }
    const plus = i > 0 && t[i - 1] === '+';
    const groups: Group[] = [];
    let j = i;
    for (;;) {
      const start = j;
      while (j < t.length && isDigit(t[j])) j++;
      let end = j;
      // The check character of an ID number.
      if ((t[j] === 'X' || t[j] === 'x') && !/[A-Za-z0-9]/.test(t[j + 1] ?? '')) end = ++j;
      groups.push({ start, end, digits: t.slice(start, end).toUpperCase(), plus: groups.length === 0 && plus });
      let k = j;
      while (k < t.length && k - j < 3 && SEPARATORS.has(t[k])) k++;
      if (k > j && k < t.length && isDigit(t[k]) && !groups[groups.length - 1].digits.endsWith('X')) j = k;
      else break;
    }
    out.push(groups);
    i = j;
  }
  return out;
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function validBirth(y: number, m: number, d: number): boolean {
  if (y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** What a candidate string of digits is, and its normal form. */
function classify(digits: string, plus: boolean, phoneWordBefore: boolean): { kind: FoundKind; value: string } | undefined {
  const intl = /^(?:0086|86)(\d+)$/.exec(digits);
  const national = intl && (plus || digits.startsWith('0086') || /^1[3-9]\d{9}$/.test(intl[1])) ? intl[1] : undefined;
  for (const d of national ? [national, digits] : [digits]) {
    if (/^1[3-9]\d{9}$/.test(d)) return { kind: 'mobile', value: d };
  }
  if (national && /^(?:10|2\d)\d{8}$|^[3-9]\d{2}\d{7,8}$/.test(national)) return { kind: 'landline', value: `0${national}` };
  if (/^(?:010|02\d)\d{8}$|^0[3-9]\d{2}[2-9]\d{6,7}$/.test(digits)) return { kind: 'landline', value: digits };
  if (/^\d{17}[\dX]$/.test(digits) && validBirth(+digits.slice(6, 10), +digits.slice(10, 12), +digits.slice(12, 14))) return { kind: 'idNumber', value: digits };
  if (/^\d{15}$/.test(digits) && validBirth(1900 + +digits.slice(6, 8), +digits.slice(8, 10), +digits.slice(10, 12))) return { kind: 'idNumber', value: digits };
  if (phoneWordBefore && /^[2-9]\d{6,7}$/.test(digits)) return { kind: 'landline', value: digits };
  return undefined;
}

/**
 * Phones, ID numbers and (when given) the names of the people concerned, in a free text: their spans in
 * the original text, in order.
 */
export function findIdentities(text: string, names: Array<string | null | undefined> = []): Found[] {
  if (typeof text !== 'string' || !text) return [];
  // Ids of this system (UUIDs, e.g. a case id quoted in a notification) are not read as numbers.
  const t = fold(text).replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, (u) => 'u'.repeat(u.length));
  const found: Found[] = [];
  for (const groups of runs(t)) {
    let a = 0;
    while (a < groups.length) {
      let best: { b: number; kind: FoundKind; value: string } | undefined;
      let digits = '';
      for (let b = a; b < groups.length && b < a + 12; b++) {
        digits += groups[b].digits;
        if (digits.length > 20) break;
        const before = t.slice(Math.max(0, groups[a].start - 12), groups[a].start);
        const c = classify(digits, groups[a].plus, PHONE_WORD.test(before));
        if (c && (!best || c.value.length >= best.value.length)) best = { b, ...c };
      }
      if (!best) {
        a++;
        continue;
      }
      let start = groups[a].start;
      if (groups[a].plus) start--;
      else if (t[start - 1] === '(') start--;
      found.push({ kind: best.kind, start, end: groups[best.b].end, value: best.value });
      a = best.b + 1;
    }
  }
  for (const raw of names) {
    const name = raw?.trim();
    if (!name || Array.from(name).length < 2) continue;
    for (let at = text.indexOf(name); at >= 0; at = text.indexOf(name, at + name.length)) {
      if (!found.some((f) => f.start < at + name.length && at < f.end)) found.push({ kind: 'name', start: at, end: at + name.length, value: name });
    }
  }
  return found.sort((x, y) => x.start - y.start);
}

/** The mask shown in place of what was found. */
export function maskFound(f: Pick<Found, 'kind' | 'value'>): string {
  switch (f.kind) {
    case 'mobile':
      return maskPhone(f.value);
    case 'landline': {
      const m = /^(010|02\d|0[3-9]\d{2})(\d+)$/.exec(f.value);
      return m ? maskPhone(`${m[1]}-${m[2]}`) : `${'*'.repeat(Math.max(f.value.length - 4, 1))}${f.value.slice(-4)}`;
    }
    case 'idNumber':
      return maskId(f.value);
    case 'name':
      return maskName(f.value);
  }
}

/** Free text with every phone, ID number and named person masked. */
export function maskIdentities(text: string, names: Array<string | null | undefined> = []): string {
  const found = findIdentities(text, names);
  if (!found.length) return text;
  let out = '';
  let at = 0;
  for (const f of found) {
    if (f.start < at) continue;
    out += text.slice(at, f.start) + maskFound(f);
    at = f.end;
  }
  return out + text.slice(at);
}

/** Free text with mobile, landline and resident ID numbers masked (in every spelling above). */
export function redactText(text: string): string {
  return maskIdentities(text);
}

/** Every string inside a JSON value masked; answers the masked copy and whether anything changed. */
export function maskDeep(value: unknown, names: Array<string | null | undefined> = []): { value: unknown; changed: boolean } {
  let changed = false;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const m = maskIdentities(v, names);
      if (m !== v) changed = true;
      return m;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  const out = walk(value);
  return { value: out, changed };
}
