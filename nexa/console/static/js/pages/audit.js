// Audit log: who changed what, when; the fields each change touched.
import { api } from '../api.js';
import { clear, compact, field, filterForm, fmtDateTime, h, input, loading, pageHeader, pager, section, table } from '../dom.js';

const LIMIT = 50;
const FILTERS = ['action', 'target_type', 'target_id', 'admin_id', 'date_from', 'date_to'];

function show(value) {
  if (value === null || value === undefined) return '∅';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** "field: before → after" for each field that differs. */
function changes(entry) {
  const before = entry.before || {};
  const after = entry.after || {};
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  const changed = keys.filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
  if (!changed.length) return h('span', { class: 'muted' }, keys.length ? 'no field changed' : '—');
  const list = h(
    'ul',
    { class: 'changes' },
    changed.map((key) => h('li', {}, h('code', {}, key), ': ', h('span', { class: 'before' }, show(before[key])), ' → ', h('span', { class: 'after' }, show(after[key])))),
  );
  if (changed.length <= 3) return list;
  return h('details', {}, h('summary', {}, `${changed.length} fields`), list);
}

export default {
  title: 'Audit log',
  async render(main, context) {
    const params = context.params;
    const skip = Number(params.get('skip') || 0);
    const filters = compact(Object.fromEntries(FILTERS.map((name) => [name, params.get(name)])));
    const form = filterForm(
      'audit-filters',
      [
        field('Action', input('action', { value: filters.action || '', placeholder: 'e.g. plan.update', maxLength: 60 })),
        field('Target type', input('target_type', { value: filters.target_type || '', placeholder: 'plan, customer…', maxLength: 40 })),
        field('Target ID', input('target_id', { value: filters.target_id || '', maxLength: 64, class: 'narrow' })),
        field('Admin ID', input('admin_id', { type: 'number', min: 1, value: filters.admin_id || '', class: 'narrow' })),
        field('From', input('date_from', { type: 'date', value: filters.date_from || '' })),
        field('To (included)', input('date_to', { type: 'date', value: filters.date_to || '' })),
      ],
      { onApply: (values) => context.navigate('audit', values), onClear: () => context.navigate('audit') },
    );
    const results = h('div', { id: 'audit-results' }, loading());
    main.append(pageHeader('Audit log'), section('Filters', form), section(null, results));

    const { data, total } = await api.get('/admin/audit-log/', { ...filters, skip, limit: LIMIT }, { withTotal: true });
    if (!context.alive()) return;
    clear(results).append(
      table(
        [
          { label: 'When', value: (row) => fmtDateTime(row.created_at), class: 'nowrap' },
          { label: 'Admin', value: (row) => h('span', { title: row.admin_email }, `${row.admin_name} (#${row.admin_id})`) },
          { label: 'Action', value: (row) => h('code', {}, row.action) },
          { label: 'Target', value: (row) => `${row.target_type}${row.target_id ? ` #${row.target_id}` : ''}` },
          { label: 'Changes', value: (row) => changes(row) },
          { label: 'Request', value: (row) => (row.request_id ? h('code', { class: 'small' }, row.request_id.slice(0, 12)) : '—') },
        ],
        data,
        { emptyText: Object.keys(filters).length ? 'No entry matches these filters.' : 'No admin action recorded yet.', id: 'audit-table' },
      ),
      pager({ skip, limit: LIMIT, total, shown: data.length }, (next) => context.navigate('audit', compact({ ...filters, skip: next }))),
    );
  },
};
