/** The few HTML pages an instance serves itself: activation, login, admin landing, errors. */

import { escapeHtml } from '@app/common/html/escape-html';

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · WhatsApp Inbox</title>
<style>
body{font-family:system-ui,sans-serif;background:#f4f6f8;margin:0;color:#1c2733}
main{max-width:40rem;margin:4rem auto;background:#fff;padding:2rem;border-radius:.5rem;box-shadow:0 1px 4px #0002}
h1{font-size:1.4rem;margin-top:0}label{display:block;margin:.8rem 0 .3rem;font-weight:600}
input[type=password],input[type=text]{width:100%;box-sizing:border-box;padding:.55rem;border:1px solid #b8c2cc;border-radius:.3rem;font-size:1rem}
button{margin-top:1.2rem;padding:.6rem 1.4rem;background:#128c7e;color:#fff;border:0;border-radius:.3rem;font-size:1rem;cursor:pointer}
.errors{background:#fdecea;color:#8a1c1c;padding:.6rem 1rem;border-radius:.3rem}.errors li{margin:.2rem 0}
.hint{color:#5b6b7a;font-size:.9rem}
select{padding:.45rem;font-size:1rem}section{border-top:1px solid #dde3e8;margin-top:1.5rem}
.notice{background:#e7f6ee;color:#145c32;padding:.6rem 1rem;border-radius:.3rem}
.tag{background:#e8eef3;padding:.15rem .5rem;border-radius:1rem}li form{display:inline}li form button{margin:0 0 0 .5rem;padding:.2rem .6rem;font-size:.85rem}
code{word-break:break-all}
</style></head><body><main>${body}</main></body></html>`;
}

const errorList = (errors: string[]) =>
  errors.length
    ? `<ul class="errors" role="alert">${errors.map((e) => `<li>${escapeHtml(e)}</li>`).join('')}</ul>`
    : '';

export function setPasswordPage(username: string, csrf: string, errors: string[] = []): string {
  return layout(
    'Activate your account',
    `<h1>Activate your account</h1>
<p>Welcome, <strong>${escapeHtml(username)}</strong>. Choose a password to finish setting up your inbox.</p>
${errorList(errors)}
<form method="post">
<input type="hidden" name="csrfmiddlewaretoken" value="${escapeHtml(csrf)}">
<label for="password1">New password</label><input type="password" id="password1" name="password1" autocomplete="new-password" required>
<label for="password2">New password confirmation</label><input type="password" id="password2" name="password2" autocomplete="new-password" required>
<p class="hint">At least 8 characters, not entirely numeric, not too similar to your user name, not a common password.</p>
<button type="submit">SAVE</button>
</form>`,
  );
}

export function loginPage(csrf: string, next: string, errors: string[] = []): string {
  return layout(
    'Log in',
    `<h1>Log in</h1>${errorList(errors)}
<form method="post">
<input type="hidden" name="csrfmiddlewaretoken" value="${escapeHtml(csrf)}">
<input type="hidden" name="next" value="${escapeHtml(next)}">
<label for="username">Username</label><input type="text" id="username" name="username" autocomplete="username" required>
<label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit">Log in</button>
</form>`,
  );
}

/** The admin landing page; `sections` (already HTML) are an admin's configuration forms. */
export function adminPage(
  username: string,
  role: string,
  webInboxUrl: string,
  csrf: string,
  sections = '',
): string {
  return layout(
    'Admin',
    `<h1>Inbox administration</h1>
<p id="who">Logged in as <strong>${escapeHtml(username)}</strong> (${escapeHtml(role)}).</p>
<p><a id="web-inbox" href="${escapeHtml(webInboxUrl)}">Go to Web Inbox</a></p>
<form method="post" action="/logout/"><input type="hidden" name="csrfmiddlewaretoken" value="${escapeHtml(csrf)}"><button type="submit">Log out</button></form>
${sections}`,
  );
}

export function errorPage(title: string, message: string): string {
  return layout(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`);
}
