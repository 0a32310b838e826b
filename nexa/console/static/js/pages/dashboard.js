// Dashboard: today's and the period's sales, live counts, and the analytics charts.
import { api } from '../api.js';
import { barList, shortNumber, timeChart } from '../charts.js';
import { button, clear, flashError, fmtCount, fmtDate, fmtMoney, h, loading, pageHeader, section, select, stat, table } from '../dom.js';

const PERIODS = [
  ['7', 'Last 7 days'],
  ['30', 'Last 30 days'],
  ['90', 'Last 90 days'],
  ['365', 'Last 365 days'],
];

const moneyAxis = (value, axis) => (axis ? `₹${shortNumber(value)}` : fmtMoney(value));
const countAxis = (value, axis) => (axis ? shortNumber(value) : fmtCount(value));

function figures(sales, testPrefix, activeSubscriptions) {
  return h(
    'div',
    { class: 'stats' },
    stat('Gross revenue', sales.revenue ?? fmtMoney(sales.revenue_amount), `${fmtCount(sales.transactions)} payments`, `${testPrefix}-revenue`),
    stat('Refunded', sales.refunded_revenue ?? fmtMoney(sales.refunded_revenue_amount), `${fmtCount(sales.refunds)} refunds processed`, `${testPrefix}-refunded`),
    stat('Net revenue', sales.net_revenue ?? fmtMoney(sales.net_revenue_amount), 'gross less refunds', `${testPrefix}-net-revenue`),
    stat('Recharges', fmtCount(sales.recharges), `${fmtCount(sales.bill_payments)} bill payments`, `${testPrefix}-recharges`),
    stat('New customers', fmtCount(sales.new_customers), null, `${testPrefix}-new-customers`),
    activeSubscriptions
      ? stat('Active subscriptions', fmtCount(activeSubscriptions.active_plans), `${fmtCount(activeSubscriptions.active_topups)} top-ups · ${fmtCount(activeSubscriptions.queued_plans)} queued`, 'active-subscriptions')
      : stat('Failed payments', fmtCount(sales.failed_payments), null, `${testPrefix}-failed`),
  );
}

const chartCard = (...children) => h('div', { class: 'chart-card' }, ...children);

/** A card charting whole numbers by day: each series plots the row field it names. */
function countChart({ id, title, rows, series, tooltip, emptyText }) {
  return chartCard(
    timeChart({
      id,
      title,
      labels: rows.map((row) => row.date),
      series: series.map(({ field, ...options }) => ({ ...options, values: rows.map((row) => row[field]), format: countAxis, integer: true })),
      tooltip: (index) => tooltip(rows[index]),
      emptyText,
    }),
  );
}

async function settle(promise) {
  try {
    return { value: await promise };
  } catch (error) {
    return { error };
  }
}

export default {
  title: 'Dashboard',
  async render(main, context) {
    const days = context.params.get('days') || '30';
    const revenuePeriod = context.params.get('period') || 'daily';
    const periodSelect = select('days', PERIODS, { value: days, id: 'dashboard-days', 'aria-label': 'Period' });
    periodSelect.addEventListener('change', () => context.navigate('dashboard', { days: periodSelect.value, period: revenuePeriod }));
    const refresh = button('Refresh', () => context.navigate('dashboard', { days, period: revenuePeriod }));
    main.append(pageHeader('Dashboard', periodSelect, refresh));
    const body = h('div', { class: 'dashboard' }, loading());
    main.append(body);

    const [summary, revenue, growth, referrals, plans] = await Promise.all([
      settle(api.get('/admin/dashboard', { days })),
      settle(api.get('/admin/analytics/revenue', { period: revenuePeriod, days })),
      settle(api.get('/admin/analytics/customers/growth', { days })),
      settle(api.get('/admin/analytics/referrals/trend', { days })),
      settle(api.get('/admin/analytics/plans/performance', { limit: 10 })),
    ]);
    if (!context.alive()) return;
    clear(body);
    for (const part of [summary, revenue, growth, referrals, plans]) if (part.error) flashError(part.error);

    if (summary.value) {
      const data = summary.value;
      body.append(
        section('Today', figures(data.today, 'today', data.subscriptions)),
        section(`Last ${data.days} days (since ${fmtDate(data.period_start)})`, figures(data.period, 'period')),
        section(
          'Now',
          h(
            'div',
            { class: 'stats' },
            stat('Customers', fmtCount(data.customers.total), `${fmtCount(data.customers.active)} active · ${fmtCount(data.customers.inactive)} inactive · ${fmtCount(data.customers.suspended)} suspended`, 'customers'),
            stat('Postpaid lines', fmtCount(data.postpaid.active_lines), `${fmtCount(data.postpaid.unpaid_bills)} unpaid bills · ${fmtMoney(data.postpaid.amount_due)} due`, 'postpaid'),
            stat('Referrals', fmtCount(data.referrals_completed), `${fmtCount(data.referral_codes_active)} codes active`, 'referrals'),
            stat('Notifications waiting', fmtCount(data.notifications_pending), null, 'notifications-pending'),
          ),
        ),
      );
    }

    const charts = h('div', { class: 'charts' });
    body.append(charts);

    const periodSwitch = select('period', [['daily', 'Daily'], ['weekly', 'Weekly'], ['monthly', 'Monthly']], { value: revenuePeriod, id: 'revenue-period', 'aria-label': 'Revenue period' });
    periodSwitch.addEventListener('change', () => context.navigate('dashboard', { days, period: periodSwitch.value }));
    const revenueRows = revenue.value || [];
    const planRows = plans.value || [];
    charts.append(
      chartCard(
        h('div', { class: 'chart-tools' }, periodSwitch),
        timeChart({
          id: 'chart-revenue',
          title: 'Revenue',
          labels: revenueRows.map((row) => row.date || row.period),
          series: [
            { name: 'Revenue', values: revenueRows.map((row) => Number(row.revenue)), format: moneyAxis },
            { name: 'Refunded', kind: 'line', values: revenueRows.map((row) => Number(row.refunded_revenue ?? 0)), format: moneyAxis, color: 2 },
          ],
          tooltip: (index) => {
            const row = revenueRows[index];
            return `(${fmtCount(row.transactions)} payments, ${fmtCount(row.refunds ?? 0)} refunds; net ${fmtMoney(row.net_revenue)})`;
          },
          emptyText: 'No sales in this period.',
        }),
      ),
      countChart({
        id: 'chart-growth',
        title: 'Customer growth',
        rows: growth.value || [],
        series: [
          { name: 'New customers', field: 'new_customers', color: 1 },
          { name: 'All customers', field: 'total_customers', kind: 'line', axis: 'right', color: 0 },
        ],
        tooltip: (row) => `(growth ${row.growth})`,
        emptyText: 'No customers yet.',
      }),
      countChart({
        id: 'chart-referrals',
        title: 'Referral trend',
        rows: referrals.value || [],
        series: [
          { name: 'New referral codes', field: 'new_referrals', color: 2 },
          { name: 'Completed', field: 'successful_referrals', color: 1 },
        ],
        tooltip: (row) => `(success ${row.success_rate})`,
        emptyText: 'No referrals in this period.',
      }),
      chartCard(
        barList({
          id: 'chart-plans',
          title: 'Plan performance: revenue of the 10 best-selling plans (all time)',
          items: planRows
            .map((row) => ({ label: row.plan_name, value: Number(row.revenue_amount ?? 0), note: `${fmtCount(row.transactions)} sales, rank ${row.rank}` }))
            .sort((a, b) => b.value - a.value),
          format: (value) => fmtMoney(value),
          emptyText: 'No plan has sold yet.',
        }),
      ),
    );

    if (summary.value) {
      body.append(
        section(
          `Best-selling plans, last ${summary.value.days} days`,
          table(
            [
              { label: 'Plan', value: (row) => row.plan_name },
              { label: 'Sales', value: (row) => fmtCount(row.transactions), class: 'num' },
              { label: 'Revenue', value: (row) => row.revenue, class: 'num' },
            ],
            summary.value.top_plans,
            { emptyText: 'No sales in this period.', id: 'top-plans' },
          ),
        ),
      );
    }
  },
};
