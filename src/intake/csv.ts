/**
 * CSV of the 办件 register (text/csv, RFC 4180: comma separated, double quotes, CRLF or LF, a UTF-8 BOM
 * is dropped). The first row names the columns, either as the JSON field names or as the Chinese
 * headings hall systems export (办件编号, 事项编码 …). Empty cells are absent values.
 */
import { ValidationError } from '../errors';

const HEADINGS: Record<string, string> = {
  办件编号: 'caseNo',
  事项编码: 'serviceCode',
  事项名称: 'serviceName',
  部门编码: 'unitId',
  单位编码: 'unitId',
  部门名称: 'unitName',
  单位名称: 'unitName',
  窗口: 'window',
  被评价人编号: 'staffId',
  工号: 'staffId',
  被评价人: 'staffName',
  办理方式: 'mode',
  受理时间: 'acceptedAt',
  办结时间: 'completedAt',
};

export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  for (; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n') line++;
        cell += c;
      }
      continue;
    }
    if (c === '"' && cell === '') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      line++;
    } else cell += c;
  }
  if (quoted) throw new ValidationError(`the CSV has an unclosed quote (from line ${line})`, [{ field: 'body', reason: 'unclosed quote' }]);
  if (cell !== '' || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows.filter((r) => r.some((c) => c.trim() !== ''));
}

/** Rows of a CSV as objects keyed by field name. */
export function csvRecords(text: string): Array<Record<string, string>> {
  const rows = parseCsv(text);
  if (!rows.length) throw new ValidationError('the CSV is empty: send a header row and one row per 办件', [{ field: 'body', reason: 'empty' }]);
  const header = rows[0].map((h) => HEADINGS[h.trim()] ?? h.trim());
  const seen = new Set<string>();
  for (const h of header) {
    if (seen.has(h)) throw new ValidationError(`the CSV header names ${h} twice`, [{ field: h, reason: 'column given twice' }]);
    seen.add(h);
  }
  return rows.slice(1).map((cells, n) => {
    const rec: Record<string, string> = {};
    cells.forEach((c, i) => {
      const key = header[i] ?? `column${i + 1}`;
      if (c.trim() !== '') rec[key] = c;
    });
    if (cells.length > header.length) rec[`column${header.length + 1}`] ??= `(row ${n + 1} has more cells than the header)`;
    return rec;
  });
}
