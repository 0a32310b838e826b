// Transactions: filters, pages of results, CSV / JSON export of every matching row, and each
// successful transaction's tax invoice as a PDF.
import { api } from '../api.js';
import { badge, busy, button, clear, compact, field, filterForm, flash, fmtCount, fmtDateTime, fmtMoney, h, input, label, loading, pageHeader, pager, section, select, table } from '../dom.js';
import { pdfButton, saveFile } from '../files.js';

const LIMIT = 50;
const FILTERS = [
  'transaction_id',
  'customer_id',
  'customer_phone',
  'recipient_phone_number',
  'plan_id',
  'transaction_type',
  'payment_status',
  'payment_method',
  'date_from',
  'date_to',
  'min_amount',
  'max_amount',
];
const any = (text) => [['', text]];
const TYPES = [...any('Any type'), 'prepaid_recharge', 'topup_purchase', 'postpaid_bill_payment'];
const STATUSES = [...any('Any status'), 'success', 'failed'];
const METHODS = [...any('Any method'), 'upi', 'credit_card', 'debit_card', 'net_banking'];

function transactionFilters(params, context) {
  const value = (name) => params.get(name) || '';
  return filterForm(
    'transaction-filters',
    [
      field('Customer phone', input('customer_phone', { value: value('customer_phone'), placeholder: 'contains', maxLength: 20 })),
      field('Recipient number', input('recipient_phone_number', { value: value('recipient_phone_number'), maxLength: 20 })),
      field('Customer ID', input('customer_id', { type: 'number', min: 1, value: value('customer_id'), class: 'narrow' })),
      field('Plan ID', input('plan_id', { type: 'number', min: 1, value: value('plan_id'), class: 'narrow' })),
      field('Transaction ID', input('transaction_id', { type: 'number', min: 1, value: value('transaction_id'), class: 'narrow' })),
      field('Type', select('transaction_type', TYPES, { value: value('transaction_type') })),
      field('Status', select('payment_status', STATUSES, { value: value('payment_status') })),
      field('Method', select('payment_method', METHODS, { value: value('payment_method') })),
      field('From', input('date_from', { type: 'date', value: value('date_from') })),
      field('To (included)', input('date_to', { type: 'date', value: value('date_to') })),
      field('Min ₹', input('min_amount', { type: 'number', min: 0, step: '0.01', value: value('min_amount'), class: 'narrow' })),
      field('Max ₹', input('max_amount', { type: 'number', min: 0, step: '0.01', value: value('max_amount'), class: 'narrow' })),
    ],
    { onApply: (values) => context.navigate('transactions', values), onClear: () => context.navigate('transactions') },
  );
}

async function exportRows(filters, format, trigger) {
  await busy(trigger, async () => {
    const response = await api.post('/admin/transactions/export', undefined, { raw: true, query: { ...filters, format } });
    const { blob, name } = await saveFile(response, `transactions_export.${format}`);
    let rows = 0;
    if (format === 'csv') {
      const text = await blob.text();
      rows = Math.max(0, text.split('\n').filter((line) => line.trim()).length - 1);
    } else {
      try {
        rows = JSON.parse(await blob.text()).length;
      } catch {
        rows = 0;
      }
    }
    flash(`Exported ${fmtCount(rows)} transactions to ${name}.`, 'ok');
  });
}

/** A successful transaction's tax invoice as a PDF (a failed one has none). */
function invoiceCell(row) {
  if (row.payment_status !== 'success') return '—';
  const id = row.transaction_id;
  return pdfButton(`/admin/transactions/${id}/invoice.pdf`, `invoice-${id}.pdf`, { id: `invoice-${id}`, title: `Tax invoice of transaction #${id}` });
}

export default {
  title: 'Transactions',
  async render(main, context) {
    const params = context.params;
    const skip = Number(params.get('skip') || 0);
    const filters = {};
    for (const name of FILTERS) if (params.get(name)) filters[name] = params.get(name);
    const csv = button('Export CSV', (event) => exportRows(filters, 'csv', event.currentTarget), { id: 'export-csv' });
    const json = button('Export JSON', (event) => exportRows(filters, 'json', event.currentTarget), { id: 'export-json' });
    const results = h('div', { id: 'transaction-results' }, loading());
    main.append(pageHeader('Transactions', csv, json), section('Filters', transactionFilters(params, context)), section(null, results));

    const { data, total } = await api.get('/admin/transactions/', { ...filters, skip, limit: LIMIT }, { withTotal: true });
    if (!context.alive()) return;
    clear(results).append(
      table(
        [
          { label: 'ID', value: (row) => String(row.transaction_id), class: 'num' },
          { label: 'Date', value: (row) => fmtDateTime(row.transaction_date), class: 'nowrap' },
          {
            label: 'Customer',
            value: (row) =>
              h(
                'div',
                {},
                h('a', { href: `#/customers?search_term=${encodeURIComponent(row.customer_phone || '')}` }, row.customer_name || `#${row.customer_id}`),
                h('div', { class: 'muted small' }, row.customer_phone),
              ),
          },
          { label: 'Recipient', value: (row) => row.recipient_phone_number },
          { label: 'Plan', value: (row) => h('div', {}, row.plan_name || `#${row.plan_id}`, row.offer_name ? h('div', { class: 'muted small' }, `offer: ${row.offer_name}`) : null) },
          { label: 'Type', value: (row) => label(row.transaction_type).replace(' purchase', '').replace('Postpaid bill payment', 'Bill payment'), class: 'nowrap' },
          { label: 'Method', value: (row) => label(row.payment_method) },
          { label: 'Status', value: (row) => badge(row.payment_status) },
          { label: 'Price', value: (row) => fmtMoney(row.original_amount), class: 'num' },
          { label: 'Discount', value: (row) => (Number(row.discount_amount) ? fmtMoney(row.discount_amount) : '—'), class: 'num' },
          { label: 'Paid', value: (row) => fmtMoney(row.final_amount), class: 'num' },
          { label: 'Invoice', value: invoiceCell },
        ],
        data,
        { emptyText: Object.keys(filters).length ? 'No transaction matches these filters.' : 'No transactions yet.', id: 'transactions-table' },
      ),
      pager({ skip, limit: LIMIT, total, shown: data.length }, (next) => context.navigate('transactions', compact({ ...filters, skip: next }))),
    );
  },
};
