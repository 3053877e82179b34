/**
 * Personal data of evaluators and complainants (实名制, confidential: DOMAIN.md §1, 002 第五条, 004 §4.9).
 *
 * - Name, phone and ID number are encrypted at rest with AES-256-GCM. The key comes from PII_KEY (base64
 *   of 32 bytes); with the embedded database a key is generated into <dataDir>/pii.key (mode 0600) on
 *   first start; with PostgreSQL and no PII_KEY the server refuses to start. A person's name, phone and ID
 *   number are one encrypted value (one cipher operation per person), bound to its row and role (GCM
 *   additional data), so a ciphertext copied onto another row does not decrypt.
 * - A fingerprint of the key is kept in settings: starting with another key than the one the stored data
 *   was written with is refused rather than producing unreadable rows.
 * - Responses carry masks only (138****8000, 110105********0123, 王**); a clear value is shown to the
 *   pii-reader role on request, and every such reveal is audited.
 * - Free text (comments, descriptions) is stored with phone and ID numbers masked; the original text is
 *   kept encrypted beside it when masking changed it.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Knex } from 'knex';
import { ConfigError } from '../config/config';

const VERSION = 'v1';

export class PiiCipher {
  private readonly hashKey: Buffer;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new ConfigError('PII_KEY must be base64 of exactly 32 bytes');
    this.hashKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'hcp request fingerprint', 32));
  }

  /** Random IVs are taken from a pool filled 16 kB at a time: one system call per ~1,300 values instead of one each. */
  private ivPool = Buffer.alloc(0);
  private ivAt = 0;

  private nextIv(): Buffer {
    if (this.ivAt + 12 > this.ivPool.length) {
      this.ivPool = randomBytes(16 * 1024);
      this.ivAt = 0;
    }
    const iv = this.ivPool.subarray(this.ivAt, this.ivAt + 12);
    this.ivAt += 12;
    return iv;
  }

  /** "v1:" + base64(iv ‖ tag ‖ ciphertext); `context` (row id and field) is authenticated, not stored. */
  encrypt(plain: string, context: string): string {
    const iv = this.nextIv();
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    c.setAAD(Buffer.from(context, 'utf8'));
    const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return `${VERSION}:${Buffer.concat([iv, c.getAuthTag(), ct]).toString('base64')}`;
  }

  decrypt(value: string, context: string): string {
    const [version, b64] = value.split(':');
    if (version !== VERSION || !b64) throw new Error('unknown ciphertext format');
    const raw = Buffer.from(b64, 'base64');
    const d = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    d.setAAD(Buffer.from(context, 'utf8'));
    d.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
  }

  /**
   * Keyed fingerprint of a request (for idempotency checks). Keyed, because the request holds a phone
   * and an ID number: a plain hash of it could be reversed by trying every phone number.
   */
  fingerprint(text: string): string {
    return createHmac('sha256', this.hashKey).update(text).digest('hex');
  }

  /** Identifies the key without disclosing it. */
  keyFingerprint(): string {
    return createHmac('sha256', this.key).update('hcp-pii-key-check').digest('hex').slice(0, 32);
  }
}

/** Decodes PII_KEY; undefined when unset. Throws naming the variable when it is not 32 bytes of base64. */
export function decodePiiKey(raw: string | undefined): Buffer | undefined {
  if (raw === undefined || raw === '') return undefined;
  const key = /^[A-Za-z0-9+/=_-]+$/.test(raw.trim()) ? Buffer.from(raw.trim(), 'base64') : Buffer.alloc(0);
  if (key.length !== 32) throw new ConfigError('PII_KEY must be the base64 of 32 random bytes (e.g. `openssl rand -base64 32`)');
  return key;
}

/** The key: PII_KEY, or with the embedded database <dataDir>/pii.key (created on first start). */
export async function openPiiCipher(opts: { piiKey?: string; dataDir: string; embedded: boolean }, knex: Knex): Promise<PiiCipher> {
  let key = decodePiiKey(opts.piiKey);
  if (!key) {
    if (!opts.embedded) {
      throw new ConfigError(
        'PII_KEY is not set. With PostgreSQL (DATABASE_URL) the key that encrypts evaluator names, phones and ID numbers must come from the environment: PII_KEY=<base64 of 32 random bytes>, e.g. `openssl rand -base64 32`. Keep it; data written with one key cannot be read with another.',
      );
    }
    key = readOrCreateKeyFile(path.join(opts.dataDir, 'pii.key'));
  }
  const cipher = new PiiCipher(key);
  const fp = cipher.keyFingerprint();
  await knex('settings').insert({ key: 'pii-key', value: JSON.stringify({ fingerprint: fp }) }).onConflict('key').ignore();
  const row = await knex('settings').where({ key: 'pii-key' }).first();
  const stored = String(row?.value?.fingerprint ?? '');
  if (stored.length !== fp.length || !timingSafeEqual(Buffer.from(stored), Buffer.from(fp))) {
    throw new ConfigError('PII_KEY is not the key the stored personal data was encrypted with (settings pii-key fingerprint differs). Start with the original key.');
  }
  return cipher;
}

function readOrCreateKeyFile(file: string): Buffer {
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    try {
      fs.writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  const key = decodePiiKey(fs.readFileSync(file, 'utf8').trim());
  if (!key) throw new ConfigError(`${file} is empty`);
  return key;
}

// ---------------------------------------------------------------------------------------------------
// Phone numbers, resident ID numbers (GB 11643), unified social credit codes (GB 32100), and masks.

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
