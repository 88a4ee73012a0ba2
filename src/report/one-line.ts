// Text dmafuzz prints inside a one-line message. A file name is unchanged when it is plain, so
// `file:line:col` stays clickable, and quoted with C escapes when it holds a newline or another
// control character (Linux allows any byte but '/' and NUL in a name); other text gets those
// characters escaped in place. Either way a message never spans two lines.

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

export function escapeControls(text: string): string {
  return text.replace(CONTROL, (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function oneLine(name: string): string {
  return escapeControls(name) === name ? name : `"${escapeControls(name.replace(/[\\"]/g, '\\$&'))}"`;
}
