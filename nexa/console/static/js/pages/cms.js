// CMS: the app's header, carousel slides and FAQs; up/down buttons to reorder.
import { api } from '../api.js';
import { badge, busy, button, checkbox, clear, confirmAction, dialog, field, flash, fmtDateTime, h, input, loading, pageHeader, section, table } from '../dom.js';

const KINDS = {
  headers: {
    title: 'Header',
    noun: 'header',
    plural: 'Headers',
    reorder: null,
    fields: [
      ['title', 'Title', 'input', { maxLength: 200 }],
      ['description', 'Description', 'textarea', { maxLength: 2000 }],
      ['button_text', 'Button text', 'input', { maxLength: 60 }],
      ['image_url', 'Image URL', 'input', { type: 'url', maxLength: 500, placeholder: 'https://…' }],
    ],
    columns: [
      { label: 'Title', value: (row) => row.title },
      { label: 'Description', value: (row) => h('span', { class: 'clip', title: row.description }, row.description) },
      { label: 'Button', value: (row) => row.button_text },
      { label: 'Image', value: (row) => h('span', { class: 'clip url' }, row.image_url) },
    ],
    note: 'The app shows at most one header: deactivate the shown one before showing another.',
  },
  carousels: {
    title: 'Carousel slide',
    noun: 'carousel slide',
    plural: 'Carousel',
    reorder: 'carousel',
    fields: [
      ['title', 'Title', 'input', { maxLength: 200 }],
      ['details', 'Details', 'textarea', { maxLength: 2000 }],
      ['price_text', 'Price text', 'input', { maxLength: 60, placeholder: 'e.g. ₹199' }],
      ['category_id', 'Category ID', 'input', { type: 'number', min: 1 }],
      ['cta_text', 'Button text', 'input', { maxLength: 60 }],
      ['image_url', 'Image URL', 'input', { type: 'url', maxLength: 500, placeholder: 'https://…' }],
    ],
    columns: [
      { label: 'Title', value: (row) => row.title },
      { label: 'Details', value: (row) => h('span', { class: 'clip', title: row.details }, row.details) },
      { label: 'Price', value: (row) => row.price_text },
      { label: 'Category', value: (row) => `#${row.category_id}` },
      { label: 'Button', value: (row) => row.cta_text },
    ],
  },
  faqs: {
    title: 'FAQ',
    noun: 'FAQ',
    plural: 'FAQs',
    reorder: 'faq',
    fields: [
      ['question', 'Question', 'textarea', { maxLength: 2000 }],
      ['answer', 'Answer', 'textarea', { maxLength: 2000 }],
      ['image_url', 'Image URL (optional)', 'input', { type: 'url', maxLength: 500, placeholder: 'https://…', optional: true }],
    ],
    columns: [
      { label: 'Question', value: (row) => h('span', { class: 'clip', title: row.question }, row.question) },
      { label: 'Answer', value: (row) => h('span', { class: 'clip', title: row.answer }, row.answer) },
    ],
  },
};

function itemDialog(kind, item, items, reload) {
  const spec = KINDS[kind];
  const count = items.length;
  const anotherShown = items.some((other) => other.is_active && (!item || other.id !== item.id));
  const editing = Boolean(item);
  const controls = spec.fields.map(([name, text, tag, { optional, ...props }]) => {
    const current = editing && item[name] !== null && item[name] !== undefined ? String(item[name]) : '';
    const control = tag === 'textarea' ? h('textarea', { name, rows: 3, ...props }, current) : input(name, { ...props, value: current });
    return field(text, control, optional ? 'optional' : null);
  });
  dialog({
    title: editing ? `Edit ${spec.noun}` : `New ${spec.noun}`,
    className: 'dialog-wide',
    content: [
      h('div', { class: 'form-grid' }, controls),
      spec.reorder ? field('Position', input('order', { type: 'number', min: 1, max: count + (editing ? 0 : 1), value: editing ? item.order : count + 1 })) : null,
      checkbox('is_active', editing ? item.is_active : !(kind === 'headers' && anotherShown), 'Shown in the app'),
    ],
    onSubmit: async (values) => {
      const body = {};
      for (const [name, , , { optional }] of spec.fields) {
        if (values[name] !== undefined) body[name] = values[name];
        else if (!optional) throw new Error(`Fill in “${spec.fields.find((entry) => entry[0] === name)[1]}”.`);
        else if (editing) body[name] = null;
      }
      if (spec.reorder) body.order = Number(values.order || count + 1);
      body.is_active = Boolean(values.is_active);
      if (editing) await api.put(`/admin/cms/${kind}/${item.id}`, body);
      else await api.post(`/admin/cms/${kind}`, body);
      await reload();
      flash(`${spec.title} ${editing ? 'saved' : 'added'}.`, 'ok');
    },
  });
}

function itemActions(kind, item, items, reload) {
  const spec = KINDS[kind];
  const actions = [];
  if (spec.reorder) {
    const move = (newOrder) => (event) =>
      busy(event.currentTarget, async () => {
        await api.post('/admin/cms/reorder', { item_id: item.id, new_order: newOrder, collection_type: spec.reorder });
        await reload();
      });
    actions.push(
      button('↑', move(item.order - 1), { kind: 'small', title: 'Move up', 'aria-label': 'Move up', disabled: item.order <= 1, dataset: { action: 'up' } }),
      button('↓', move(item.order + 1), { kind: 'small', title: 'Move down', 'aria-label': 'Move down', disabled: item.order >= items.length, dataset: { action: 'down' } }),
    );
  }
  actions.push(
    button('Edit', () => itemDialog(kind, item, items, reload), { kind: 'small', dataset: { action: 'edit' } }),
    button(
      item.is_active ? 'Deactivate' : 'Activate',
      (event) =>
        busy(event.currentTarget, async () => {
          await api.put(`/admin/cms/${kind}/${item.id}`, { is_active: !item.is_active });
          await reload();
          flash(`${spec.title} ${item.is_active ? 'hidden from' : 'shown in'} the app.`, 'ok');
        }),
      { kind: 'small', dataset: { action: item.is_active ? 'deactivate' : 'activate' } },
    ),
    button(
      'Delete',
      () =>
        confirmAction({
          title: `Delete this ${spec.noun}?`,
          message: 'It disappears from the app at once.',
          confirmText: 'Delete',
          action: async () => {
            await api.del(`/admin/cms/${kind}/${item.id}`);
            await reload();
            flash(`${spec.title} deleted.`, 'ok');
          },
        }),
      { kind: 'small-danger', dataset: { action: 'delete' } },
    ),
  );
  return h('div', { class: 'row-actions' }, actions);
}

export default {
  title: 'CMS',
  async render(main, context) {
    const boxes = Object.fromEntries(Object.keys(KINDS).map((kind) => [kind, h('div', { id: `cms-${kind}` }, loading())]));
    let content = { headers: [], carousels: [], faqs: [] };
    main.append(
      pageHeader('CMS content'),
      ...Object.entries(KINDS).map(([kind, spec]) =>
        section(
          spec.plural,
          spec.note ? h('p', { class: 'muted' }, spec.note) : null,
          h('div', { class: 'panel-actions' }, button(`New ${spec.noun}`, () => itemDialog(kind, null, content[kind], load), { kind: 'primary', id: `new-${kind}` })),
          boxes[kind],
        ),
      ),
    );
    async function load() {
      content = await api.get('/admin/cms/overview');
      if (!context.alive()) return;
      for (const [kind, spec] of Object.entries(KINDS)) {
        const items = [...content[kind]].sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
        const columns = [
          ...(spec.reorder ? [{ label: '#', value: (row) => String(row.order), class: 'num' }] : []),
          ...spec.columns,
          { label: 'Shown', value: (row) => badge(row.is_active ? 'active' : 'inactive') },
          { label: 'Updated', value: (row) => fmtDateTime(row.updated_at) },
          { label: 'Actions', value: (row) => itemActions(kind, row, items, load) },
        ];
        clear(boxes[kind]).append(table(columns, items, { emptyText: `No ${spec.noun}s yet.`, id: `cms-${kind}-table` }));
      }
    }
    await load();
  },
};
