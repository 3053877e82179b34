/**
 * Finding personal data in free text, in every spelling people use: the pure detector. The end-to-end
 * test (answers, log, journal, outbox, every table) is test/privacy/free-text-pii.test.ts.
 */
import { findIdentities, maskDeep, maskIdentities } from '../../src/privacy/identity';
import { ID, SPELLINGS } from '../support/spellings';

describe('personal data in free text', () => {
  test.each(SPELLINGS)('finds %s', (written, value, kind) => {
    const text = `评价人说：我的联系方式是${written}，请回电。`;
    const found = findIdentities(text);
    expect(found.map((f) => [f.kind, f.value])).toEqual([[kind, value]]);
    const masked = maskIdentities(text);
    expect(masked.startsWith('评价人说：我的联系方式是')).toBe(true);
    expect(masked.endsWith('，请回电。')).toBe(true);
    expect(masked.replace(/[\s\-.()]/g, '')).not.toContain(value);
    expect(masked).toContain(value.slice(-4));
  });

  test('two numbers side by side are two, and other numbers stay', () => {
    const text = '电话13812345678 13912345678，办件编号LD-2026-0930-001，金额1500元，2026-11-30 09:30，第12345号，热线12345';
    const found = findIdentities(text);
    expect(found.map((f) => f.value)).toEqual(['13812345678', '13912345678']);
    const masked = maskIdentities(text);
    expect(masked).toContain('LD-2026-0930-001');
    expect(masked).toContain('2026-11-30 09:30');
    expect(masked).toContain('热线12345');
  });

  test('a local number without area code only after a word that announces a phone', () => {
    expect(findIdentities('座机：7654321').map((f) => f.value)).toEqual(['7654321']);
    expect(findIdentities('共计7654321元')).toEqual([]);
  });

  test('names of the people concerned, and a whole JSON value', () => {
    expect(maskIdentities('张三丰来电，张三丰要求回访', ['张三丰'])).toBe('张**来电，张**要求回访');
    const { value, changed } = maskDeep({ reason: '联系138 1234 5678', list: ['x', { deep: ID }], n: 5, ok: true });
    expect(changed).toBe(true);
    expect(value).toEqual({ reason: '联系138****5678', list: ['x', { deep: '110105********002X' }], n: 5, ok: true });
    expect(maskDeep({ a: 'nothing here 2026' })).toEqual({ value: { a: 'nothing here 2026' }, changed: false });
  });
});
