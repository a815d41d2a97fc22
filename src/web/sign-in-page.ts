import { escapeXml as esc } from "./charts";

/**
 * The small server-rendered pages of the browser sign-in for the read-only report
 * pages and exports (src/web/report-session.ts): the sign-in form, and the list of
 * organizations whose report the key may read. Same look as the printable report,
 * no script, nothing fetched; every string is escaped.
 */

/** The content security policy of these pages: no script, no fetch, forms post only to this origin, never framed. */
export const SIGN_IN_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: #1a1a1a; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 34em; margin: 0 auto; padding: 48px 16px; }
h1 { font-size: 1.6em; line-height: 1.2; margin: 0.1em 0 0.4em; }
p { margin: 0.5em 0; }
.kicker { text-transform: uppercase; letter-spacing: 0.08em; font-size: 0.8em; color: #555; margin: 0; }
.muted { color: #555; }
.error { border: 1.5px solid #1a1a1a; padding: 0.5em 0.8em; font-weight: 600; }
.notice { border: 1px dashed #555; padding: 0.5em 0.8em; }
form.sign-in { margin: 1.2em 0; }
label { display: block; font-weight: 600; margin-bottom: 0.3em; }
input[type=password] { display: block; width: 100%; font: inherit; font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 0.9em; padding: 0.5em 0.6em; border: 1px solid #555; border-radius: 3px; }
button { font: inherit; margin-top: 0.8em; padding: 0.45em 1.2em; border: 1px solid #1a1a1a; background: #1a1a1a; color: #fff; border-radius: 3px; cursor: pointer; }
button.link { background: none; color: #1a1a1a; border: 1px solid #999; padding: 0.2em 0.7em; margin: 0; font-size: 0.9em; }
ul.orgs { padding-left: 1.2em; }
ul.orgs li { margin: 0.3em 0; }
a { color: #1a1a1a; }
footer { margin-top: 2em; font-size: 0.8em; color: #555; border-top: 1px solid #999; padding-top: 0.5em; }
`;

/** A whole server-rendered page (report, sign-in): no script, its CSS inline, referrer kept to this site. */
export function htmlDocument(title: string, css: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<meta name="referrer" content="same-origin">
<title>${esc(title)}</title>
<style>${css}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

export interface SignInPageOptions {
  /** Where to go after signing in: a path under /reports/ or /exports/, already checked. */
  next: string | null;
  /** The key sent was refused (wrong, revoked, malformed): said without detail. */
  rejected?: boolean;
  /** Shown after signing out. */
  signedOut?: boolean;
}

/** The sign-in form: one password field for the API key, posted to /reports/session. */
export function renderSignInPage(options: SignInPageOptions): string {
  const message = options.rejected
    ? `<p class="error" role="alert">The key was not accepted. Check that you pasted the whole key, and that it is still valid.</p>`
    : options.signedOut
      ? `<p class="notice" role="status">You are signed out.</p>`
      : "";
  return htmlDocument(
    "Sign in: impact reports",
    CSS,
    `<p class="kicker">Impact reports</p>
<h1>Sign in with your API key</h1>
${message}
<p>Reports and downloads are read with the API key the organization gave you (it starts with <span class="muted">dbl_</span>).</p>
<form class="sign-in" method="post" action="/reports/session">
<label for="key">API key</label>
<input type="password" id="key" name="key" autocomplete="current-password" spellcheck="false" required maxlength="200">
${options.next ? `<input type="hidden" name="next" value="${esc(options.next)}">` : ""}
<button type="submit">Sign in</button>
</form>
<footer>You stay signed in in this browser for 8 hours, or until you sign out. The browser keeps a signed sign-in cookie, not the key; scripts can't read it and other sites can't use it.</footer>`,
  );
}

/** The form that ends the browser session (a button, so it can't be triggered by a mere link). */
export function signOutForm(): string {
  return `<form class="sign-out" method="post" action="/reports/session/end"><button type="submit" class="link">Sign out</button></form>`;
}

/** The organizations the key may read reports of, with links to their report pages. */
export function renderReportListPage(options: { organizations: { id: string; name: string }[]; signedIn: boolean }): string {
  const list = options.organizations.length
    ? `<ul class="orgs">
${options.organizations.map((o) => `<li><a href="/reports/${esc(encodeURIComponent(o.id))}">${esc(o.name)}</a></li>`).join("\n")}
</ul>`
    : `<p class="muted">This key may not read the report of any organization.</p>`;
  return htmlDocument(
    "Impact reports",
    CSS,
    `<p class="kicker">Impact reports</p>
<h1>Reports you may read</h1>
${list}
${options.signedIn ? signOutForm() : ""}`,
  );
}
