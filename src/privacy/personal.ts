/** Personal data in and out of rows: encrypted columns and masks in, masked (or revealed) views out. */
import type { PiiCipher } from './cipher';
import { maskId, maskIdentities, maskName, maskPhone } from './identity';

/** An evaluator or complainant as the intake checked them. */
export interface Person {
  kind: 'person' | 'legal-entity';
  name: string | null;
  phone: string | null;
  idNumber: string | null;
}

export type PersonPrefix = 'evaluator' | 'complainant';

export interface PersonView {
  kind: string | null;
  name: string | null;
  phone: string | null;
  idNumber: string | null;
}

const ctx = (prefix: PersonPrefix, rowId: string) => `${prefix}:${rowId}`;

/** Columns <prefix>_kind, <prefix>_enc (name, phone and ID number, one encrypted JSON) and the three masks. */
export function personColumns(pii: PiiCipher, prefix: PersonPrefix, rowId: string, p: Person | null): Record<string, string | null> {
  const any = p && (p.name || p.phone || p.idNumber);
  return {
    [`${prefix}_kind`]: p?.kind ?? null,
    [`${prefix}_enc`]: any ? pii.encrypt(JSON.stringify([p.name, p.phone, p.idNumber]), ctx(prefix, rowId)) : null,
    [`${prefix}_name_mask`]: p?.name ? maskName(p.name) : null,
    [`${prefix}_phone_mask`]: p?.phone ? maskPhone(p.phone) : null,
    [`${prefix}_id_mask`]: p?.idNumber ? maskId(p.idNumber) : null,
  };
}

/**
 * comment and other_text with phone and ID numbers (in any spelling) and the names of the people
 * concerned masked; the originals encrypted when that changed them.
 */
export function freeTextColumns(
  pii: PiiCipher,
  rowId: string,
  comment: string | null,
  otherText: string | null,
  names: Array<string | null | undefined> = [],
): { comment: string | null; other_text: string | null; free_text_enc: string | null } {
  const c = comment === null ? null : maskIdentities(comment, names);
  const o = otherText === null ? null : maskIdentities(otherText, names);
  const changed = c !== comment || o !== otherText;
  return { comment: c, other_text: o, free_text_enc: changed ? pii.encrypt(JSON.stringify({ comment, otherText }), `text:${rowId}`) : null };
}

type Row = Record<string, unknown> & { id: string };

export function maskedPerson(row: Row, prefix: PersonPrefix): PersonView | null {
  if (!row[`${prefix}_kind`]) return null;
  return {
    kind: row[`${prefix}_kind`] as string,
    name: (row[`${prefix}_name_mask`] as string | null) ?? null,
    phone: (row[`${prefix}_phone_mask`] as string | null) ?? null,
    idNumber: (row[`${prefix}_id_mask`] as string | null) ?? null,
  };
}

/** The clear values and the names of the fields that were shown. */
export function revealPerson(pii: PiiCipher, row: Row, prefix: PersonPrefix): { person: PersonView | null; fields: string[] } {
  if (!row[`${prefix}_kind`]) return { person: null, fields: [] };
  const enc = row[`${prefix}_enc`] as string | null;
  const [name, phone, idNumber] = enc ? (JSON.parse(pii.decrypt(enc, ctx(prefix, row.id))) as Array<string | null>) : [null, null, null];
  const fields = ([['name', name], ['phone', phone], ['idNumber', idNumber]] as const).filter(([, v]) => v).map(([f]) => `${prefix}.${f}`);
  return { person: { kind: row[`${prefix}_kind`] as string, name, phone, idNumber }, fields };
}

export function revealFreeText(pii: PiiCipher, row: Row): { comment: string | null; otherText: string | null } | null {
  const v = row.free_text_enc as string | null;
  return v ? JSON.parse(pii.decrypt(v, `text:${row.id}`)) : null;
}
