// The console's shell: sign-in, the navigation and a hash router (#/customers?search_term=…).
import { login, logout, onSessionEnd, session } from './api.js';
import { clear, clearFlash, flash, flashError, h, setFlashRegion } from './dom.js';
import audit from './pages/audit.js';
import backups from './pages/backups.js';
import catalog from './pages/catalog.js';
import cms from './pages/cms.js';
import customers from './pages/customers.js';
import dashboard from './pages/dashboard.js';
import notifications from './pages/notifications.js';
import payments from './pages/payments.js';
import subscriptions from './pages/subscriptions.js';
import transactions from './pages/transactions.js';

const PAGES = {
  dashboard,
  customers,
  transactions,
  payments,
  catalog,
  subscriptions,
  notifications,
  cms,
  backups,
  audit,
};
const HOME = 'dashboard';
const root = document.getElementById('app');

let shell = null; // {main, nav}
let current = { token: 0, leave: [] };

function parseHash() {
  const raw = window.location.hash.replace(/^#\/?/, '');
  const [name, query] = raw.split('?');
  return { name: PAGES[name] ? name : HOME, params: new URLSearchParams(query || '') };
}

export function navigate(name, params) {
  const query = params ? new URLSearchParams(params).toString() : '';
  const target = `#/${name}${query ? `?${query}` : ''}`;
  if (window.location.hash === target) route();
  else window.location.hash = target;
}

function showLogin(message) {
  shell = null;
  leavePage();
  const region = h('div', { id: 'flash', class: 'flash' });
  const email = h('input', { type: 'email', name: 'email', id: 'login-email', autocomplete: 'username', required: true });
  const password = h('input', { type: 'password', name: 'password', id: 'login-password', autocomplete: 'current-password', required: true });
  // only for accounts with two-factor sign-in on (POST /admin/mfa/setup)
  const totp = h('input', { type: 'text', name: 'totp', id: 'login-totp', autocomplete: 'one-time-code', inputmode: 'numeric', pattern: '[0-9]{6}', maxlength: '6' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'login-submit' }, 'Sign in');
  const form = h(
    'form',
    { class: 'login-form', id: 'login-form', noValidate: true },
    h('div', { class: 'brand brand-large' }, h('span', { class: 'brand-mark' }, 'N'), 'NEXA console'),
    h('p', { class: 'muted' }, 'Sign in with your NEXA admin account.'),
    region,
    h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'E-mail'), email),
    h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Password'), password),
    h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Authenticator code (if two-factor sign-in is on)'), totp),
    submit,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFlash();
    if (!email.value.trim() || !password.value) {
      flash('Enter your e-mail and password.', 'error');
      return;
    }
    submit.disabled = true;
    try {
      await login(email.value.trim(), password.value, totp.value.trim());
      showShell();
    } catch (error) {
      flashError(error);
      password.select();
    } finally {
      submit.disabled = false;
    }
  });
  clear(root).append(h('div', { class: 'login-page' }, form));
  setFlashRegion(region);
  if (message) flash(message, 'info');
  email.focus();
}

function showShell() {
  const nav = h(
    'nav',
    { class: 'nav', 'aria-label': 'Sections' },
    Object.entries(PAGES).map(([name, page]) => h('a', { href: `#/${name}`, dataset: { page: name } }, page.title)),
  );
  const region = h('div', { id: 'flash', class: 'flash' });
  const main = h('main', { id: 'main', class: 'main' });
  const signOut = h('button', { type: 'button', class: 'btn btn-secondary', id: 'logout' }, 'Sign out');
  signOut.addEventListener('click', async () => {
    signOut.disabled = true;
    await logout();
    showLogin('You have signed out.');
  });
  const who = session.get();
  clear(root).append(
    h(
      'div',
      { class: 'shell' },
      h('aside', { class: 'sidebar' }, h('div', { class: 'brand' }, h('span', { class: 'brand-mark' }, 'N'), 'NEXA console'), nav),
      h(
        'div',
        { class: 'content' },
        h('header', { class: 'topbar' }, h('span', { class: 'who', id: 'who' }, who && who.email ? who.email : 'admin'), signOut),
        region,
        main,
      ),
    ),
  );
  setFlashRegion(region);
  shell = { main, nav };
  route();
}

function leavePage() {
  for (const callback of current.leave) {
    try {
      callback();
    } catch {
      // a page's cleanup never blocks navigation
    }
  }
  current = { token: current.token + 1, leave: [] };
}

async function route() {
  if (!session.get()) {
    showLogin();
    return;
  }
  if (!shell) {
    showShell();
    return;
  }
  leavePage();
  clearFlash();
  const { name, params } = parseHash();
  const page = PAGES[name];
  for (const link of shell.nav.querySelectorAll('a')) {
    link.classList.toggle('active', link.dataset.page === name);
    if (link.dataset.page === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = `${page.title} · NEXA console`;
  const main = clear(shell.main);
  main.dataset.page = name;
  main.dataset.ready = 'false';
  const token = current.token;
  const context = {
    params,
    alive: () => token === current.token,
    onLeave: (callback) => current.leave.push(callback),
    navigate,
  };
  try {
    await page.render(main, context);
  } catch (error) {
    if (context.alive()) {
      flashError(error);
      if (!main.childElementCount) main.append(h('p', { class: 'empty' }, 'This page could not be loaded.'));
    }
  } finally {
    if (context.alive()) main.dataset.ready = 'true';
  }
}

onSessionEnd((message) => showLogin(message));
window.addEventListener('hashchange', () => {
  if (shell) route();
});
route();
