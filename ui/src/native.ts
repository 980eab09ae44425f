// What the desktop shell adds (clipboard, notifications, data folder) and its browser fallbacks.
// In the desktop window the shell exposes `window.__TAURI__`; in a browser these use the web APIs.

interface TauriGlobal {
  core: { invoke: <T>(cmd: string, args?: Record<string, unknown>) => Promise<T> };
}

function tauri(): TauriGlobal | undefined {
  return (window as unknown as { __TAURI__?: TauriGlobal }).__TAURI__;
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
