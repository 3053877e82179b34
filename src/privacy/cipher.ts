/**
 * Personal data of evaluators and complainants (实名制, confidential: 002 第五条, 004 §4.9).
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
import { settleSetting } from '../db/settings';
import { ConfigError } from '../errors';

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
  const kept = await settleSetting<{ fingerprint?: string }>(knex, 'pii-key', { fingerprint: fp });
  const stored = String(kept?.fingerprint ?? '');
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
