/**
 * PDF from the HTML of a document, with pdfmake and Noto Sans SC from npm (no browser, no system font).
 *
 * The templates of templates/<county>/doc-*.hbs are written in a small subset of HTML so that one
 * template gives both the page a browser prints and the PDF: h1, h2, p (class note | right | indent),
 * table (data-widths="70,*,70,*"; class form draws the ruled form of the seeds) with tr, th and td
 * (colspan, class tall for the blank space a hand-written answer needs), br, b, span, and inline svg
 * (the charts of bulletins). Anything else is read as its text.
 */
import * as path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const pdfmake = require('pdfmake') as {
  addFonts(f: Record<string, Record<string, string>>): void;
  setUrlAccessPolicy(f: (url: string) => boolean): void;
  setLocalAccessPolicy(f: (path: string) => boolean): void;
  createPdf(doc: unknown): { getBuffer(): Promise<Buffer> };
};

const fontDir = path.dirname(require.resolve('@expo-google-fonts/noto-sans-sc/package.json'));
const REGULAR = path.join(fontDir, '400Regular', 'NotoSansSC_400Regular.ttf');
const BOLD = path.join(fontDir, '700Bold', 'NotoSansSC_700Bold.ttf');
pdfmake.addFonts({ NotoSansSC: { normal: REGULAR, bold: BOLD, italics: REGULAR, bolditalics: BOLD } });
// A document never loads anything but the two font files.
pdfmake.setUrlAccessPolicy(() => false);
pdfmake.setLocalAccessPolicy((p) => p === REGULAR || p === BOLD);

interface Node {
  tag: string;
  attrs: Record<string, string>;
  children: Array<Node | string>;
  /** Raw source of an svg element. */
  raw?: string;
}

const VOID = new Set(['br', 'meta', 'img', 'hr']);

export function decodeEntities(s: string): string {
  return s
    .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&nbsp;/g, '\u00a0')
    .replace(/&amp;/g, '&');
}

/** Parses the subset (well-formed: every element closed) into a tree. */
export function parseHtml(html: string): Node {
  const root: Node = { tag: 'root', attrs: {}, children: [] };
  const stack: Node[] = [root];
  const re = /<!--[\s\S]*?-->|<![^>]*>|<(\/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*?)(\/?)>|([^<]+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(html))) {
    const top = stack[stack.length - 1];
    if (m[5] !== undefined) {
      top.children.push(decodeEntities(m[5]));
      continue;
    }
    if (!m[2]) continue;
    const tag = m[2].toLowerCase();
    if (m[1]) {
      const at = stack.map((n) => n.tag).lastIndexOf(tag);
      if (at > 0) stack.length = at;
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of m[3].matchAll(/([a-zA-Z-:]+)="([^"]*)"/g)) attrs[a[1].toLowerCase()] = decodeEntities(a[2]);
    if (tag === 'svg' || tag === 'style' || tag === 'head') {
      const end = html.indexOf(`</${tag}>`, re.lastIndex);
      const stop = end < 0 ? html.length : end + tag.length + 3;
      if (tag === 'svg') top.children.push({ tag, attrs, children: [], raw: html.slice(m.index, stop) });
      re.lastIndex = stop;
      continue;
    }
    const node: Node = { tag, attrs, children: [] };
    top.children.push(node);
    if (!VOID.has(tag) && !m[4]) stack.push(node);
  }
  return root;
}

type Inline = string | { text: string | Inline[]; bold?: boolean };

function inline(n: Node | string): Inline[] {
  if (typeof n === 'string') return [n.replace(/[ \t\r\n]+/g, ' ')];
  if (n.tag === 'br') return ['\n'];
  const parts = n.children.flatMap(inline);
  if (n.tag === 'b' || n.tag === 'strong' || n.tag === 'th') return [{ text: parts, bold: true }];
  return parts;
}

function trimInline(parts: Inline[]): Inline[] {
  // Whitespace between tags of a template is layout, not text.
  const out = parts.filter((p) => !(typeof p === 'string' && p.trim() === '' && !p.includes('\n') && !p.includes('\u00a0')));
  return out.map((p, i) => (typeof p === 'string' ? (i === 0 ? p.trimStart() : p).replace(/ ?\n ?/g, '\n') : p));
}

function classes(n: Node): string[] {
  return (n.attrs.class ?? '').split(/\s+/).filter(Boolean);
}

function cell(n: Node): Record<string, unknown> {
  const c = classes(n);
  const span = Number(n.attrs.colspan ?? 1);
  const blocks = n.children.some((k) => typeof k !== 'string' && (k.tag === 'p' || k.tag === 'svg' || k.tag === 'div'));
  const content = blocks ? { stack: blockList(n) } : { text: trimInline(inline(n)) };
  return {
    ...content,
    ...(span > 1 ? { colSpan: span } : {}),
    ...(n.tag === 'th' ? { bold: true, alignment: 'center', fillColor: '#f2f2f2' } : {}),
    ...(c.includes('center') ? { alignment: 'center' } : {}),
    ...(c.includes('right') ? { alignment: 'right' } : {}),
    margin: [4, c.includes('tall') ? 6 : 4, 4, c.includes('tall') ? 48 : 4],
  };
}

function table(n: Node): Record<string, unknown> {
  const rows = collect(n, 'tr');
  const widths = (n.attrs['data-widths'] ?? '').split(',').filter(Boolean).map((w) => (w === '*' ? '*' : Number(w)));
  // pdfmake wants a placeholder under every cell a rowspan covers; HTML leaves them out.
  const covered: number[] = [];
  const body = rows.map((tr) => {
    const out: Array<Record<string, unknown>> = [];
    const skip = () => {
      while ((covered[out.length] ?? 0) > 0) {
        covered[out.length]--;
        out.push({});
      }
    };
    for (const c of tr.children) {
      if (typeof c === 'string' || (c.tag !== 'td' && c.tag !== 'th')) continue;
      skip();
      const span = Number(c.attrs.colspan ?? 1);
      const down = Number(c.attrs.rowspan ?? 1);
      const at = out.length;
      out.push({ ...cell(c), ...(down > 1 ? { rowSpan: down } : {}) });
      for (let i = 1; i < span; i++) out.push({});
      if (down > 1) for (let i = 0; i < span; i++) covered[at + i] = down - 1;
    }
    skip();
    return out;
  });
  const cols = widths.length || Math.max(...body.map((r) => r.length));
  for (const r of body) while (r.length < cols) r.push({ text: '' });
  const plain = !classes(n).includes('form');
  return {
    table: { widths: widths.length ? widths : Array(cols).fill('*'), body, headerRows: classes(n).includes('header') ? 1 : 0, dontBreakRows: true },
    layout: plain ? { hLineColor: '#999', vLineColor: '#999', hLineWidth: () => 0.5, vLineWidth: () => 0.5 } : { hLineWidth: () => 0.8, vLineWidth: () => 0.8 },
    margin: [0, 4, 0, 8],
    fontSize: plain ? 9 : 10.5,
  };
}

function collect(n: Node, tag: string): Node[] {
  const out: Node[] = [];
  for (const c of n.children) {
    if (typeof c === 'string') continue;
    if (c.tag === tag) out.push(c);
    else if (c.tag !== 'table') out.push(...collect(c, tag));
  }
  return out;
}

function blockList(n: Node): unknown[] {
  const out: unknown[] = [];
  for (const c of n.children) {
    if (typeof c === 'string') {
      if (c.trim()) out.push({ text: c.trim() });
      continue;
    }
    const cl = classes(c);
    switch (c.tag) {
      case 'h1':
        out.push({ text: trimInline(inline(c)), fontSize: 18, bold: true, alignment: 'center', margin: [0, 0, 0, 12] });
        break;
      case 'h2':
        out.push({ text: trimInline(inline(c)), fontSize: 13, bold: true, margin: [0, 10, 0, 6] });
        break;
      case 'p':
        out.push({
          text: trimInline(inline(c)),
          fontSize: cl.includes('note') ? 9 : 11,
          alignment: cl.includes('right') ? 'right' : cl.includes('center') ? 'center' : 'left',
          leadingIndent: cl.includes('indent') ? 22 : 0,
          lineHeight: 1.4,
          margin: [0, 2, 0, 4],
        });
        break;
      case 'table':
        out.push(table(c));
        break;
      case 'svg':
        out.push({ svg: c.raw, margin: [0, 4, 0, 8] });
        break;
      default:
        out.push(...blockList(c));
    }
  }
  return out;
}

/** The pdfmake document of a page of the subset: A4, 2 cm margins, Noto Sans SC. */
export function pdfDocument(html: string, meta: { title: string; subject?: string }) {
  const body = parseHtml(html);
  return {
    pageSize: 'A4',
    pageMargins: [56, 56, 56, 56],
    info: { title: meta.title, subject: meta.subject ?? meta.title, creator: 'haochaping-workflow', producer: 'pdfmake' },
    defaultStyle: { font: 'NotoSansSC', fontSize: 11 },
    content: blockList(body),
    footer: (page: number, pages: number) => (pages > 1 ? { text: `${page} / ${pages}`, alignment: 'center', fontSize: 8, color: '#666' } : null),
  };
}

export async function renderPdf(html: string, meta: { title: string; subject?: string }): Promise<Buffer> {
  const doc = pdfmake.createPdf(pdfDocument(html, meta));
  return Buffer.from(await doc.getBuffer());
}
