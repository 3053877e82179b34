#!/usr/bin/env node
/*
 * Regenerates src/calendar/data/national/<year>.json from the npm package chinese-days (MIT),
 * used here only as a data source. Run from the repository root:
 *   node src/calendar/tools/build-national-data.cjs
 * The generated files are the shipped data; this script is not used at run time.
 * Notice numbers were checked against reposts of the notices' text.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const data = require('chinese-days/dist/chinese-days.json');

const SOURCES = {
  2020: {
    source: '国办发明电〔2019〕16号 (2019-11-21); 国办发明电〔2020〕1号 (2020-01-26, 春节假期延长至2月2日)',
    note: '春节 extended to 2020-02-02 by 国办发明电〔2020〕1号; the make-up workday 2020-02-01 (Sat) fell inside the extension and was not worked.',
  },
  2021: { source: '国办发明电〔2020〕27号 (2020-11-25)' },
  2022: {
    source: '国办发明电〔2021〕11号 (2021-10-25); 2022-12-31 from 国办发明电〔2022〕16号 (2022-12-08)',
    note: '2022-12-31 (Sat) is the first day of the 2023 元旦 period announced in the 2023 notice.',
  },
  2023: { source: '国办发明电〔2022〕16号 (2022-12-08)' },
  2024: { source: '国办发明电〔2023〕7号 (2023-10-25)' },
  2025: { source: '国办发明电〔2024〕12号 (2024-11-12)' },
  2026: { source: '国办发明电〔2025〕7号 (2025-11-04)' },
};

const NAMES = { 元旦: '元旦', 春节: '春节', 清明: '清明节', 劳动节: '劳动节', 端午: '端午节', 中秋: '中秋节', 国庆节: '国庆节' };
// Periods the notices announce as one combined holiday.
const COMBINED = [
  { from: '2020-10-01', to: '2020-10-08', name: '国庆节、中秋节' },
  { from: '2023-09-29', to: '2023-10-06', name: '中秋节、国庆节' },
  { from: '2025-10-01', to: '2025-10-08', name: '国庆节、中秋节' },
];
const COMBINED_WORKDAYS = { '2020-09-27': '国庆节、中秋节', '2020-10-10': '国庆节、中秋节', '2023-10-07': '中秋节、国庆节', '2023-10-08': '中秋节、国庆节', '2025-09-28': '国庆节、中秋节', '2025-10-11': '国庆节、中秋节' };

function holidayName(date, raw) {
  for (const c of COMBINED) if (date >= c.from && date <= c.to) return c.name;
  const zh = raw.split(',')[1];
  const name = NAMES[zh];
  if (!name) throw new Error(`unknown holiday name ${raw} on ${date}`);
  if (date >= '2020-01-31' && date <= '2020-02-02') return '春节（延长假期）';
  return name;
}

/** One day per line, so that a diff of a corrected year stays readable. */
function formatYear(file) {
  const days = (list) => (list.length ? `[\n${list.map((d) => `    ${JSON.stringify(d)}`).join(',\n')}\n  ]` : '[]');
  const lines = [
    `  "scope": ${JSON.stringify(file.scope)}`,
    `  "year": ${file.year}`,
    `  "holidays": ${days(file.holidays)}`,
    `  "workdays": ${days(file.workdays)}`,
    `  "source": ${JSON.stringify(file.source)}`,
    `  "level": ${JSON.stringify(file.level)}`,
  ];
  if (file.note) lines.push(`  "note": ${JSON.stringify(file.note)}`);
  return `{\n${lines.join(',\n')}\n}\n`;
}

const outDir = path.resolve(__dirname, '../data/national');
for (const year of Object.keys(SOURCES).map(Number)) {
  const pick = (table) => Object.entries(table).filter(([d]) => d.startsWith(`${year}-`)).sort(([a], [b]) => a.localeCompare(b));
  const holidays = pick(data.holidays).map(([date, raw]) => ({ date, name: holidayName(date, raw) }));
  const workdays = pick(data.workdays).map(([date, raw]) => ({ date, name: `${COMBINED_WORKDAYS[date] || holidayName(date, raw)}调休` }));
  const meta = SOURCES[year];
  const file = { scope: 'national', year, holidays, workdays, source: meta.source, level: 'official' };
  if (meta.note) file.note = meta.note;
  fs.writeFileSync(path.join(outDir, `${year}.json`), formatYear(file));
  console.log(`national/${year}.json: ${holidays.length} holidays, ${workdays.length} make-up workdays`);
}
