// What the desktop shell adds (clipboard, notifications, data folder) and its browser fallbacks.
// In the desktop window the shell exposes `window.__TAURI__`; in a browser these use the web APIs.

interface TauriGlobal {
  core: { invoke: <T>(cmd: string, args?: Record<string, unknown>) => Promise<T> };
}

function tauri(): TauriGlobal | undefined {
  const w = window as unknown as { __TAURI__?: TauriGlobal; __SCIM_CONSOLE_REMOTE__?: boolean };
  // A remote console shown through its connection is not the shell's page: no commands.
  return w.__SCIM_CONSOLE_REMOTE__ ? undefined : w.__TAURI__;
}

/** Whether the UI runs inside the desktop app. */
export function isDesktop(): boolean {
  return tauri() !== undefined;
}

/** Copies text to the clipboard. */
export async function copyText(text: string): Promise<void> {
  const shell = tauri();
  if (shell) {
    await shell.core.invoke('copy_text', { text });
    return;
  }
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // Plain HTTP on a non-loopback name has no clipboard API: the selection route still works.
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  document.execCommand('copy');
  area.remove();
}

/**
 * Shows a desktop notification in a browser (when allowed). In the desktop app the shell
 * itself notifies of every alert, window open or not, so the page does not.
 */
export async function notify(title: string, body: string): Promise<void> {
  if (isDesktop()) return;
  if (!('Notification' in window)) return;
  if (Notification.permission === 'default') await Notification.requestPermission();
  if (Notification.permission === 'granted') new Notification(title, { body });
}

/** Opens the data folder in the file manager (desktop only). */
export async function openDataFolder(): Promise<void> {
  const shell = tauri();
  if (shell) await shell.core.invoke('open_data_folder');
}

/** A remote console the desktop app connects to (its API token is in the OS keychain). */
export interface Connection {
  id: string;
  name: string;
  colour: string;
  url: string;
  /** `system`: the certificates this computer trusts; `pinned`: that one certificate only. */
  trust: 'system' | { pinned: string };
  signedInAs: string;
}

/** What a first look at a console found (no secret sent). */
export interface Probe {
  version: string;
  certificate: { fingerprint: string; systemTrusted: boolean } | null;
  /** Its identity provider's name, when one signs administrators in (`Sign in with …`). */
  provider: string | null;
}

/** A connection to add: its token, or none when it signs in in the browser. */
export interface NewConnection {
  name: string;
  colour: string;
  url: string;
  token?: string;
  fingerprint?: string;
}

/** Why a connection command failed; `presented` (and `pinned`) when the certificate is the reason. */
export interface ConnectionError {
  message: string;
  field: 'url' | 'token' | 'name' | 'colour' | 'fingerprint' | null;
  presented: string | null;
  pinned: string | null;
}

/** The error a rejected connection command carries (the shell's, or a plain one). */
export function connectionError(error: unknown): ConnectionError {
  if (error && typeof error === 'object' && 'message' in error) return error as ConnectionError;
  return { message: String(error), field: null, presented: null, pinned: null };
}

function shell(): TauriGlobal {
  const found = tauri();
  if (!found) throw new Error('connections are kept by the desktop app');
  return found;
}

/** The desktop app's connections to remote consoles. */
export const connections = {
  list: () => shell().core.invoke<{ connections: Connection[]; colours: string[] }>('connections_list'),
  probe: (url: string) => shell().core.invoke<Probe>('connection_probe', { url }),
  add: (connection: NewConnection) => shell().core.invoke<Connection>('connection_add', { connection }),
  /** Opens the console's sign-in in the system browser; its address, and whether a browser opened it. */
  signInStart: (connection: NewConnection) =>
    shell().core.invoke<{ url: string; opened: boolean }>('connection_sign_in_start', { connection }),
  /** Waits for the browser to come back, then adds the connection. */
  signInFinish: () => shell().core.invoke<Connection>('connection_sign_in_finish'),
  signInCancel: () => shell().core.invoke<void>('connection_sign_in_cancel'),
  /** Opens a connection's console's sign-in again (its token expired or was revoked). */
  signInAgainStart: (id: string) =>
    shell().core.invoke<{ url: string; opened: boolean }>('connection_sign_in_again_start', { id }),
  /** Gives a connection a new personal API token. */
  setToken: (id: string, token: string) => shell().core.invoke<Connection>('connection_set_token', { id, token }),
  remove: (id: string) => shell().core.invoke<void>('connection_remove', { id }),
  trust: (id: string, fingerprint: string) => shell().core.invoke<Connection>('connection_trust', { id, fingerprint }),
  open: (id: string) => shell().core.invoke<void>('connection_open', { id }),
};

/** Whether the desktop app starts (in the tray) when the user signs in. */
export async function startAtLogin(): Promise<boolean> {
  return shell().core.invoke<boolean>('start_at_login');
}

/** Starts the desktop app at login, or no longer; whether it now does. */
export async function setStartAtLogin(on: boolean): Promise<boolean> {
  return shell().core.invoke<boolean>('set_start_at_login', { on });
}
