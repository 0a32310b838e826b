// Small SVG charts drawn here (no library): bars and lines over a time axis, horizontal bars.
// Colours come from console.css classes (.series-0 …), so no inline styles are needed.
import { h, s } from './dom.js';

const WIDTH = 640;
const HEIGHT = 240;
const PAD = { top: 14, right: 52, bottom: 30, left: 60 };

const STEPS = [1, 2, 2.5, 5, 10];

function candidates(value, integer) {
  const power = 10 ** Math.floor(Math.log10(value));
  return STEPS.map((step) => step * power).filter((step) => !integer || Number.isInteger(step));
}

/** Round tick steps: `ticks` given -> the smallest round step covering the value in that many
 * ticks; otherwise the round step nearest a quarter of the value, ticks as needed (3..6). */
function axis(value, { integer = false, ticks = null } = {}) {
  if (!(value > 0)) return { max: integer ? (ticks || 4) : 1, ticks: ticks || 4 };
  if (ticks) {
    const wanted = value / ticks;
    const options = [...candidates(wanted, integer), ...candidates(wanted * 10, integer)];
    const step = integer && wanted <= 1 ? 1 : options.find((option) => option >= wanted - 1e-9);
    return { max: step * ticks, ticks };
  }
  const wanted = value / 4;
  if (integer && wanted <= 1) return { max: Math.max(1, Math.ceil(value)), ticks: Math.max(1, Math.ceil(value)) };
  const options = [...candidates(wanted, integer), ...candidates(wanted * 10, integer)];
  const step = options.reduce((best, option) => (Math.abs(Math.log(option / wanted)) < Math.abs(Math.log(best / wanted)) ? option : best));
  const count = Math.max(1, Math.ceil(value / step - 1e-9));
  return { max: step * count, ticks: count };
}

export function shortNumber(value) {
  const abs = Math.abs(value);
  if (abs >= 1e7) return `${+(value / 1e7).toFixed(1)}Cr`;
  if (abs >= 1e5) return `${+(value / 1e5).toFixed(1)}L`;
  if (abs >= 1e3) return `${+(value / 1e3).toFixed(1)}k`;
  return `${+value.toFixed(2)}`;
}

function legend(series) {
  return h(
    'ul',
    { class: 'chart-legend' },
    series.map((item, index) => h('li', {}, h('span', { class: `swatch series-${item.color ?? index}` }), item.name)),
  );
}

/**
 * A chart over labelled points (days, weeks, months).
 *   labels: ['2025-01-01', …]
 *   series: [{name, values: [numbers], kind: 'bar' | 'line', axis: 'left' | 'right', format}]
 *   tooltip(index): extra text for the point's tooltip
 * Returns a <figure> with data-points (number of labels) and data-max (largest value).
 */
export function timeChart({ id, title, labels, series, tooltip, emptyText = 'No data for this period.' }) {
  const figure = h('figure', { class: 'chart', id, dataset: { points: labels.length } }, h('figcaption', {}, title));
  if (!labels.length) {
    figure.dataset.max = '0';
    figure.append(h('p', { class: 'empty' }, emptyText));
    return figure;
  }
  const left = series.filter((item) => item.axis !== 'right');
  const right = series.filter((item) => item.axis === 'right');
  const maxOf = (group) => Math.max(0, ...group.flatMap((item) => item.values.map(Number)));
  const leftAxis = axis(maxOf(left), { integer: left.every((item) => item.integer) && left.length > 0 });
  const rightAxis = axis(maxOf(right), { integer: right.every((item) => item.integer), ticks: leftAxis.ticks });
  const leftMax = leftAxis.max;
  const rightMax = rightAxis.max;
  figure.dataset.max = String(Math.max(maxOf(left), maxOf(right)));

  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const n = labels.length;
  const step = plotWidth / n;
  const x = (index) => PAD.left + step * (index + 0.5);
  const y = (value, max) => PAD.top + plotHeight - (Number(value) / max) * plotHeight;

  const svg = s('svg', {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    class: 'chart-svg',
    role: 'img',
    'aria-label': title,
    preserveAspectRatio: 'xMidYMid meet',
  });

  // grid and axis labels
  const ticks = leftAxis.ticks;
  for (let tick = 0; tick <= ticks; tick += 1) {
    const ty = PAD.top + plotHeight - (plotHeight * tick) / ticks;
    svg.append(s('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: ty, y2: ty, class: tick ? 'grid' : 'axis' }));
    if (left.length) {
      const format = left[0].format || shortNumber;
      svg.append(s('text', { x: PAD.left - 6, y: ty + 4, class: 'tick tick-left' }, format((leftMax * tick) / ticks, true)));
    }
    if (right.length) {
      const format = right[0].format || shortNumber;
      svg.append(s('text', { x: WIDTH - PAD.right + 6, y: ty + 4, class: 'tick tick-right' }, format((rightMax * tick) / ticks, true)));
    }
  }
  const every = Math.max(1, Math.ceil(n / 7));
  labels.forEach((text, index) => {
    if (index % every !== 0 && index !== n - 1) return;
    if (index !== n - 1 && n - 1 - index < every / 2) return; // keep the last label clear
    svg.append(s('text', { x: x(index), y: HEIGHT - 8, class: 'tick tick-x' }, shortLabel(text)));
  });

  // bars (grouped side by side), then lines on top
  const bars = series.filter((item) => item.kind !== 'line');
  const groupWidth = Math.max(1, step * 0.75);
  const barWidth = groupWidth / Math.max(1, bars.length);
  series.forEach((item, seriesIndex) => {
    const max = item.axis === 'right' ? rightMax : leftMax;
    const color = `series-${item.color ?? seriesIndex}`;
    const format = item.format || shortNumber;
    const tip = (index) => `${labels[index]} — ${item.name}: ${format(item.values[index])}${tooltip ? ` ${tooltip(index)}` : ''}`;
    if (item.kind === 'line') {
      const points = item.values.map((value, index) => `${x(index).toFixed(1)},${y(value, max).toFixed(1)}`);
      svg.append(s('polyline', { points: points.join(' '), class: `line ${color}`, 'data-series': item.name }));
      if (n <= 62) {
        item.values.forEach((value, index) => {
          svg.append(s('circle', { cx: x(index), cy: y(value, max), r: 2.5, class: `dot ${color}` }, s('title', {}, tip(index))));
        });
      }
    } else {
      const slot = bars.indexOf(item);
      item.values.forEach((value, index) => {
        const top = y(value, max);
        const barX = x(index) - groupWidth / 2 + slot * barWidth;
        svg.append(
          s(
            'rect',
            {
              x: barX.toFixed(1),
              y: top.toFixed(1),
              width: Math.max(0.5, barWidth - 0.5).toFixed(1),
              height: Math.max(0, PAD.top + plotHeight - top).toFixed(1),
              class: `bar ${color}`,
            },
            s('title', {}, tip(index)),
          ),
        );
      });
    }
  });
  figure.append(svg);
  if (series.length > 1) figure.append(legend(series));
  if (!(Math.max(maxOf(left), maxOf(right)) > 0)) figure.append(h('p', { class: 'chart-note' }, emptyText));
  return figure;
}

function shortLabel(text) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (match) {
    const date = new Date(`${text}T00:00:00`);
    return date.toLocaleDateString('en-IN', { day: 'numeric', month: 'short' });
  }
  return String(text).replace(/^Week (\d+), (\d{4})$/, 'W$1 $2');
}

/** Horizontal bars, biggest first: items [{label, value, note}]. */
export function barList({ id, title, items, format = shortNumber, emptyText = 'No data yet.' }) {
  const figure = h('figure', { class: 'chart', id, dataset: { points: items.length } }, h('figcaption', {}, title));
  if (!items.length) {
    figure.dataset.max = '0';
    figure.append(h('p', { class: 'empty' }, emptyText));
    return figure;
  }
  const max = Math.max(...items.map((item) => Number(item.value)));
  figure.dataset.max = String(max);
  const rowHeight = 26;
  const labelWidth = 170;
  const valueWidth = 110;
  const height = items.length * rowHeight + 8;
  const barSpace = WIDTH - labelWidth - valueWidth;
  const svg = s('svg', { viewBox: `0 0 ${WIDTH} ${height}`, class: 'chart-svg', role: 'img', 'aria-label': title });
  items.forEach((item, index) => {
    const top = 4 + index * rowHeight;
    const width = max > 0 ? (Number(item.value) / max) * barSpace : 0;
    const name = String(item.label);
    svg.append(
      s('text', { x: labelWidth - 8, y: top + rowHeight / 2 + 4, class: 'tick tick-left' }, name.length > 24 ? `${name.slice(0, 23)}…` : name),
      s(
        'rect',
        { x: labelWidth, y: top + 4, width: Math.max(1, width).toFixed(1), height: rowHeight - 8, class: 'bar series-0' },
        s('title', {}, `${name}: ${format(item.value)}${item.note ? ` (${item.note})` : ''}`),
      ),
      s('text', { x: labelWidth + width + 6, y: top + rowHeight / 2 + 4, class: 'tick tick-value' }, format(item.value)),
    );
  });
  figure.append(svg);
  return figure;
}
