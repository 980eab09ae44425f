// The connection bar, run by the shell before every page of the main window: which console the
// window shows — this computer's, or a remote one through its proxy — in the connection's
// colour, the remote's version (warned when older than the app), and the way to switch.
(() => {
  if (window.top !== window) return;
  const host = location.hostname;
  const local = host === '127.0.0.1';
  const remote = host === 'localhost' && location.protocol === 'http:';
  if (!local && !remote) return;
  // A remote console's page is not the shell's: it gets none of the shell's commands.
  if (remote) window.__SCIM_CONSOLE_REMOTE__ = true;
  const draw = (info) => {
    const bar = document.createElement('div');
    bar.id = 'scim-console-connection-bar';
    bar.setAttribute('role', 'status');
    bar.setAttribute('aria-label', 'Console shown');
    bar.dataset.connection = info.name;
    bar.style.cssText =
      'position:fixed;left:0;right:0;bottom:0;height:26px;z-index:2147483647;display:flex;align-items:center;' +
      'gap:12px;padding:0 12px;font:13px system-ui,sans-serif;color:#fff;background:' +
      info.colour;
    const name = document.createElement('strong');
    name.textContent = info.name;
    bar.append(name);
    if (info.url) {
      const where = document.createElement('span');
      where.textContent = `${info.url} · version ${info.version}`;
      bar.append(where);
    }
    if (info.older) {
      const older = document.createElement('span');
      older.dataset.testid = 'connection-older';
      older.textContent = `Older than this app (${info.appVersion}): some pages described in its guide may be missing`;
      bar.append(older);
    }
    if (info.home) {
      const link = document.createElement('a');
      link.href = info.home;
      link.textContent = info.linkText;
      link.style.cssText = 'color:#fff;margin-left:auto;text-decoration:underline';
      bar.append(link);
    }
    document.body.append(bar);
    document.body.style.paddingBottom = '26px';
  };
  const start = () => {
    if (local) {
      draw({ name: 'This computer', colour: '#343a40', home: `${location.origin}/connections`, linkText: 'Connections' });
      return;
    }
    fetch('/__scim-console/connection')
      .then((r) => (r.ok ? r.json() : null))
      .then((info) => info && draw({ ...info, linkText: 'Switch console' }))
      .catch(() => {});
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
