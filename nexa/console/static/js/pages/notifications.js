// Notifications: send to chosen customers or to everyone, and the history of what was sent.
import { api } from '../api.js';
import { badge, busy, button, clear, compact, field, flash, fmtCount, fmtDateTime, formValues, h, input, label, loading, pageHeader, pager, section, select, stat, table } from '../dom.js';

const LIMIT = 50;
const TYPES = [
  'promotional',
  'plan_expiry',
  'low_balance',
  'payment_success',
  'payment_failure',
  'postpaid_due_date',
  'referral_bonus',
  'inactivity_warning',
  'plan_queued',
  'plan_activated',
  'data_exhausted',
  'addon_offered',
  'topup_activated',
  'topup_exhausted',
  'daily_limit_reached',
  'payment_refunded',
];
const CHANNELS = [['sms', 'SMS'], ['push', 'Push'], ['in_app', 'In-app']];

function sendForm(onSent) {
  const chosen = new Map(); // customer_id -> label
  const chips = h('div', { class: 'chips', id: 'notify-recipients' });
  const renderChips = () => {
    clear(chips);
    if (!chosen.size) chips.append(h('span', { class: 'muted' }, 'No customer chosen yet.'));
    for (const [id, text] of chosen) {
      chips.append(h('span', { class: 'chip' }, text, button('×', () => { chosen.delete(id); renderChips(); }, { kind: 'chip', title: 'Remove', 'aria-label': `Remove ${text}` })));
    }
  };
  renderChips();

  const found = h('div', { class: 'found' });
  const lookup = input('lookup', { type: 'search', placeholder: 'Find by name or number', id: 'notify-lookup' });
  const find = button('Find', async (event) => {
    await busy(event.currentTarget, async () => {
      const term = lookup.value.trim();
      if (!term) return;
      const rows = await api.get('/admin/customers/', { search_term: term, limit: 10 });
      clear(found);
      if (!rows.length) found.append(h('span', { class: 'muted' }, 'No customer matches.'));
      for (const row of rows) {
        const text = `${row.full_name} · ${row.phone_number} (#${row.customer_id})`;
        found.append(button(`+ ${text}`, () => { chosen.set(row.customer_id, text); renderChips(); }, { kind: 'small', dataset: { customerId: row.customer_id } }));
      }
    });
  }, { id: 'notify-find' });
  lookup.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      find.click();
    }
  });
  const ids = input('customer_ids', { placeholder: 'or type ids: 12, 15, 40', id: 'notify-ids' });

  const audienceAll = h('input', { type: 'radio', name: 'audience', value: 'all' });
  const audienceChosen = h('input', { type: 'radio', name: 'audience', value: 'chosen', checked: true, defaultChecked: true });
  const picker = h('div', { class: 'picker' }, h('div', { class: 'filters' }, lookup, find, ids), found, chips);
  const syncAudience = () => picker.classList.toggle('hidden', audienceAll.checked);
  audienceAll.addEventListener('change', syncAudience);
  audienceChosen.addEventListener('change', syncAudience);

  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'notify-send' }, 'Send');
  const form = h(
    'form',
    { class: 'send-form', id: 'notify-form' },
    h('div', { class: 'field' }, h('span', { class: 'field-label' }, 'To'), h('label', { class: 'check' }, audienceChosen, ' Chosen customers'), h('label', { class: 'check' }, audienceAll, ' All active customers')),
    picker,
    h(
      'div',
      { class: 'form-grid' },
      field('Title', input('title', { required: true, maxLength: 255, id: 'notify-title' })),
      field('Channel', select('channel', CHANNELS, { value: 'sms' })),
      field('Type', select('type', TYPES, { value: 'promotional' })),
      h('label', { class: 'field span-2' }, h('span', { class: 'field-label' }, 'Message'), h('textarea', { name: 'message', rows: 3, maxLength: 2000, required: true, id: 'notify-message' })),
    ),
    submit,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(submit, async () => {
      const values = formValues(form);
      if (!values.title || !values.message) throw new Error('Write a title and a message.');
      const body = { title: values.title, message: values.message, type: values.type, channel: values.channel };
      if (values.audience === 'all') body.send_to_all = true;
      else {
        const typed = (values.customer_ids || '').split(/[\s,;]+/).filter(Boolean);
        if (typed.some((item) => !/^\d+$/.test(item))) throw new Error('Customer ids are whole numbers, separated by commas.');
        body.customer_ids = [...new Set([...chosen.keys(), ...typed.map(Number)])];
        if (!body.customer_ids.length) throw new Error('Choose at least one customer, or send to all active customers.');
      }
      const answer = await api.post('/admin/notifications/send', body);
      const detail = answer.broadcast_id
        ? `${answer.message} (broadcast #${answer.broadcast_id})`
        : `${answer.message}: ${fmtCount(answer.successful)} sent, ${fmtCount(answer.failed)} failed${answer.skipped_opted_out ? `, ${fmtCount(answer.skipped_opted_out)} opted out` : ''}.`;
      form.reset();
      chosen.clear();
      renderChips();
      clear(found);
      syncAudience();
      await onSent();
      flash(detail, 'ok');
    });
  });
  return form;
}

export default {
  title: 'Notifications',
  async render(main, context) {
    const params = context.params;
    const skip = Number(params.get('skip') || 0);
    const filters = compact({
      customer_id: params.get('customer_id'),
      notification_type: params.get('notification_type'),
      channel: params.get('channel'),
      status: params.get('status'),
      source: params.get('source'),
    });
    const statsBox = h('div', { class: 'stats' }, loading());
    const history = h('div', { id: 'notification-history' }, loading());
    const filterForm = h(
      'form',
      { class: 'filters' },
      field('Customer ID', input('customer_id', { type: 'number', min: 1, value: filters.customer_id || '', class: 'narrow' })),
      field('Type', select('notification_type', [['', 'Any type'], ...TYPES.map((item) => [item, label(item)])], { value: filters.notification_type || '' })),
      field('Channel', select('channel', [['', 'Any channel'], ...CHANNELS], { value: filters.channel || '' })),
      field('Status', select('status', [['', 'Any status'], 'pending', 'sent', 'failed'], { value: filters.status || '' })),
      field('Sent by', select('source', [['', 'Anyone'], ['admin', 'Admins'], ['system', 'The system']], { value: filters.source || '' })),
      h('button', { type: 'submit', class: 'btn btn-primary' }, 'Apply'),
      button('Clear', () => context.navigate('notifications')),
    );
    filterForm.addEventListener('submit', (event) => {
      event.preventDefault();
      context.navigate('notifications', compact(formValues(filterForm)));
    });

    const loadStats = async () => {
      const stats = await api.get('/admin/notifications/stats');
      if (!context.alive()) return;
      const byStatus = stats.by_status || {};
      clear(statsBox).append(
        stat('Notifications', fmtCount(stats.total_notifications)),
        stat('Sent today', fmtCount(stats.sent_today)),
        stat('Waiting', fmtCount(byStatus.pending || 0)),
        stat('Failed', fmtCount(byStatus.failed || 0)),
      );
    };
    const loadHistory = async () => {
      const { data, total } = await api.get('/admin/notifications/', { ...filters, skip, limit: LIMIT }, { withTotal: true });
      if (!context.alive()) return;
      clear(history).append(
        table(
          [
            { label: 'ID', value: (row) => String(row.notification_id), class: 'num' },
            { label: 'Created', value: (row) => fmtDateTime(row.created_at) },
            { label: 'Customer', value: (row) => `#${row.customer_id}` },
            { label: 'Title', value: (row) => row.title },
            { label: 'Message', value: (row) => h('span', { class: 'clip', title: row.message }, row.message) },
            { label: 'Type', value: (row) => label(row.type) },
            { label: 'Channel', value: (row) => label(row.channel) },
            { label: 'By', value: (row) => label(row.source) },
            { label: 'Status', value: (row) => badge(row.status) },
            { label: 'Read', value: (row) => (row.is_read ? 'Yes' : 'No') },
          ],
          data,
          { emptyText: Object.keys(filters).length ? 'No notification matches these filters.' : 'No notifications yet.', id: 'notifications-table' },
        ),
        pager({ skip, limit: LIMIT, total, shown: data.length }, (next) => context.navigate('notifications', compact({ ...filters, skip: next }))),
      );
    };
    const reload = () => Promise.all([loadStats(), loadHistory()]);

    main.append(pageHeader('Notifications'), section(null, statsBox), section('Send a notification', sendForm(reload)), section('History', filterForm, history));
    await reload();
  },
};
