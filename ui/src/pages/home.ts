/** /ui/: sign in, then the counties you may see, with their deployed diagrams. */
import '../style.css';
import { api, escapeHtml, signIn } from '../api';

async function main() {
  const root = document.getElementById('app')!;
  const me = await signIn(root);
  const defs = await api<{ items: Array<{ county_id: string; process_key: string; version: number; name: string | null }> }>('GET', '/api/v1/definitions');
  const counties = [...new Set(defs.items.map((d) => d.county_id))];
  root.innerHTML = `
    <header><h1>政务服务“好差评” · 差评办件</h1><span class="who">${escapeHtml(me.id)} · ${escapeHtml(me.roles.join(', '))}</span></header>
    <section>
      <h2>Counties 辖区</h2>
      <ul class="counties">
        ${counties
          .map(
            (c) => `<li data-county="${escapeHtml(c)}"><b>${escapeHtml(c)}</b>: ${defs.items
              .filter((d) => d.county_id === c)
              .map((d) => `${escapeHtml(d.name ?? d.process_key)} v${d.version}`)
              .join(' · ')}</li>`,
          )
          .join('')}
      </ul>
    </section>`;
}

void main();
