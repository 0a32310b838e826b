// Backups: take one now, the schedule, history, and a restore that must be confirmed.
import { api } from '../api.js';
import { badge, busy, button, clear, confirmAction, dialog, field, flash, fmtBytes, fmtCount, fmtDateTime, h, input, label, loading, pageHeader, section, select, stat, table } from '../dom.js';

const LIMIT = 100;
const POLL_MS = 2000;

function restoreDialog(backup, reload) {
  dialog({
    title: `Restore ${backup.file_name}?`,
    className: 'dialog-danger',
    danger: true,
    submitText: 'Restore this backup',
    content: [
      h(
        'div',
        { class: 'dialog-message warning' },
        h('p', {}, 'Restoring replaces every customer, plan, offer, transaction, subscription and CMS item with the contents of this backup. Changes made since it was taken are lost.'),
        h('p', {}, 'A safety backup of the current data is taken first. Signed-in customers whose accounts are not in the backup are signed out.'),
        h('p', {}, `Backup from ${fmtDateTime(backup.completed_at || backup.created_at)}, ${fmtBytes(backup.size_bytes)}.`),
      ),
      field(`Type the file name to confirm: ${backup.file_name}`, input('confirm_name', { autocomplete: 'off', id: 'restore-confirm-name', spellcheck: false })),
    ],
    canSubmit: (values) => values.confirm_name === backup.file_name,
    onSubmit: async (values) => {
      if (values.confirm_name !== backup.file_name) throw new Error('Type the file name exactly to confirm.');
      const answer = await api.post(`/admin/backup-restore/restore/${backup.backup_id}`, { confirm: true });
      await reload();
      flash(answer.message || `Restore #${answer.restore_id} started.`, 'ok');
    },
  });
}

function scheduleForm(status, options, reload) {
  const choices = Object.entries(options || {}).map(([name, option]) => [name, `${label(name)}${option.recommended ? ' (recommended)' : ''}`]);
  const frequency = select('frequency', choices.length ? choices : ['daily', 'weekly', 'monthly', 'manual'], { value: status.active ? status.frequency : 'manual', id: 'schedule-frequency' });
  const time = input('time_of_day', { type: 'time', value: status.scheduled_time || '02:00', id: 'schedule-time' });
  const describe = h('p', { class: 'muted small' });
  const sync = () => {
    const option = options && options[frequency.value];
    describe.textContent = option ? `${option.description}${option.retention_days ? ` Kept ${option.retention_days} days.` : ''}` : '';
    time.disabled = frequency.value === 'manual';
  };
  frequency.addEventListener('change', sync);
  sync();
  const save = h('button', { type: 'submit', class: 'btn btn-primary', id: 'schedule-save' }, 'Save schedule');
  const form = h('form', { class: 'filters', id: 'schedule-form' }, field('Frequency', frequency), field('Time', time), save);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(save, async () => {
      const body = { frequency: frequency.value };
      if (frequency.value !== 'manual' && time.value) body.time_of_day = time.value.slice(0, 5);
      const answer = await api.post('/admin/backup-restore/backup/schedule', body);
      await reload();
      flash(`${answer.message.replace(/\.?$/, '.')}${answer.next_run ? ` Next backup: ${fmtDateTime(answer.next_run)}.` : ''}`, 'ok');
    });
  });
  const summary = status.active
    ? h('p', { id: 'schedule-status' }, `Automatic backups ${status.frequency} at ${status.scheduled_time}${status.timezone ? ` (${status.timezone})` : ''}. Next: ${fmtDateTime(status.next_run)}. Last: ${status.last_run === 'Never' || !status.last_run ? 'never' : fmtDateTime(status.last_run)}.`)
    : h('p', { id: 'schedule-status' }, status.message || 'No automatic backups are scheduled.');
  return [summary, form, describe];
}

export default {
  title: 'Backups',
  async render(main, context) {
    const statsBox = h('div', { class: 'stats' }, loading());
    const scheduleBox = h('div', { id: 'backup-schedule' }, loading());
    const backupsBox = h('div', { id: 'backup-list' }, loading());
    const restoresBox = h('div', { id: 'restore-list' }, loading());
    let timer = null;
    context.onLeave(() => clearTimeout(timer));

    const create = button('Back up now', (event) =>
      busy(event.currentTarget, async () => {
        const backup = await api.post('/admin/backup-restore/backup/manual');
        await load();
        flash(`Backup #${backup.backup_id} started (${backup.file_name}).`, 'ok');
      }), { kind: 'primary', id: 'backup-now' });
    main.append(
      pageHeader('Backups', create),
      section(null, statsBox),
      section('Schedule', scheduleBox),
      section('Backups', backupsBox),
      section('Restores', restoresBox),
    );

    async function load() {
      clearTimeout(timer);
      const [stats, status, options, backups, restores] = await Promise.all([
        api.get('/admin/backup-restore/stats'),
        api.get('/admin/backup-restore/backup/schedule/status'),
        api.get('/admin/backup-restore/backup/schedule/options'),
        api.get('/admin/backup-restore/backup', { limit: LIMIT }),
        api.get('/admin/backup-restore/restore', { limit: LIMIT }),
      ]);
      if (!context.alive()) return;
      clear(statsBox).append(
        stat('Backups', fmtCount(stats.total_backups), `${fmtCount(stats.manual_backups)} manual · ${fmtCount(stats.auto_backups)} automatic`),
        stat('Last 7 days', fmtCount(stats.recent_backups)),
        stat('Failed', fmtCount(stats.failed_backups ?? 0)),
        stat('Space used', fmtBytes(stats.total_size_bytes ?? 0)),
        stat('Restores', fmtCount(stats.total_restores)),
        stat('Latest backup', stats.latest_backup_at ? fmtDateTime(stats.latest_backup_at) : 'never'),
      );
      clear(scheduleBox).append(...scheduleForm(status, options.options, load));
      clear(backupsBox).append(
        table(
          [
            { label: 'ID', value: (row) => String(row.backup_id), class: 'num' },
            { label: 'File', value: (row) => row.file_name },
            { label: 'Kind', value: (row) => label(row.type) },
            { label: 'Status', value: (row) => badge(row.status) },
            { label: 'Size', value: (row) => fmtBytes(row.size_bytes), class: 'num' },
            { label: 'Started', value: (row) => fmtDateTime(row.created_at) },
            { label: 'Finished', value: (row) => fmtDateTime(row.completed_at) },
            { label: 'Error', value: (row) => row.error },
            {
              label: 'Actions',
              value: (row) =>
                h(
                  'div',
                  { class: 'row-actions' },
                  row.status === 'completed' ? button('Restore…', () => restoreDialog(row, load), { kind: 'small-danger', dataset: { action: 'restore' } }) : null,
                  button(
                    'Delete',
                    () =>
                      confirmAction({
                        title: `Delete ${row.file_name}?`,
                        message: 'The archive file is removed; it cannot be restored afterwards.',
                        confirmText: 'Delete backup',
                        action: async () => {
                          await api.del(`/admin/backup-restore/backup/${row.backup_id}`);
                          await load();
                          flash('Backup deleted.', 'ok');
                        },
                      }),
                    { kind: 'small', dataset: { action: 'delete' } },
                  ),
                ),
            },
          ],
          backups,
          { emptyText: 'No backups yet: take the first one with “Back up now”.', id: 'backups-table' },
        ),
      );
      clear(restoresBox).append(
        table(
          [
            { label: 'ID', value: (row) => String(row.restore_id), class: 'num' },
            { label: 'From', value: (row) => row.file_name },
            { label: 'Status', value: (row) => badge(row.status) },
            { label: 'Safety backup', value: (row) => (row.safety_backup_id ? `#${row.safety_backup_id}` : '—') },
            { label: 'Started', value: (row) => fmtDateTime(row.created_at) },
            { label: 'Finished', value: (row) => fmtDateTime(row.completed_at) },
            { label: 'Error', value: (row) => row.error },
          ],
          restores,
          { emptyText: 'No restores yet.', id: 'restores-table' },
        ),
      );
      const working = (rows) => rows.some((row) => row.status === 'pending' || row.status === 'running');
      if (working(backups) || working(restores)) {
        timer = setTimeout(() => {
          if (context.alive()) load().catch(() => {});
        }, POLL_MS);
      }
    }
    await load();
  },
};
