// Customers: search, status filter, deactivate / suspend / activate.
import { api } from '../api.js';
import { badge, busy, button, clear, compact, dialog, field, flash, fmtCount, fmtDate, fmtMoney, h, input, loading, pageHeader, pager, section, select, stat, table } from '../dom.js';

const LIMIT = 50;
const STATUSES = [['', 'Any status'], ['active', 'Active'], ['inactive', 'Inactive'], ['suspended', 'Suspended']];

function statusActions(customer, reload) {
  const id = customer.customer_id;
  const actions = [];
  const change = (verb, done) => async (event) =>
    busy(event.currentTarget, async () => {
      const answer = await api.post(`/admin/customers/${id}/${verb}`);
      await reload();
      flash(answer && answer.message ? answer.message : done, 'ok');
    });
  if (customer.account_status !== 'active') {
    actions.push(button('Activate', change('activate', 'Customer activated'), { kind: 'small', dataset: { action: 'activate' } }));
  }
  if (customer.account_status === 'active') {
    actions.push(button('Deactivate', change('deactivate', 'Customer deactivated'), { kind: 'small', dataset: { action: 'deactivate' } }));
  }
  if (customer.account_status !== 'suspended') {
    actions.push(
      button(
        'Suspend',
        () =>
          dialog({
            title: `Suspend ${customer.full_name}`,
            content: [
              h('p', { class: 'dialog-message' }, 'A suspended customer cannot sign in and their open sessions end at once. Their plans keep running.'),
              field('Reason', input('reason', { required: true, maxLength: 255, placeholder: 'e.g. suspected fraud' })),
            ],
            submitText: 'Suspend',
            danger: true,
            canSubmit: (values) => Boolean(values.reason),
            onSubmit: async (values) => {
              const answer = await api.post(`/admin/customers/${id}/suspend`, { reason: values.reason });
              await reload();
              flash(answer && answer.message ? answer.message : 'Customer suspended', 'ok');
            },
          }),
        { kind: 'small-danger', dataset: { action: 'suspend' } },
      ),
    );
  }
  return h('div', { class: 'row-actions' }, actions);
}

export default {
  title: 'Customers',
  async render(main, context) {
    const params = context.params;
    const skip = Number(params.get('skip') || 0);
    const search = input('search_term', { type: 'search', id: 'customer-search', placeholder: 'Name or phone number', value: params.get('search_term') || '' });
    const status = select('account_status', STATUSES, { value: params.get('account_status') || '', id: 'customer-status' });
    const inactive = input('days_inactive_min', { type: 'number', min: 0, placeholder: 'days', value: params.get('days_inactive_min') || '', class: 'narrow' });
    const form = h(
      'form',
      { class: 'filters', id: 'customer-filters' },
      field('Search', search),
      field('Status', status),
      field('Inactive for at least', inactive),
      h('button', { type: 'submit', class: 'btn btn-primary', id: 'customer-search-submit' }, 'Search'),
      button('Clear', () => context.navigate('customers')),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      context.navigate('customers', compact({ search_term: search.value.trim(), account_status: status.value, days_inactive_min: inactive.value }));
    });
    const statsBox = h('div', { class: 'stats' }, loading());
    const results = h('div', { id: 'customer-results' }, loading());
    main.append(pageHeader('Customers'), section(null, statsBox), section('Find customers', form, results));

    const query = {
      search_term: params.get('search_term'),
      account_status: params.get('account_status'),
      days_inactive_min: params.get('days_inactive_min'),
      skip,
      limit: LIMIT,
    };

    const loadStats = async () => {
      const stats = await api.get('/admin/customers/stats');
      if (!context.alive()) return;
      clear(statsBox).append(
        stat('Customers', fmtCount(stats.total_customers)),
        stat('Active', fmtCount(stats.active_customers)),
        stat('Inactive', fmtCount(stats.inactive_customers)),
        stat('Suspended', fmtCount(stats.suspended_customers)),
        stat('New today', fmtCount(stats.new_customers_today), `${fmtCount(stats.new_customers_this_week)} this week`),
      );
    };

    const load = async () => {
      const { data, total } = await api.get('/admin/customers/', query, { withTotal: true });
      if (!context.alive()) return;
      clear(results).append(
        table(
          [
            { label: 'ID', value: (row) => String(row.customer_id), class: 'num' },
            { label: 'Name', value: (row) => row.full_name },
            { label: 'Phone', value: (row) => row.phone_number },
            { label: 'Status', value: (row) => h('span', {}, badge(row.account_status), row.status_note ? h('span', { class: 'muted small' }, ` ${row.status_note}`) : null) },
            { label: 'Joined', value: (row) => fmtDate(row.created_at) },
            { label: 'Payments', value: (row) => fmtCount(row.total_transactions), class: 'num' },
            { label: 'Spent', value: (row) => fmtMoney(row.total_spent), class: 'num' },
            { label: 'Plans', value: (row) => `${row.active_subscriptions} active · ${row.queued_subscriptions} queued` },
            {
              label: 'Links',
              value: (row) =>
                h(
                  'div',
                  { class: 'row-actions' },
                  h('a', { href: `#/transactions?customer_id=${row.customer_id}` }, 'Transactions'),
                  h('a', { href: `#/subscriptions?customer_id=${row.customer_id}` }, 'Plans'),
                ),
            },
            { label: 'Actions', value: (row) => statusActions(row, reloadAll) },
          ],
          data,
          { emptyText: query.search_term || query.account_status ? 'No customer matches this search.' : 'No customers yet.', id: 'customers-table' },
        ),
        pager({ skip, limit: LIMIT, total, shown: data.length }, (next) =>
          context.navigate('customers', compact({ search_term: query.search_term, account_status: query.account_status, days_inactive_min: query.days_inactive_min, skip: next })),
        ),
      );
    };
    const reloadAll = async () => {
      await Promise.all([load(), loadStats()]);
    };
    await reloadAll();
  },
};
