// Running plans, the activation queue and top-ups.
import { api } from '../api.js';
import { badge, button, clear, compact, field, fmtDateTime, formValues, h, input, loading, pageHeader, pager, section, table } from '../dom.js';

const LIMIT = 50;
const VIEWS = {
  active: { title: 'Active plans', path: '/admin/subscriptions/active' },
  queue: { title: 'Queue', path: '/admin/subscriptions/queue' },
  topups: { title: 'Top-ups', path: '/admin/topups' },
};

const gb = (value) => (value === null || value === undefined ? '—' : `${Number(value).toFixed(2)} GB`);

const COLUMNS = {
  active: [
    { label: 'ID', value: (row) => String(row.subscription_id), class: 'num' },
    { label: 'Customer', value: (row) => `${row.customer_name} (#${row.customer_id})` },
    { label: 'Number', value: (row) => row.phone_number },
    { label: 'Plan', value: (row) => (row.is_topup ? `${row.plan_name} (top-up)` : row.plan_name) },
    { label: 'Started', value: (row) => fmtDateTime(row.activation_date) },
    { label: 'Ends', value: (row) => fmtDateTime(row.expiry_date) },
    { label: 'Data left', value: (row) => gb(row.data_balance_gb), class: 'num' },
    { label: 'Used today', value: (row) => (row.daily_data_limit_gb ? `${gb(row.daily_data_used_gb)} of ${gb(row.daily_data_limit_gb)}` : gb(row.daily_data_used_gb)) },
    { label: 'Status', value: (row) => badge(row.status) },
  ],
  queue: [
    { label: 'Position', value: (row) => String(row.queue_position), class: 'num' },
    { label: 'Queue ID', value: (row) => String(row.queue_id), class: 'num' },
    { label: 'Customer', value: (row) => `${row.customer_name} (#${row.customer_id})` },
    { label: 'Number', value: (row) => row.phone_number },
    { label: 'Plan', value: (row) => row.plan_name },
    { label: 'Starts', value: (row) => fmtDateTime(row.expected_activation_date) },
    { label: 'Ends', value: (row) => fmtDateTime(row.expected_expiry_date) },
    { label: 'Bought', value: (row) => fmtDateTime(row.created_at) },
  ],
};
COLUMNS.topups = COLUMNS.active;

export default {
  title: 'Subscriptions',
  async render(main, context) {
    const params = context.params;
    const view = VIEWS[params.get('view')] ? params.get('view') : 'active';
    const skip = Number(params.get('skip') || 0);
    const filters = compact({ customer_id: params.get('customer_id'), phone_number: view === 'topups' ? params.get('phone_number') : null });

    const tabs = h(
      'div',
      { class: 'tabs', role: 'tablist' },
      Object.entries(VIEWS).map(([name, item]) =>
        h('a', { href: `#/subscriptions?${new URLSearchParams(compact({ view: name, customer_id: filters.customer_id }))}`, class: name === view ? 'tab active' : 'tab', role: 'tab', 'aria-selected': name === view ? 'true' : 'false' }, item.title),
      ),
    );
    const form = h(
      'form',
      { class: 'filters' },
      field('Customer ID', input('customer_id', { type: 'number', min: 1, value: filters.customer_id || '', class: 'narrow' })),
      view === 'topups' ? field('Number', input('phone_number', { value: filters.phone_number || '', maxLength: 20 })) : null,
      h('button', { type: 'submit', class: 'btn btn-primary' }, 'Apply'),
      button('Clear', () => context.navigate('subscriptions', { view })),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      context.navigate('subscriptions', compact({ view, ...formValues(form) }));
    });
    const results = h('div', { id: 'subscription-results' }, loading());
    main.append(pageHeader('Subscriptions'), tabs, section(null, form, results));

    const { data, total } = await api.get(VIEWS[view].path, { ...filters, skip, limit: LIMIT }, { withTotal: true });
    if (!context.alive()) return;
    const emptyText = { active: 'No plan is running.', queue: 'The queue is empty.', topups: 'No top-up is running.' }[view];
    clear(results).append(
      table(COLUMNS[view], data, { emptyText, id: 'subscriptions-table' }),
      pager({ skip, limit: LIMIT, total, shown: data.length }, (next) => context.navigate('subscriptions', compact({ view, ...filters, skip: next }))),
    );
  },
};
