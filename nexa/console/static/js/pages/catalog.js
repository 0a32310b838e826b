// Plans and offers (and the categories plans belong to): create, edit, activate/deactivate.
import { api } from '../api.js';
import { badge, busy, button, checkbox, clear, compact, confirmAction, dialog, field, flash, fmtMoney, h, input, label, loading, pageHeader, pager, section, select, table } from '../dom.js';

const ALL = 500; // the API's largest page: the console shows whole catalogues
const OFFER_PAGE = 50;

// --- plans -----------------------------------------------------------------------------------

function decimalOrNull(value) {
  return value === undefined || value === '' ? null : String(value);
}

function intOrNull(value) {
  return value === undefined || value === '' ? null : Number(value);
}

function planBody(values, editing) {
  const body = {
    category_id: Number(values.category_id),
    plan_name: values.plan_name,
    plan_type: values.plan_type,
    is_topup: Boolean(values.is_topup),
    price: decimalOrNull(values.price),
    validity_days: intOrNull(values.validity_days),
    description: values.description || '',
    data_allowance_gb: decimalOrNull(values.data_allowance_gb),
    daily_data_limit_gb: decimalOrNull(values.daily_data_limit_gb),
    talktime_allowance_minutes: intOrNull(values.talktime_allowance_minutes),
    sms_allowance: intOrNull(values.sms_allowance),
    benefits: (values.benefits || '').split('\n').map((line) => line.trim()).filter(Boolean),
    max_secondary_numbers: intOrNull(values.max_secondary_numbers) ?? 0,
    is_featured: Boolean(values.is_featured),
  };
  if (!body.benefits.length) body.benefits = editing ? null : undefined;
  if (!editing) {
    for (const key of Object.keys(body)) if (body[key] === null || body[key] === undefined) delete body[key];
  }
  return body;
}

function planDialog(categories, plan, reload) {
  const editing = Boolean(plan);
  const value = (key, fallback = '') => (plan && plan[key] !== null && plan[key] !== undefined ? plan[key] : fallback);
  if (!categories.length) {
    flash('Create a category first: every plan belongs to one.', 'error');
    return;
  }
  dialog({
    title: editing ? `Edit plan #${plan.plan_id}` : 'New plan',
    className: 'dialog-wide',
    submitText: editing ? 'Save plan' : 'Create plan',
    content: h(
      'div',
      { class: 'form-grid' },
      field('Name', input('plan_name', { required: true, maxLength: 255, value: value('plan_name') })),
      field('Category', select('category_id', categories.map((item) => [String(item.category_id), item.category_name]), { value: String(value('category_id', categories[0].category_id)) })),
      field('Type', select('plan_type', [['Prepaid', 'Prepaid'], ['Postpaid', 'Postpaid']], { value: value('plan_type', 'Prepaid') })),
      field('Price (₹)', input('price', { type: 'number', min: 0, step: '0.01', required: true, value: value('price') })),
      field('Validity (days)', input('validity_days', { type: 'number', min: 0, step: 1, required: true, value: value('validity_days', 28) })),
      field('Data (GB, total)', input('data_allowance_gb', { type: 'number', min: 0, step: '0.01', value: value('data_allowance_gb') }), 'empty: unlimited or none'),
      field('Daily data limit (GB)', input('daily_data_limit_gb', { type: 'number', min: 0, step: '0.01', value: value('daily_data_limit_gb') })),
      field('Talk time (minutes)', input('talktime_allowance_minutes', { type: 'number', min: 0, step: 1, value: value('talktime_allowance_minutes') })),
      field('SMS', input('sms_allowance', { type: 'number', min: 0, step: 1, value: value('sms_allowance') })),
      field('Family numbers (postpaid)', input('max_secondary_numbers', { type: 'number', min: 0, step: 1, value: value('max_secondary_numbers', 0) })),
      h('div', { class: 'field checks' }, checkbox('is_topup', value('is_topup', false), 'Top-up (needs an active base plan)'), checkbox('is_featured', value('is_featured', false), 'Featured')),
      h('label', { class: 'field span-2' }, h('span', { class: 'field-label' }, 'Description'), h('textarea', { name: 'description', rows: 2, maxLength: 10000, required: true }, value('description'))),
      h('label', { class: 'field span-2' }, h('span', { class: 'field-label' }, 'Benefits (one per line)'), h('textarea', { name: 'benefits', rows: 3 }, (value('benefits', []) || []).join('\n'))),
    ),
    onSubmit: async (values) => {
      if (!values.plan_name) throw new Error('Give the plan a name.');
      if (!values.price) throw new Error('Give the plan a price.');
      if (!values.description) throw new Error('Describe the plan in a few words.');
      const body = planBody(values, editing);
      const saved = editing ? await api.put(`/admin/plans/${plan.plan_id}`, body) : await api.post('/admin/plans/', body);
      await reload();
      flash(editing ? `Plan “${saved.plan_name}” saved.` : `Plan “${saved.plan_name}” created (#${saved.plan_id}).`, 'ok');
    },
  });
}

/** A row's Delete button: asks first, then deletes `path` and reloads. `noun`: "Plan", "Offer". */
function deleteButton(noun, name, path, message, reload) {
  const what = noun.toLowerCase();
  return button(
    'Delete',
    () =>
      confirmAction({
        title: `Delete ${what} “${name}”?`,
        message,
        confirmText: `Delete ${what}`,
        action: async () => {
          await api.del(path);
          await reload();
          flash(`${noun} “${name}” deleted.`, 'ok');
        },
      }),
    { kind: 'small-danger', dataset: { action: 'delete' } },
  );
}

function planActions(plan, categories, reload) {
  const id = plan.plan_id;
  const toggle = plan.status === 'active' ? 'deactivate' : 'activate';
  return h(
    'div',
    { class: 'row-actions' },
    button('Edit', () => planDialog(categories, plan, reload), { kind: 'small', dataset: { action: 'edit' } }),
    button(
      toggle === 'activate' ? 'Activate' : 'Deactivate',
      (event) =>
        busy(event.currentTarget, async () => {
          const saved = await api.post(`/admin/plans/${id}/${toggle}`);
          await reload();
          flash(`Plan “${saved.plan_name}” is now ${saved.status}.`, 'ok');
        }),
      { kind: 'small', dataset: { action: toggle } },
    ),
    deleteButton('Plan', plan.plan_name, `/admin/plans/${id}`, 'The plan leaves the catalogue; past purchases keep their history.', reload),
  );
}

// --- offers ----------------------------------------------------------------------------------

/** "31.12.2025 23:59" (operator time, as the API shows offers) <-> "2025-12-31T23:59". */
function toLocalInput(text) {
  const match = /^(\d{2})\.(\d{2})\.(\d{4}) (\d{2}):(\d{2})$/.exec(text || '');
  return match ? `${match[3]}-${match[2]}-${match[1]}T${match[4]}:${match[5]}` : '';
}

function fromLocalInput(value) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value || '');
  return match ? `${match[3]}.${match[2]}.${match[1]} ${match[4]}:${match[5]}` : null;
}

function inputNow(days = 0) {
  const date = new Date(Date.now() + days * 86400000);
  const pad = (number) => String(number).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function offerDialog(plans, offer, reload) {
  const editing = Boolean(offer);
  const sellable = plans.filter((plan) => !plan.deleted_at);
  if (!editing && !sellable.length) {
    flash('Create a plan first: every offer discounts one plan.', 'error');
    return;
  }
  const mode = select('pricing', [['price', 'Offer price (₹)'], ['percent', 'Discount (%)']], { value: 'price' });
  const amount = input('amount', { type: 'number', min: 0, step: '0.01', required: true, value: editing ? offer.discounted_price : '' });
  const content = h(
    'div',
    { class: 'form-grid' },
    field('Offer name', input('offer_name', { required: true, maxLength: 255, value: editing ? offer.offer_name : '' })),
    editing
      ? field('Plan', input('plan_label', { value: planName(plans, offer.plan_id), disabled: true }))
      : field('Plan', select('plan_id', sellable.map((plan) => [String(plan.plan_id), `${plan.plan_name} (${fmtMoney(plan.price)})`]))),
    editing ? field('Offer price (₹)', amount) : field('Pricing', mode),
    editing ? null : field('Amount', amount, 'a price below the plan price, or a percentage'),
    field('Valid from', input('valid_from', { type: 'datetime-local', value: editing ? toLocalInput(offer.valid_from) : '' }), editing ? "operator's local time, as offers are shown" : 'empty: starts now'),
    field('Valid until', input('valid_until', { type: 'datetime-local', required: true, value: editing ? toLocalInput(offer.valid_until) : inputNow(7) })),
    h('label', { class: 'field span-2' }, h('span', { class: 'field-label' }, 'Description'), h('textarea', { name: 'description', rows: 2, maxLength: 10000 }, editing ? offer.description || '' : '')),
  );
  dialog({
    title: editing ? `Edit offer #${offer.offer_id}` : 'New offer',
    className: 'dialog-wide',
    submitText: editing ? 'Save offer' : 'Create offer',
    content,
    onSubmit: async (values) => {
      if (!values.offer_name) throw new Error('Give the offer a name.');
      if (!values.amount) throw new Error('Give the offer price or discount.');
      if (!values.valid_until) throw new Error('Choose when the offer ends.');
      const dates = { valid_from: fromLocalInput(values.valid_from) || new Date().toISOString(), valid_until: fromLocalInput(values.valid_until) };
      let saved;
      if (editing) {
        saved = await api.put(`/admin/offers/${offer.offer_id}`, { offer_name: values.offer_name, description: values.description || null, discounted_price: String(values.amount), ...dates });
      } else if (values.pricing === 'percent') {
        saved = await api.post('/admin/offers/create-with-discount', { plan_id: Number(values.plan_id), offer_name: values.offer_name, description: values.description, discount_percentage: String(values.amount), ...dates });
      } else {
        saved = await api.post('/admin/offers/', { plan_id: Number(values.plan_id), offer_name: values.offer_name, description: values.description, discounted_price: String(values.amount), ...dates });
      }
      await reload();
      flash(`Offer “${saved.offer_name}” ${editing ? 'saved' : 'created'}: ${fmtMoney(saved.discounted_price)}, ${saved.status}.`, 'ok');
    },
  });
}

function planName(plans, planId) {
  const plan = plans.find((item) => item.plan_id === planId);
  return plan ? plan.plan_name : `#${planId}`;
}

function offerActions(offer, plans, reload) {
  const id = offer.offer_id;
  const now = () => new Date().toISOString();
  const update = (body, done) => (event) =>
    busy(event.currentTarget, async () => {
      const saved = await api.put(`/admin/offers/${id}`, body());
      await reload();
      flash(`Offer “${saved.offer_name}” ${done} (now ${saved.status}).`, 'ok');
    });
  const actions = [button('Edit', () => offerDialog(plans, offer, reload), { kind: 'small', dataset: { action: 'edit' } })];
  if (offer.status === 'active') {
    actions.push(button('Deactivate', update(() => ({ valid_until: now() }), 'ended now'), { kind: 'small', dataset: { action: 'deactivate' }, title: 'End the offer now' }));
  } else if (offer.status === 'inactive') {
    actions.push(button('Activate', update(() => ({ valid_from: now() }), 'starts now'), { kind: 'small', dataset: { action: 'activate' }, title: 'Start the offer now' }));
  } else {
    actions.push(
      button('Activate', update(() => ({ valid_from: now(), valid_until: new Date(Date.now() + 7 * 86400000).toISOString() }), 'runs again for 7 days'), {
        kind: 'small',
        dataset: { action: 'activate' },
        title: 'Run the offer again from now for 7 days',
      }),
    );
  }
  actions.push(deleteButton('Offer', offer.offer_name, `/admin/offers/${id}`, 'Customers can no longer use it; past purchases keep their history.', reload));
  return h('div', { class: 'row-actions' }, actions);
}

// --- categories ------------------------------------------------------------------------------

function categoryPanel(categories, reload) {
  const name = input('category_name', { placeholder: 'New category name', maxLength: 100, id: 'category-name' });
  const form = h('form', { class: 'filters' }, field('Category', name), h('button', { type: 'submit', class: 'btn btn-secondary' }, 'Add category'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(form.querySelector('button[type=submit]'), async () => {
      if (!name.value.trim()) throw new Error('Type the category name.');
      const saved = await api.post('/admin/categories/', { category_name: name.value.trim() });
      await reload();
      flash(`Category “${saved.category_name}” added.`, 'ok');
    });
  });
  const rename = (category) =>
    dialog({
      title: `Rename “${category.category_name}”`,
      content: field('Name', input('category_name', { value: category.category_name, maxLength: 100, required: true })),
      onSubmit: async (values) => {
        await api.put(`/admin/categories/${category.category_id}`, { category_name: values.category_name || '' });
        await reload();
        flash('Category renamed.', 'ok');
      },
    });
  const remove = (category) =>
    confirmAction({
      title: `Delete “${category.category_name}”?`,
      message: 'Only a category without plans can be deleted.',
      confirmText: 'Delete category',
      action: async () => {
        await api.del(`/admin/categories/${category.category_id}`);
        await reload();
        flash('Category deleted.', 'ok');
      },
    });
  return [
    form,
    table(
      [
        { label: 'ID', value: (row) => String(row.category_id), class: 'num' },
        { label: 'Name', value: (row) => row.category_name },
        {
          label: 'Actions',
          value: (row) => h('div', { class: 'row-actions' }, button('Rename', () => rename(row), { kind: 'small' }), button('Delete', () => remove(row), { kind: 'small-danger' })),
        },
      ],
      categories,
      { emptyText: 'No categories yet: add one before creating plans.', id: 'categories-table' },
    ),
  ];
}

// --- the page --------------------------------------------------------------------------------

export default {
  title: 'Plans & offers',
  async render(main, context) {
    const params = context.params;
    const planFilters = compact({ plan_type: params.get('plan_type'), status: params.get('status'), category_id: params.get('category_id') });
    const offerStatus = params.get('offer_status') || '';
    const offerSkip = Number(params.get('offer_skip') || 0);
    const plansBox = h('div', { id: 'plans' }, loading());
    const offersBox = h('div', { id: 'offers' }, loading());
    const categoriesBox = h('div', { id: 'categories' }, loading());
    let state = { categories: [], plans: [], allPlans: [] };

    const newPlan = button('New plan', () => planDialog(state.categories, null, load), { kind: 'primary', id: 'new-plan' });
    const newOffer = button('New offer', () => offerDialog(state.allPlans, null, load), { kind: 'primary', id: 'new-offer' });

    const filterPlans = (changes) => context.navigate('catalog', compact({ ...planFilters, offer_status: offerStatus, ...changes }));
    const typeFilter = select('plan_type', [['', 'Any type'], ['Prepaid', 'Prepaid'], ['Postpaid', 'Postpaid']], { value: planFilters.plan_type || '', 'aria-label': 'Plan type' });
    typeFilter.addEventListener('change', () => filterPlans({ plan_type: typeFilter.value }));
    const statusFilter = select('status', [['', 'Any status'], ['active', 'Active'], ['inactive', 'Inactive']], { value: planFilters.status || '', 'aria-label': 'Plan status' });
    statusFilter.addEventListener('change', () => filterPlans({ status: statusFilter.value }));
    const categoryFilter = select('category_id', [['', 'Any category']], { value: '', 'aria-label': 'Category' });
    categoryFilter.addEventListener('change', () => filterPlans({ category_id: categoryFilter.value }));
    const offerFilter = select('offer_status', [['', 'Any status'], ['active', 'Active'], ['inactive', 'Not started'], ['expired', 'Expired']], { value: offerStatus, 'aria-label': 'Offer status' });
    offerFilter.addEventListener('change', () => context.navigate('catalog', compact({ ...planFilters, offer_status: offerFilter.value })));

    main.append(
      pageHeader('Plans & offers', newPlan, newOffer),
      section('Plans', h('div', { class: 'filters' }, typeFilter, statusFilter, categoryFilter), plansBox),
      section('Offers', h('div', { class: 'filters' }, offerFilter), offersBox),
      section('Categories', categoriesBox),
    );

    async function load() {
      const [categories, plans, allPlans, offerPage] = await Promise.all([
        api.get('/admin/categories/', { limit: ALL }),
        api.get('/admin/plans/', { ...planFilters, limit: ALL }),
        api.get('/admin/plans/', { limit: ALL }),
        api.get('/admin/offers/', { status: offerStatus, skip: offerSkip, limit: OFFER_PAGE }, { withTotal: true }),
      ]);
      if (!context.alive()) return;
      state = { categories, plans, allPlans };
      const offers = offerPage.data;
      const categoryName = Object.fromEntries(categories.map((item) => [item.category_id, item.category_name]));
      if (categoryFilter.options.length === 1) {
        for (const item of categories) categoryFilter.append(h('option', { value: String(item.category_id) }, item.category_name));
        categoryFilter.value = planFilters.category_id || '';
      }
      clear(plansBox).append(
        table(
          [
            { label: 'ID', value: (row) => String(row.plan_id), class: 'num' },
            { label: 'Name', value: (row) => h('span', {}, row.plan_name, row.is_featured ? h('span', { class: 'tag' }, 'featured') : null) },
            { label: 'Category', value: (row) => categoryName[row.category_id] || `#${row.category_id}` },
            { label: 'Type', value: (row) => (row.is_topup ? `${row.plan_type} top-up` : row.plan_type) },
            { label: 'Price', value: (row) => fmtMoney(row.price), class: 'num' },
            { label: 'Validity', value: (row) => `${row.validity_days} days` },
            { label: 'Data', value: (row) => (row.data_allowance_gb === null ? '—' : `${row.data_allowance_gb} GB`) },
            { label: 'Status', value: (row) => badge(row.status) },
            { label: 'Actions', value: (row) => planActions(row, categories, load) },
          ],
          plans,
          { emptyText: Object.keys(planFilters).length ? 'No plan matches these filters.' : 'No plans yet: create the first one.', id: 'plans-table' },
        ),
      );
      clear(offersBox).append(
        table(
          [
            { label: 'ID', value: (row) => String(row.offer_id), class: 'num' },
            { label: 'Offer', value: (row) => row.offer_name },
            { label: 'Plan', value: (row) => planName(allPlans, row.plan_id) },
            {
              label: 'Price',
              value: (row) => {
                const plan = allPlans.find((item) => item.plan_id === row.plan_id);
                return h('span', {}, fmtMoney(row.discounted_price), plan ? h('span', { class: 'muted small' }, ` (was ${fmtMoney(plan.price)})`) : null);
              },
            },
            { label: 'From', value: (row) => row.valid_from },
            { label: 'Until', value: (row) => row.valid_until },
            { label: 'Status', value: (row) => badge(row.status === 'inactive' ? 'not started' : row.status, row.status) },
            { label: 'Actions', value: (row) => offerActions(row, allPlans, load) },
          ],
          offers,
          { emptyText: offerStatus ? `No ${label(offerStatus).toLowerCase()} offers.` : 'No offers yet.', id: 'offers-table' },
        ),
        pager({ skip: offerSkip, limit: OFFER_PAGE, total: offerPage.total, shown: offers.length }, (next) =>
          context.navigate('catalog', compact({ ...planFilters, offer_status: offerStatus, offer_skip: next })),
        ),
      );
      clear(categoriesBox).append(...categoryPanel(categories, load));
    }
    await load();
  },
};
