// Payments: filters and pages of payments; one payment's order, timeline, refunds, tax invoice
// and credit notes (as PDFs), and a refund (all that is left, or part of it) that must be
// confirmed.
import { api, idempotencyKey } from '../api.js';
import { badge, button, checkbox, clear, compact, dialog, empty, facts, field, filterForm, flash, flashError, fmtDateTime, fmtMoney, h, input, label, loading, pageHeader, pager, section, select, stat, table } from '../dom.js';
import { pdfButton } from '../files.js';

const LIMIT = 50;
const FILTERS = ['status', 'provider', 'customer_id', 'date_from', 'date_to'];
const any = (text) => [['', text]];
const STATUSES = [...any('Any status'), 'created', 'pending', 'captured', 'failed', 'partially_refunded', 'refunded'];
const PROVIDERS = [...any('Any provider'), 'simulated', 'razorpay'];
const REFUNDABLE = ['captured', 'partially_refunded'];
const RUPEES = /^\d+(\.\d{1,2})?$/;

const cents = (value) => Math.round(Number(value || 0) * 100);
const precise = (value) => fmtDateTime(value, { seconds: true });

/** What may still be refunded: the amount less the refunds processed or on their way. */
function leftToRefund(payment) {
  const asked = payment.refunds.filter((refund) => refund.status !== 'failed').reduce((sum, refund) => sum + cents(refund.amount), 0);
  return Math.max(0, cents(payment.amount) - asked) / 100;
}

const COLUMNS = (hrefOf) => [
  { label: 'Payment', value: (row) => h('a', { href: hrefOf(row.payment_id) }, h('code', {}, row.payment_id)) },
  { label: 'Customer', value: (row) => `#${row.customer_id}`, class: 'num' },
  { label: 'Order', value: (row) => h('div', {}, row.order.description, h('div', { class: 'muted small' }, `${label(row.order.order_type)} · ${row.order.recipient_phone_number}`)) },
  { label: 'Amount', value: (row) => fmtMoney(row.amount), class: 'num' },
  { label: 'Refunded', value: (row) => (cents(row.refunded_amount) ? fmtMoney(row.refunded_amount) : '—'), class: 'num' },
  { label: 'Status', value: (row) => badge(row.status) },
  { label: 'Provider', value: (row) => label(row.provider) },
  { label: 'Created', value: (row) => fmtDateTime(row.created_at), class: 'nowrap' },
];

const TIMELINE = [
  { label: 'Time', value: (event) => precise(event.created_at), class: 'nowrap' },
  { label: 'Status', value: (event) => badge(event.status) },
  { label: 'Source', value: (event) => label(event.source) },
  { label: 'Amount', value: (event) => (event.amount === null ? null : fmtMoney(event.amount)), class: 'num' },
  { label: 'Detail', value: (event) => event.detail },
];

const REFUNDS = [
  { label: 'Refund', value: (refund) => `#${refund.refund_id}`, class: 'num' },
  { label: 'Amount', value: (refund) => fmtMoney(refund.amount), class: 'num' },
  { label: 'Status', value: (refund) => badge(refund.status) },
  { label: 'Reason', value: (refund) => refund.reason },
  { label: 'By', value: (refund) => (refund.admin_id ? `Admin #${refund.admin_id}` : 'NEXA (automatic)') },
  { label: 'Provider reference', value: (refund) => (refund.provider_refund_id ? h('code', {}, refund.provider_refund_id) : null) },
  { label: 'Asked', value: (refund) => precise(refund.created_at), class: 'nowrap' },
  { label: 'Processed', value: (refund) => precise(refund.processed_at), class: 'nowrap' },
];

const fileName = (doc) => `${doc.number.replaceAll('/', '-')}.pdf`;

// the invoice of the money received, and a credit note per refund processed
const DOCUMENTS = [
  { label: 'Number', value: (doc) => h('code', {}, doc.number) },
  { label: 'Kind', value: (doc) => badge(doc.kind) },
  { label: 'Issued', value: (doc) => precise(doc.issued_at), class: 'nowrap' },
  { label: 'Amount', value: (doc) => fmtMoney(doc.amount), class: 'num' },
  { label: 'Taxable value', value: (doc) => fmtMoney(doc.taxable_value), class: 'num' },
  { label: 'GST', value: (doc) => fmtMoney((cents(doc.cgst) + cents(doc.sgst) + cents(doc.igst)) / 100), class: 'num' },
  { label: 'Download', value: (doc) => pdfButton(doc.pdf_path, fileName(doc), { id: `document-${doc.invoice_id}` }) },
];

function refundDialog(payment, done) {
  const left = leftToRefund(payment);
  const amount = input('amount', { id: 'refund-amount', inputMode: 'decimal', autocomplete: 'off', placeholder: left.toFixed(2), class: 'narrow' });
  const summary = h('p', { class: 'dialog-message warning', id: 'refund-summary' });
  const { form } = dialog({
    title: `Refund payment ${payment.payment_id}`,
    danger: true,
    submitText: 'Refund',
    content: [
      h('p', { class: 'dialog-message' }, `Paid ${fmtMoney(payment.amount)} by ${label(payment.payment_method)} through ${label(payment.provider)}. Left to refund: ${fmtMoney(left)}.`),
      field('Amount (₹)', amount, `Leave it empty to refund all that is left (${fmtMoney(left)}).`),
      field('Reason', input('reason', { id: 'refund-reason', maxLength: 255, placeholder: 'Refunded by the operator' })),
      summary,
      checkbox('confirm', false, 'I confirm this refund'),
    ],
    canSubmit: (values) => values.confirm === true,
    onSubmit: async (values) => {
      if (values.amount !== undefined && !RUPEES.test(values.amount)) {
        throw new Error('Enter an amount in rupees (at most two decimals), or leave it empty to refund all that is left.');
      }
      const body = { reason: values.reason };
      if (values.amount !== undefined) body.amount = Number(values.amount);
      // a fresh key per attempt: a retried click after a network error never pays back twice
      const answer = await api.post(`/admin/payments/${payment.payment_id}/refund`, body, { headers: { 'Idempotency-Key': idempotencyKey() } });
      await done(answer);
    },
  });
  const describe = () => {
    const wanted = amount.value.trim();
    const sum = wanted === '' ? fmtMoney(left) : RUPEES.test(wanted) ? fmtMoney(wanted) : 'The amount';
    summary.textContent = `${sum} goes back to customer #${payment.customer_id} through ${label(payment.provider)}. A refund cannot be undone.`;
  };
  form.addEventListener('input', describe);
  describe();
}

/** The latest refund of the payment the API answered with: processed, pending or failed. */
function reportRefund(answer) {
  const latest = answer.refunds.reduce((last, refund) => (!last || refund.refund_id > last.refund_id ? refund : last), null);
  if (!latest) return;
  const outcome = latest.status === 'pending' ? 'sent; it completes when the provider confirms it' : latest.status;
  flash(`Refund #${latest.refund_id} of ${fmtMoney(latest.amount)}: ${outcome}.`, latest.status === 'failed' ? 'error' : 'ok');
}

function orderFacts(order) {
  return facts([
    ['What', order.description],
    ['Kind', label(order.order_type)],
    ['For number', order.recipient_phone_number],
    ['Plan', `#${order.plan_id}`],
    ['Offer', order.offer_id ? `#${order.offer_id}` : null],
    ['Price', fmtMoney(order.original_amount)],
    ['Discount', cents(order.discount_amount) ? `${fmtMoney(order.discount_amount)} (${label(order.discount_type)})` : null],
    ['To pay', fmtMoney(order.amount)],
  ]);
}

function paymentFacts(payment) {
  const customer = payment.customer_id;
  const transaction = payment.transaction_id;
  return facts([
    ['Customer', h('span', {}, `#${customer} · `, h('a', { href: `#/payments?customer_id=${customer}` }, 'payments'), ' · ', h('a', { href: `#/transactions?customer_id=${customer}` }, 'transactions'))],
    ['Method', label(payment.payment_method)],
    ['Provider', label(payment.provider)],
    ['Transaction', transaction ? h('a', { href: `#/transactions?transaction_id=${transaction}` }, `#${transaction}`) : null],
    ['Failure', payment.failure_reason],
    ['Created', precise(payment.created_at)],
    ['Captured', precise(payment.captured_at)],
    ['Failed', precise(payment.failed_at)],
    ['Fulfilled', precise(payment.fulfilled_at)],
  ]);
}

/** One payment: its figures, order, timeline, refunds and tax documents; Refund… while it
 * is refundable. */
function paymentDetail(payment, documents, { reload, close }) {
  const refundable = REFUNDABLE.includes(payment.status);
  const refunded = async (answer) => {
    await reload();
    reportRefund(answer);
  };
  const refund = refundable ? button('Refund…', () => refundDialog(payment, refunded), { kind: 'danger', id: 'refund-payment' }) : null;
  return [
    h(
      'header',
      { class: 'page-header' },
      h('h2', {}, 'Payment ', h('code', {}, payment.payment_id), ' ', h('span', { id: 'payment-status' }, badge(payment.status))),
      h('div', { class: 'page-actions' }, refund, button('Close', close, { id: 'close-payment' })),
    ),
    h(
      'div',
      { class: 'stats' },
      stat('Amount', fmtMoney(payment.amount), null, 'payment-amount'),
      stat('Refunded', fmtMoney(payment.refunded_amount), null, 'payment-refunded'),
      stat('Left to refund', fmtMoney(leftToRefund(payment)), refundable ? null : 'not refundable', 'payment-left'),
    ),
    h('div', { class: 'detail-grid' }, h('div', {}, h('h3', {}, 'Order'), orderFacts(payment.order)), h('div', {}, h('h3', {}, 'Payment'), paymentFacts(payment))),
    h('h3', {}, 'Timeline'),
    table(TIMELINE, payment.timeline, { emptyText: 'No event recorded.', id: 'payment-timeline' }),
    h('h3', {}, 'Refunds'),
    table(REFUNDS, payment.refunds, { emptyText: 'No refund.', id: 'payment-refunds' }),
    h('h3', {}, 'Invoice and credit notes'),
    table(DOCUMENTS, documents, { emptyText: 'No invoice: no money was received.', id: 'payment-documents' }),
  ];
}

export default {
  title: 'Payments',
  async render(main, context) {
    const params = context.params;
    const skip = Number(params.get('skip') || 0);
    const filters = compact(Object.fromEntries(FILTERS.map((name) => [name, params.get(name)])));
    const chosen = params.get('payment');
    const routeOf = (payment) => compact({ ...filters, skip, payment });
    const hrefOf = (payment) => `#/payments?${new URLSearchParams(routeOf(payment))}`;

    const form = filterForm(
      'payment-filters',
      [
        field('Status', select('status', STATUSES, { value: filters.status || '', id: 'payment-filter-status' })),
        field('Provider', select('provider', PROVIDERS, { value: filters.provider || '' })),
        field('Customer ID', input('customer_id', { type: 'number', min: 1, value: filters.customer_id || '', class: 'narrow' })),
        field('From', input('date_from', { type: 'date', value: filters.date_from || '' })),
        field('To (included)', input('date_to', { type: 'date', value: filters.date_to || '' })),
      ],
      { onApply: (values) => context.navigate('payments', values), onClear: () => context.navigate('payments') },
    );
    const detailBox = h('section', { class: 'panel', id: 'payment-detail' }, loading());
    const results = h('div', { id: 'payment-results' }, loading());
    main.append(pageHeader('Payments'), section('Filters', form), ...(chosen ? [detailBox] : []), section(null, results));

    const loadList = async () => {
      const { data, total } = await api.get('/admin/payments', { ...filters, skip, limit: LIMIT }, { withTotal: true });
      if (!context.alive()) return;
      const rowProps = (row) => ({
        class: row.payment_id === chosen ? 'clickable selected' : 'clickable',
        onClick: (event) => {
          if (!event.target.closest('a')) context.navigate('payments', routeOf(row.payment_id));
        },
      });
      clear(results).append(
        table(COLUMNS(hrefOf), data, { emptyText: Object.keys(filters).length ? 'No payment matches these filters.' : 'No payments yet.', id: 'payments-table', rowProps }),
        pager({ skip, limit: LIMIT, total, shown: data.length }, (next) => context.navigate('payments', compact({ ...filters, skip: next }))),
      );
    };

    const loadDetail = async () => {
      if (!chosen) return;
      let payment;
      let documents;
      try {
        [payment, documents] = await Promise.all([
          api.get(`/admin/payments/${encodeURIComponent(chosen)}`),
          api.get('/admin/invoices', { payment_id: chosen, limit: 100 }),
        ]);
      } catch (error) {
        if (!context.alive()) return;
        clear(detailBox).append(empty(`Payment ${chosen} could not be loaded.`));
        flashError(error);
        return;
      }
      if (!context.alive()) return;
      const close = () => context.navigate('payments', routeOf(null));
      clear(detailBox).append(...paymentDetail(payment, documents, { reload: () => Promise.all([loadDetail(), loadList()]), close }));
    };

    await Promise.all([loadDetail(), loadList()]);
    if (chosen && context.alive()) detailBox.scrollIntoView({ block: 'start' });
  },
};
