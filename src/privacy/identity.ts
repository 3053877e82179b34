/**
 * Identity data: phone numbers, resident ID numbers (GB 11643), unified social credit codes (GB 32100),
 * their masks, and masking them inside free text.
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

const PHONE_IN_TEXT = /(?<![\d])(?:\+?86[- ]?)?(1[3-9]\d{9})(?!\d)/g;
const ID_IN_TEXT = /(?<![\dA-Za-z])(\d{17}[\dXx])(?![\dA-Za-z])/g;

/** Free text with mobile and resident ID numbers masked. */
export function redactText(text: string): string {
  return text.replace(ID_IN_TEXT, (_m, id: string) => maskId(id.toUpperCase())).replace(PHONE_IN_TEXT, (_m, p: string) => maskPhone(p));
}
